"""The HTTP layer under pypsrp's WSMan for Negotiate, NTLM, Kerberos and Basic: one keep-alive
connection per host, authenticated with pyspnego, sealed with pypsrp's own WinRM message encryption.

Why not requests: a WinRM session is nine POSTs on one connection to one host, and requests spent
more CPU on each of them (preparing the request, merging settings, cookie jars, hooks, urllib3's
pool, header parsing through the email package) than the rest of the session together. Here a
request is a handful of byte strings and a reply is a status line, a few headers and a body.

Protocol choices, each as a Windows WinRM listener expects them:

- Negotiate starts on the first request (as Windows' own client does), on an empty POST: NTLM and
  Kerberos are bound to the TCP connection by HTTP.sys, so the WS-Man messages that follow need no
  header and can be sealed. A listener that answers 401 without a token names the schemes it offers,
  and the exchange restarts with the one pypsrp would pick.
- On HTTPS the channel binding token is the hash of the server's certificate (RFC 5929), as pypsrp
  computes it; message encryption is then TLS's job.
- Basic (HTTPS only, enforced by the settings) sends its header on every request.

A read timeout ends the session: the read timeout is longer than the WS-Man operation timeout, so a
host that answers at all answers before it (pypsrp would resend a Receive up to five times). pypsrp's
own read timeout for a Receive (the operation timeout plus 2 s) is raised to the user's.

Every error leaves as a plain exception the seam in ``scanner.transport.failures`` maps: OSError and
ssl.SSLError from the socket, the ``HttpFailure`` family of ``scanner.transport.http_reply`` for a peer
that breaks HTTP or sends more than its caps allow, and
pypsrp's AuthenticationError / WinRMTransportError (the latter carries the body, from which WSMan
reads a WS-Man fault).
"""

from __future__ import annotations

import base64
import re
import socket
import ssl
import sys
from functools import lru_cache
from typing import Any

import spnego
import spnego.channel_bindings
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from pypsrp.encryption import WinRMEncryption
from pypsrp.exceptions import AuthenticationError, WinRMTransportError

from scanner import __version__
from scanner.transport.encrypted_body import open_encrypted
from scanner.transport.http_reply import MAX_BODY, Reply, mib, read_reply

# the failures, re-exported: callers name them http.X
from scanner.transport.http_reply import ConnectionClosed as ConnectionClosed
from scanner.transport.http_reply import HttpFailure as HttpFailure
from scanner.transport.http_reply import MalformedReply as MalformedReply
from scanner.transport.http_reply import NotHttp as NotHttp
from scanner.transport.http_reply import ReplyCutShort as ReplyCutShort
from scanner.transport.http_reply import ReplyTooLarge as ReplyTooLarge
from scanner.transport.sockets import SocketWatch
from scanner.transport.tls import explain_name_mismatch

_USER_AGENT = f"exready/{__version__}"
_SOAP = "application/soap+xml;charset=UTF-8"
_TOKEN = re.compile(r"(Kerberos|Negotiate|NTLM)\s*([^,]*),?", re.I)

# What one WinRM host may send. pypsrp asks for envelopes of at most 500 KiB (MaxEnvelopeSize, 150 KiB
# on WinRM 2.0), so a reply past 1 MiB is not a WS-Man envelope; a whole session (handshake, long-poll
# faults and the collector's answer of a few KB: about 16 KB in the simulator) stays far below 4 MiB.
# ElementTree holds 20-30 bytes per byte of small XML elements: a 28 MB reply of them took 765 MB,
# a 1 MiB one takes 22 MiB.
MAX_REPLY = 1024 * 1024
MAX_SESSION = 4 * 1024 * 1024


