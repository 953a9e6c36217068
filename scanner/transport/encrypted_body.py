"""Opening a WinRM ``multipart/encrypted`` reply body from a peer that may be hostile.

The framing, as Windows and pypsrp write it, one pair of parts per sealed message::

    --Encrypted Boundary\\r\\n
    \\tContent-Type: application/HTTP-SPNEGO-session-encrypted\\r\\n
    \\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=<plaintext length>\\r\\n
    --Encrypted Boundary\\r\\n
    \\tContent-Type: application/octet-stream\\r\\n
    <int32 LE signature length><signature><sealed data>--Encrypted Boundary--\\r\\n

pypsrp's own reader (``WinRMEncryption.unwrap_message``) lets a malformed body out as IndexError,
ValueError or struct.error, a negative signature length through, and a signature that does not
verify as pyspnego's SpnegoError, which reads as an authentication failure. Here each of those is a
``MalformedReply`` with the reason: the host sent a broken reply. Exchange's listeners put a space
between ``--`` and the boundary; that is accepted, as pypsrp does.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable

from spnego.exceptions import SpnegoError

from scanner.transport.http_reply import MalformedReply

_BOUNDARY = re.compile(r'boundary=(?:"([^"\r\n]{1,70})"|([^\s";]{1,70}))', re.I)
_LENGTH = re.compile(rb"Length=([0-9]{1,10})(?:\r\n|;|$)")
_OCTET = b"\tContent-Type: application/octet-stream\r\n"
_MAX_PARTS = 64  # pairs; a WinRM reply is one sealed message (CredSSP, not carried here, splits in 16 KiB)

# (signature, sealed data) -> plaintext; pyspnego's context.unwrap_winrm
Unseal = Callable[[bytes, bytes], bytes]


def boundary_of(content_type: str) -> str:
    match = _BOUNDARY.search(content_type)
    if match is None:
        raise MalformedReply("an encrypted reply without a valid MIME boundary")
    return match.group(1) or match.group(2)


def open_encrypted(body: bytes, content_type: str, unseal: Unseal) -> bytes:
    """The plaintext of an encrypted reply, or MalformedReply with the reason."""
    boundary = re.escape(boundary_of(content_type).encode("latin-1"))
    body = re.sub(rb"--[ \t]*" + boundary + rb"--\r\n\Z", b"", body, count=1)
    delimiter = re.compile(rb"--[ \t]*" + boundary + rb"\r\n")
    parts = delimiter.split(body, maxsplit=2 * _MAX_PARTS + 1)
    if parts[0]:
        raise MalformedReply("an encrypted reply that does not start with its MIME boundary")
    parts = parts[1:]
    if not parts or len(parts) % 2:
        raise MalformedReply(f"an encrypted reply with {len(parts)} MIME part(s), not pairs of header and data")
    if len(parts) > 2 * _MAX_PARTS:
        raise MalformedReply(f"an encrypted reply with more than {_MAX_PARTS} sealed messages")
    out: list[bytes] = []
    for i in range(0, len(parts), 2):
        out.append(_one(parts[i], parts[i + 1], unseal))
    return b"".join(out)


def _one(head: bytes, data: bytes, unseal: Unseal) -> bytes:
    match = _LENGTH.search(head)
    if match is None:
        raise MalformedReply("an encrypted part without its OriginalContent length")
    expected = int(match.group(1))
    if data.startswith(_OCTET):
        data = data[len(_OCTET):]
    if len(data) < 4:
        raise MalformedReply(f"an encrypted part of {len(data)} bytes, too short for its signature length")
    (sig_len,) = struct.unpack("<I", data[:4])
    if sig_len > len(data) - 4:
        raise MalformedReply(f"an encrypted part whose signature length ({sig_len:,}) is past its end "
                             f"({len(data) - 4:,} bytes)")
    try:
        plain = unseal(data[4:4 + sig_len], data[4 + sig_len:])
    except SpnegoError as exc:
        reason = " ".join(str(exc).split())[:120]
        raise MalformedReply(f"an encrypted part that does not verify or decrypt ({reason})") from None
    if len(plain) != expected:
        raise MalformedReply(f"an encrypted part of {len(plain):,} bytes where its header says {expected:,}")
    return plain
