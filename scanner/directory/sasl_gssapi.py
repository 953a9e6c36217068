"""The SASL GSSAPI (Kerberos) bind of RFC 4752, with its security layer.

ldap3 2.9.1 binds with GSSAPI but negotiates no security layer, so a DC that requires signing (every
AD DC over plain LDAP once "LDAP server signing requirements" is set, and Samba by default) refuses
it. Here, over plain LDAP the bind asks for confidentiality (sealing, which signs as well) and every
LDAP message after it travels as RFC 4752 frames: a 4-byte big-endian length, then the GSS-wrapped
message. Over TLS (LDAPS, StartTLS) TLS protects the connection: the bind asks for no layer, and binds
the Kerberos exchange to the TLS channel (channel bindings, as Windows' "LDAP channel binding" wants).

``SealedConnection`` is ldap3's Connection with this bind in place of ldap3's own GSSAPI one; the
layer sits under ldap3 as a socket wrapper, so ldap3's reader and writer are unchanged.
"""

from __future__ import annotations

import socket
import struct
from typing import Any

import ldap3
from ldap3.core.exceptions import LDAPCommunicationError
from ldap3.protocol.sasl.sasl import abort_sasl_negotiation, send_sasl_negotiation

NO_LAYER, INTEGRITY, CONFIDENTIALITY = 1, 2, 4
_MAX_FRAME = 16 * 1024 * 1024  # RFC 4752: the largest buffer we take; a DC sends far smaller frames
_OUR_MAX = 0xFFFFFF  # what we accept, said in the bind's last message (3 bytes)


class SaslFrameError(LDAPCommunicationError):  # type: ignore[misc]  # ldap3 ships no types
    """A security-layer frame that cannot be read or unwrapped."""


class SealedSocket:
    """The socket under ldap3 once a GSSAPI bind chose integrity or confidentiality."""

    def __init__(self, sock: Any, context: Any, *, encrypt: bool, peer_max: int) -> None:
        self._sock = sock
        self._ctx = context
        self._encrypt = encrypt
        # room for the wrap token's header, trailer and padding (under 100 bytes for AES)
        self._chunk = max(1024, (peer_max or _OUR_MAX) - 256)
        self._buffer = bytearray()

    def sendall(self, data: bytes) -> None:
        view = memoryview(data)
        for start in range(0, len(view), self._chunk):
            wrapped = self._ctx.wrap(bytes(view[start:start + self._chunk]), self._encrypt)
            if self._encrypt and not wrapped.encrypted:
                raise SaslFrameError("the Kerberos context could not seal a message")
            self._sock.sendall(struct.pack(">I", len(wrapped.message)) + wrapped.message)

    def recv(self, size: int) -> bytes:
        if not self._buffer:
            self._read_frame()
        out = bytes(self._buffer[:size])
        del self._buffer[:size]
        return out

    def _read_frame(self) -> None:
        head = self._exactly(4)
        if not head:
            return  # the peer closed: ldap3 sees an empty read, as from a plain socket
        if len(head) < 4:
            raise SaslFrameError("the connection ended inside a security-layer frame's length")
        length = struct.unpack(">I", head)[0]
        if length == 0 or length > _MAX_FRAME:
            raise SaslFrameError(f"a security-layer frame of {length} bytes")
        token = self._exactly(length)
        if len(token) < length:
            raise SaslFrameError("the connection ended inside a security-layer frame")
        try:
            plain = self._ctx.unwrap(token)
        except Exception as exc:  # gssapi raises its GSSError tree for a bad signature or seal
            raise SaslFrameError(f"cannot unwrap a security-layer frame: {exc}") from exc
        if self._encrypt and not plain.encrypted:
            raise SaslFrameError("the DC sent an unsealed message on a sealed connection")
        self._buffer += plain.message

    def _exactly(self, size: int) -> bytes:
        parts: list[bytes] = []
        got = 0
        while got < size:
            chunk = self._sock.recv(size - got)
            if not chunk:
                break
            parts.append(chunk)
            got += len(chunk)
        return b"".join(parts)

    def __getattr__(self, name: str) -> Any:  # settimeout, close, shutdown, fileno, getpeername, ...
        return getattr(self._sock, name)


def _channel_bindings(sock: Any) -> Any:
    from ldap3.protocol.sasl.kerberos import get_channel_bindings

    return get_channel_bindings(sock) if isinstance(sock, socket.socket) and hasattr(sock, "getpeercert") else None


def gssapi_bind(conn: Any, controls: Any) -> Any:
    """RFC 4752 over ``conn`` (an open ldap3 connection whose sasl_credentials are (host, None, creds)):
    returns the last bind result, as ldap3's own sasl_gssapi does."""
    import gssapi
    from gssapi.raw.misc import GSSError

    host, _, creds = conn.sasl_credentials
    tls = conn.server.ssl or conn.tls_started
    name = gssapi.Name(f"ldap@{host}", gssapi.NameType.hostbased_service)
    flag = gssapi.RequirementFlag
    flags = int(flag.mutual_authentication | flag.integrity | flag.out_of_sequence_detection)
    if not tls:
        flags |= int(flag.confidentiality)
    ctx = gssapi.SecurityContext(name=name, mech=gssapi.MechType.kerberos, creds=creds, usage="initiate",
                                 flags=flags, channel_bindings=_channel_bindings(conn.socket) if tls else None)
    in_token: bytes | None = None
    try:
        while True:
            out_token = ctx.step(in_token)
            result = send_sasl_negotiation(conn, controls, out_token or b"")
            if result["result"] not in (0, 14):  # 14: saslBindInProgress
                return result
            in_token = result["saslCreds"]
            if ctx.complete:
                break
        offer = ctx.unwrap(in_token).message
        if len(offer) != 4:
            raise LDAPCommunicationError("the DC's security-layer offer is not 4 bytes")
        layers, peer_max = offer[0], int.from_bytes(offer[1:4], "big")
        if tls:
            choice = NO_LAYER if layers & NO_LAYER else INTEGRITY
        elif layers & CONFIDENTIALITY:
            choice = CONFIDENTIALITY
        else:
            raise LDAPCommunicationError("the DC offers no confidentiality layer over plain LDAP: use ldaps://")
        size = 0 if choice == NO_LAYER else _OUR_MAX
        reply = ctx.wrap(bytes([choice]) + size.to_bytes(3, "big"), False).message
        result = send_sasl_negotiation(conn, controls, reply)
    except (GSSError, LDAPCommunicationError):
        abort_sasl_negotiation(conn, controls)
        raise
    if result["result"] == 0 and choice != NO_LAYER:
        conn.socket = SealedSocket(conn.socket, ctx, encrypt=choice == CONFIDENTIALITY, peer_max=peer_max)
    return result


class SealedConnection(ldap3.Connection):  # type: ignore[misc]  # ldap3 ships no types
    """ldap3's Connection, binding GSSAPI with ``gssapi_bind``."""

    def do_sasl_bind(self, controls: Any) -> Any:
        if self.sasl_mechanism != ldap3.KERBEROS:
            return super().do_sasl_bind(controls)
        self.last_error = None
        with self.connection_lock:
            if getattr(self, "sasl_in_progress", False):
                return None
            self.sasl_in_progress = True  # as ldap3's own do_sasl_bind: its sender checks it
            try:
                return gssapi_bind(self, controls)
            finally:
                self.sasl_in_progress = False