def request_head(path: str, host_header: str, headers: list[tuple[str, str]], length: int) -> bytes:
    """The head of one WinRM POST, as both channels (this blocking one and the asyncio one) send it."""
    lines = [f"POST {path} HTTP/1.1", f"Host: {host_header}", f"User-Agent: {_USER_AGENT}",
             "Accept-Encoding: identity", "Connection: Keep-Alive", f"Content-Length: {length}"]
    lines.extend(f"{k}: {v}" for k, v in headers)
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def reply_content(reply: Reply, encryption: WinRMEncryption | None) -> bytes:
    """A reply's body, unsealed when the host sealed it (WinRM message encryption)."""
    content_type = reply.headers.get("content-type", "")
    if content_type.lower().startswith(("multipart/encrypted", "multipart/x-multi-encrypted")):
        if encryption is None:
            raise MalformedReply("the host sent an encrypted reply on a connection without encryption")
        return open_encrypted(reply.body, content_type, encryption.context.unwrap_winrm)
    return reply.body


class ConnectTimedOut(TimeoutError):
    """No TCP connection (or TLS handshake) within the connection timeout."""


class HttpConnection:
    """One persistent HTTP/1.1 connection. Sockets it opens are reported to ``watch`` first, so a
    deadline can shut them from another thread whatever this one is blocked in."""

    def __init__(self, host: str, port: int, *, tls: ssl.SSLContext | None, connect_timeout: float,
                 watch: SocketWatch, server_hostname: str | None = None, max_body: int = MAX_BODY) -> None:
        self.host = host
        self.max_body = max_body
        self.port = port
        self._tls = tls
        self._server_hostname = server_hostname or host
        self._connect_timeout = connect_timeout
        self._watch = watch
        self._sock: socket.socket | None = None
        self._reader: Any = None
        self._host_header = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

    @property
    def connected(self) -> bool:
        return self._sock is not None

    def connect(self) -> None:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self._connect_timeout)
        except TimeoutError as exc:
            raise ConnectTimedOut(f"no connection to {self.host}:{self.port} within "
                                  f"{self._connect_timeout:g} s") from exc
        self._watch.add(sock)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self._tls is not None:
                # Wrapping detaches the plain socket: watch the TLS one before the handshake blocks.
                sock = self._tls.wrap_socket(sock, server_hostname=self._server_hostname,
                                             do_handshake_on_connect=False)
                self._watch.add(sock)
                try:
                    sock.do_handshake()
                except TimeoutError as exc:
                    raise ConnectTimedOut(f"no TLS handshake with {self.host}:{self.port} within "
                                          f"{self._connect_timeout:g} s") from exc
                except ssl.SSLCertVerificationError as exc:
                    explained = explain_name_mismatch(exc, expected=self._server_hostname, host=self.host,
                                                      port=self.port, timeout=self._connect_timeout,
                                                      watch=self._watch)
                    if explained is exc:
                        raise
                    raise explained from exc
        except BaseException:
            sock.close()
            raise
        self._sock = sock
        self._reader = sock.makefile("rb", buffering=65_536)

    def peer_certificate(self) -> bytes | None:
        sock = self._sock
        if isinstance(sock, ssl.SSLSocket):
            return sock.getpeercert(binary_form=True)
        return None

    def post(self, path: str, headers: list[tuple[str, str]], body: bytes, timeout: float) -> Reply:
        if self._sock is None:
            self.connect()
        sock = self._sock
        assert sock is not None  # noqa: S101 - connect() set it or raised
        head = request_head(path, self._host_header, headers, len(body))
        sock.settimeout(timeout)
        try:
            sock.sendall(head + body if len(body) < 16_384 else head)
            if len(body) >= 16_384:
                sock.sendall(body)
            reply = read_reply(self._reader, self.max_body)
        except BaseException:
            self.close()
            raise
        if reply.last or reply.headers.get("connection", "").lower() == "close":
            self.close()
        return reply

    def close(self) -> None:
        sock, self._sock = self._sock, None
        reader, self._reader = self._reader, None
        if reader is not None:
            try:
                reader.close()
            except OSError:
                pass
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass


