"""WinRM message encryption over HTTP: the ``multipart/encrypted`` framing around a sealed SOAP body.

Each part is a header section naming the protocol and the plaintext length, then an
``application/octet-stream`` section holding ``<int32 LE signature length><signature><sealed data>``.
The sealing itself is the authenticated SPNEGO/NTLM context's ``wrap_winrm``/``unwrap_winrm``.
"""

from __future__ import annotations

import re
import struct
from typing import Protocol

PROTOCOL = "application/HTTP-SPNEGO-session-encrypted"
BOUNDARY = b"--Encrypted Boundary"
# boundary last: pypsrp reads it with a greedy regular expression
CONTENT_TYPE = f'multipart/encrypted;protocol="{PROTOCOL}";boundary="Encrypted Boundary"'

_PART_SPLIT = re.compile(rb"--Encrypted Boundary(?:--)?\r\n")
_LENGTH = re.compile(rb"Length=(\d+)")
_OCTET_HEADER = b"\tContent-Type: application/octet-stream\r\n"


class EncryptionError(Exception):
    """A multipart/encrypted body that cannot be opened (bad framing, bad signature)."""


class _Wrapped(Protocol):
    header: bytes
    data: bytes
    padding_length: int


class SealingContext(Protocol):
    def wrap_winrm(self, data: bytes) -> _Wrapped: ...

    def unwrap_winrm(self, header: bytes, data: bytes) -> bytes: ...


def is_encrypted(content_type: str) -> bool:
    return content_type.lower().startswith("multipart/encrypted")


def unwrap(ctx: SealingContext, body: bytes) -> bytes:
    parts = [p for p in _PART_SPLIT.split(body) if p]
    if not parts or len(parts) % 2:
        raise EncryptionError("multipart/encrypted body without header and data parts")
    out = bytearray()
    for i in range(0, len(parts), 2):
        head, data = parts[i], parts[i + 1]
        m = _LENGTH.search(head)
        if m is None:
            raise EncryptionError("encrypted part without OriginalContent length")
        if data.startswith(_OCTET_HEADER):
            data = data[len(_OCTET_HEADER) :]
        if len(data) < 4:
            raise EncryptionError("encrypted part too short")
        sig_len = struct.unpack("<i", data[:4])[0]
        try:
            plain = ctx.unwrap_winrm(data[4 : 4 + sig_len], data[4 + sig_len :])
        except Exception as exc:  # pyspnego raises its own tree; for us any failure is a bad message
            raise EncryptionError(f"cannot unseal message: {exc}") from exc
        if len(plain) != int(m.group(1)):
            raise EncryptionError("unsealed length differs from OriginalContent length")
        out += plain
    return bytes(out)


def wrap(ctx: SealingContext, plain: bytes) -> bytes:
    res = ctx.wrap_winrm(plain)
    return b"".join(
        (
            BOUNDARY,
            b"\r\n\tContent-Type: ",
            PROTOCOL.encode(),
            b"\r\n\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=",
            str(len(plain) + res.padding_length).encode(),
            b"\r\n",
            BOUNDARY,
            b"\r\n",
            _OCTET_HEADER,
            struct.pack("<i", len(res.header)),
            res.header,
            res.data,
            BOUNDARY,
            b"--\r\n",
        )
    )