@lru_cache(maxsize=8)
def _ntlm_hashes(password: str) -> tuple[str, str]:
    # pyspnego derives the LM and NT hashes of a password for every new NTLM context, the LM one with a
    # pure-Python DES (about 2 ms); a sweep authenticates thousands of times with one password.
    from spnego._ntlm_raw.crypto import lmowfv1, ntowfv1  # pinned pyspnego; no public spelling

    return lmowfv1(password).hex(), ntowfv1(password).hex()


def spnego_credentials(username: str | None, password: str | None) -> tuple[Any, str | None]:
    """The (username, password) arguments of ``spnego.client`` for NTLM: hashes derived once per
    password. Unchanged on Windows, where SSPI takes no hashes, and without a password. Kerberos
    credentials are ``scanner.transport.kerberos``'s: a password here is never sent to a KDC, so that
    Negotiate with a password costs no ticket request per host."""
    if username is None or password is None or sys.platform == "win32":
        return username, password
    lm, nt = _ntlm_hashes(password)
    return [spnego.NTLMHash(username=username, lm_hash=lm, nt_hash=nt)], None


class KerberosRefused(AuthenticationError):
    """The host answered our Kerberos ticket with 401 and no token: it could not decrypt the ticket with
    its own key (a keytab or machine password out of step with the KDC, or another machine at this
    address)."""


class NtlmRefused(AuthenticationError):
    """The host answered our first NTLM token with 401 and no challenge, while still offering
    Negotiate: it takes no NTLM (a domain that restricts it), and we had no Kerberos credential."""


class WinRMHttpTransport:
    """What pypsrp's WSMan calls as ``wsman.transport``: ``send(message) -> reply bytes``, ``close()``,
    ``endpoint``. ``auth`` is one of basic, negotiate, ntlm, kerberos."""

    def __init__(self, server: str, port: int, *, https: bool, path: str, auth: str, username: str | None,
                 password: str | None, tls: ssl.SSLContext | None, connection_timeout: float,
                 read_timeout: float, watch: SocketWatch, hostname_override: str | None = None,
                 encrypt: bool = True, tls_name: str | None = None, service: str = "HTTP",
                 kerberos: list[Any] | None = None) -> None:
        if auth not in ("basic", "negotiate", "ntlm", "kerberos"):
            raise ValueError(f"the HTTP transport does not do {auth!r} authentication")
        self.server = server
        self.port = port
        self.auth = auth
        self.username = username
        self._password = password
        self._path = "/" + path.lstrip("/")
        scheme = "https" if https else "http"
        host = f"[{server}]" if ":" in server else server
        self.endpoint = f"{scheme}://{host}:{port}{self._path}"
        self.connection_timeout = connection_timeout
        self.read_timeout = read_timeout
        self._hostname_override = hostname_override
        self._service = service
        # pyspnego credentials for Kerberos (scanner.transport.kerberos); None: no Kerberos credential
        self._kerberos = kerberos
        # tls_name: the name the certificate is checked against and SNI asks for (default: ``server``)
        self._watch = watch
        self._conn = HttpConnection(server, port, tls=tls if https else None, watch=watch,
                                    connect_timeout=connection_timeout, server_hostname=tls_name,
                                    max_body=MAX_REPLY)
        self.received = 0  # bytes of reply bodies in this session, against MAX_SESSION
        self.wrap_required = encrypt and not https and auth != "basic"
        self.encryption: WinRMEncryption | None = None
        self._context: Any = None
        self._authenticated = False
        self._basic: str | None = None
        if auth == "basic":
            raw = f"{username or ''}:{password or ''}".encode()
            self._basic = "Basic " + base64.b64encode(raw).decode("ascii")

    @property
    def negotiated_protocol(self) -> str | None:
        """The mechanism the host accepted: ntlm, kerberos, basic; None before authentication."""
        if self._basic is not None:
            return "basic" if self._authenticated else None
        protocol = getattr(self._context, "negotiated_protocol", None)
        return protocol.lower() if isinstance(protocol, str) else None

    def send(self, message: bytes, *, retries_on_read_timeout: int = 0,
             timeout: float | tuple[float, float] | None = None) -> bytes:
        # pypsrp asks for OperationTimeout + 2 s on a long-poll Receive: a loaded server that sends its
        # w:TimedOut a little late would end the session. The user's read timeout (longer than the
        # operation timeout, checked in the settings) is the floor.
        read_timeout = self.read_timeout if timeout is None else max(self.read_timeout, (
            timeout[1] if isinstance(timeout, tuple) else float(timeout)))
        if self._basic is None and not self._authenticated:
            self._authenticate()
        headers: list[tuple[str, str]] = []
        if self._basic is not None:
            headers.append(("Authorization", self._basic))
        if self.encryption is not None:
            content_type, payload = self.encryption.wrap_message(message)
            headers.append(("Content-Type",
                            f'{content_type};protocol="{self.encryption.protocol}";boundary="Encrypted Boundary"'))
        else:
            payload = message
            headers.append(("Content-Type", _SOAP))
        if not self._conn.connected and self._authenticated and self._basic is None:
            # NTLM and Kerberos live on the connection that authenticated; a new one would need a new
            # context, and the messages sealed so far would not follow it.
            raise ConnectionClosed("the host closed the authenticated connection")
        reply = self._post(headers, payload, read_timeout)
        content = self._content(reply)
        if reply.status == 401:
            raise AuthenticationError(f"Failed to authenticate the user {self.username} with {self.auth}")
        if self._basic is not None:
            self._watch.accepted()  # any answer but 401 means the host took the credential
        if reply.status >= 300:
            raise WinRMTransportError("http", reply.status, content.decode("utf-8", "replace"))
        if self._basic is not None:
            self._authenticated = True
        return content

    def _post(self, headers: list[tuple[str, str]], payload: bytes, timeout: float) -> Reply:
        reply = self._conn.post(self._path, headers, payload, timeout)
        self.received += len(reply.body)
        if self.received > MAX_SESSION:
            self._conn.close()
            raise ReplyTooLarge(f"the host sent {self.received:,} bytes in one session, past the "
                                f"{mib(MAX_SESSION)} cap on a host's answer")
        return reply

    def _content(self, reply: Reply) -> bytes:
        return reply_content(reply, self.encryption)

    def _authenticate(self) -> None:
        """The Negotiate exchange on empty POSTs; afterwards the connection is authenticated."""
        header = "Negotiate"
        provider = self.auth
        for _ in range(2):  # a second round only when the host names another scheme
            reply, header, provider, retry = self._exchange(header, provider)
            if not retry:
                break
        if reply.status == 401:
            raise AuthenticationError(f"Failed to authenticate the user {self.username} with {self.auth}")
        if reply.status >= 300:
            raise WinRMTransportError("http", reply.status, reply.body.decode("utf-8", "replace"))
        self._authenticated = True
        self._watch.accepted()
        if self.wrap_required:
            protocol = WinRMEncryption.KERBEROS if header.lower() == "kerberos" else WinRMEncryption.SPNEGO
            self.encryption = WinRMEncryption(self._context, protocol)

    def _exchange(self, header: str, provider: str) -> tuple[Reply, str, str, bool]:
        if provider == "kerberos":
            user: Any = self._kerberos if self._kerberos is not None else None
            password = None
        else:
            user, password = spnego_credentials(self.username, self._password)
            if self._kerberos and provider == "negotiate":
                # both mechanisms offered: Kerberos first, NTLM if the host or the KDC will not
                user = [*(user if isinstance(user, list) else []), *self._kerberos]
                password = None
        self._context = context = spnego.client(
            user,
            password,
            hostname=self._hostname_override or self.server,
            service=self._service,
            channel_bindings=self._channel_bindings(),
            context_req=spnego.ContextReq.default,
            protocol=provider if provider in ("ntlm", "kerberos") else "negotiate",
            options=spnego.NegotiateOptions.wrapping_winrm if self.wrap_required else spnego.NegotiateOptions.none,
        )
        first = True
        out_token = context.step()
        while True:
            auth = f"{header} {base64.b64encode(out_token or b'').decode('ascii')}"
            reply = self._post([("Authorization", auth)], b"", self.read_timeout)
            in_token, end = read_leg(reply, context, first=first, header=header, provider=provider, asked=self.auth,
                                     username=self.username, kerberos_sent=provider == "kerberos",
                                     has_kerberos=bool(self._kerberos))
            if end is not None:
                return (reply, *end)
            first = False
            out_token = context.step(in_token)
            if out_token is None or (context.complete and not out_token):
                return reply, header, provider, False

    def _channel_bindings(self) -> spnego.channel_bindings.GssChannelBindings | None:
        if not self._conn.connected:
            self._conn.connect()
        cert = self._conn.peer_certificate()
        if cert is None:
            return None
        return spnego.channel_bindings.GssChannelBindings(
            application_data=b"tls-server-end-point:" + certificate_hash(cert))

    def close(self) -> None:
        self._conn.close()


def certificate_hash(der: bytes) -> bytes:
    """RFC 5929 tls-server-end-point: the certificate hashed with its signature's hash algorithm,
    SHA-256 when that is MD5, SHA-1 or unknown (what Windows and pypsrp compute)."""
    cert = x509.load_der_x509_certificate(der)
    try:
        algorithm = cert.signature_hash_algorithm
    except UnsupportedAlgorithm:
        algorithm = None
    if algorithm is None or algorithm.name in ("md5", "sha1"):
        algorithm = hashes.SHA256()
    digest = hashes.Hash(algorithm)
    digest.update(der)
    return digest.finalize()


def read_leg(reply: Reply, context: Any, *, first: bool, header: str, provider: str, asked: str,
             username: str | None, kerberos_sent: bool,
             has_kerberos: bool) -> tuple[bytes | None, tuple[str, str, bool] | None]:
    """What the reply to one leg of a Negotiate exchange calls for, on either channel: the host's token
    to step the context with (and None), or (None and) the end of the exchange as (scheme, provider,
    restart): restart with the other scheme the host names. A host that speaks Negotiate yet refuses
    our first token outright raises KerberosRefused when that token was a Kerberos ticket
    (``kerberos_sent``), else NtlmRefused when there was no Kerberos credential to fall back from."""
    offered = reply.headers.get("www-authenticate", "")
    in_token = token_of(reply)
    if reply.status == 401 and in_token is None and not context.complete:
        # no token back: the host refused this scheme or these credentials outright
        if first and "negotiate" in offered.lower():  # it speaks Negotiate, yet refused this token
            if kerberos_sent:
                raise KerberosRefused("the host refused the Kerberos ticket")
            if not has_kerberos:
                raise NtlmRefused(f"the host refused NTLM for {username}")
        other = _offered_scheme(offered)
        if other is not None and other.lower() != header.lower():
            return None, (other, _provider_for(asked, other), True)
        return None, (header, provider, False)
    if in_token is None:
        return None, (header, provider, False)
    return in_token, None


def token_of(reply: Reply) -> bytes | None:
    """The authentication token of a reply's WWW-Authenticate header, None when it has none. A token that
    is not base64 is the host's broken reply (binascii.Error would read as a probe's own failure)."""
    match = _TOKEN.search(reply.headers.get("www-authenticate", ""))
    if match is None or not match.group(2).strip():
        return None
    try:
        return base64.b64decode(match.group(2))
    except ValueError:
        raise MalformedReply("an authentication token that is not base64") from None


def _offered_scheme(www_authenticate: str) -> str | None:
    for scheme in ("Negotiate", "Kerberos", "NTLM"):
        if scheme.lower() in www_authenticate.lower():
            return scheme
    return None


def _provider_for(asked: str, header: str) -> str:
    """pypsrp's rule: Negotiate follows the scheme the host offers; NTLM and Kerberos stay themselves."""
    return header.lower() if asked == "negotiate" else asked
