"""A hostile or broken WinRM peer, against our HTTP layer over loopback: every malformed reply ends as
a remote fault with a one-line reason, and no framing lets a reply past its size cap."""

from __future__ import annotations

import hashlib
import socket
import struct
import tracemalloc

import pytest
from pypsrp.encryption import WinRMEncryption
from scripted_server import Script, Serve, read_request, replying
from spnego.exceptions import BadMICError

from scanner.errors import RemoteFault
from scanner.model.outcome import OutcomeKind
from scanner.transport import http
from scanner.transport.failures import classify, outcome_kind
from scanner.transport.sockets import SocketWatch

MiB = 1024 * 1024
OK = b"HTTP/1.1 200 OK\r\n"
CHUNKED = OK + b"Transfer-Encoding: chunked\r\n\r\n"


def _flooding(head: bytes, size: int) -> Script:
    """``head``, then ``size`` bytes in 64 KiB writes, or until the client goes."""
    def script(conn: socket.socket) -> None:
        if read_request(conn) is None:
            return
        conn.sendall(head)
        piece = b"A" * 65536
        left = size
        while left > 0:
            conn.sendall(piece[:left])
            left -= len(piece)
    return script


def _post(addr: tuple[str, int], **kwargs: int) -> http.Reply:
    conn = http.HttpConnection(addr[0], addr[1], tls=None, connect_timeout=5, watch=SocketWatch(), **kwargs)
    try:
        return conn.post("/wsman", [], b"", 10)
    finally:
        conn.close()


def _remote_fault(exc: BaseException) -> str:
    """The outcome's reason: the failure must be one of the HTTP layer's, mapped to a remote fault."""
    assert isinstance(exc, http.HttpFailure), f"{type(exc).__name__}: {exc}"
    err = classify(exc, "run")
    assert isinstance(err, RemoteFault) and outcome_kind(err) is OutcomeKind.REMOTE_FAULT
    reason = str(err)
    assert "\n" not in reason and len(reason) < 300
    return reason


# --- item 1: a negative or malformed chunk size; the body cap holds whatever the framing -------------

def test_a_minus_one_chunk_size_is_refused_before_reading_the_flood_behind_it(
        scripted: Serve) -> None:
    # int(b"-1", 16) is -1 and read(-1) reads to the end of the connection: 64 MiB here, 9 GB in the
    # field. The size line alone is refused; the client holds no more than a few buffers.
    addr = scripted(_flooding(CHUNKED + b"-1\r\n", 64 * MiB))
    tracemalloc.start()
    try:
        with pytest.raises(Exception) as info:  # noqa: PT011 - which one is what _remote_fault checks
            _post(addr)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "chunk size" in _remote_fault(info.value)
    assert peak < 2 * MiB, f"peak {peak:,} bytes"


@pytest.mark.parametrize("size_line", [
    b"-1", b"-0x7fffffff", b"-2", b"0x10", b"1_0", b"+5", b" 5", b"5 5", b"", b"g", b"\x00", b"5\r;x",
    b"12345678901234567",
])
def test_only_hex_digits_are_a_chunk_size(scripted: Serve, size_line: bytes) -> None:
    addr = scripted(replying(CHUNKED + size_line + b"\r\n" + b"x" * 64 + b"\r\n0\r\n\r\n"))
    with pytest.raises(Exception) as info:  # noqa: PT011
        _post(addr)
    reason = _remote_fault(info.value)
    assert "chunk size" in reason and "malformed" in reason


def test_a_chunk_extension_is_still_a_chunk_size(scripted: Serve) -> None:
    addr = scripted(replying(CHUNKED + b"5 ;name=value;x\r\nhello\r\n3;q=\"a b\"\r\n!!!\r\n0\r\n\r\n"))
    assert _post(addr).body == b"hello!!!"


@pytest.mark.parametrize(("framing", "said"), [
    (OK + b"Content-Length: 2097152\r\n\r\n", "Content-Length 2,097,152 bytes"),
    (CHUNKED + b"200000\r\n", "more than 2,097,152 bytes"),
    (CHUNKED + b"80000\r\n" + b"A" * 0x80000 + b"\r\n" + b"80000\r\n" + b"A" * 0x80000 + b"\r\n" + b"1\r\n",
     "more than 1,048,577 bytes"),
    (b"HTTP/1.0 200 OK\r\n\r\n", "more than 1 MiB"),
])
def test_the_body_cap_holds_whatever_the_framing(scripted: Serve, framing: bytes,
                                                 said: str) -> None:
    addr = scripted(_flooding(framing, 8 * MiB))
    tracemalloc.start()
    try:
        with pytest.raises(Exception) as info:  # noqa: PT011
            _post(addr, max_body=MiB)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    reason = _remote_fault(info.value)
    assert "too large" in reason and said in reason
    assert peak < 3 * MiB, f"peak {peak:,} bytes"


# --- item 8: malformed replies are remote faults with a one-line reason --------------------------------

MALFORMED = [
    # status line
    (b"HTTP/1.1 -5 OK\r\nContent-Length: 0\r\n\r\n", "bad HTTP status line"),
    (b"HTTP/1.1 2_00 OK\r\nContent-Length: 0\r\n\r\n", "bad HTTP status line"),
    (b"HTTP/1.1 99999 OK\r\nContent-Length: 0\r\n\r\n", "bad HTTP status line"),
    (b"HTTP/1.1 +200 OK\r\nContent-Length: 0\r\n\r\n", "bad HTTP status line"),
    (b"HTTP/1.1\r\n\r\n", "bad HTTP status line"),
    (b"HTTP/9.9 200 OK\r\nContent-Length: 0\r\n\r\n", "bad HTTP status line"),
    (b"HTTP/1.1 200 OK" + b"x" * 70_000 + b"\r\n\r\n", "status line is longer than 64 KiB"),
    (b"HTTP/1.1 100 Continue\r\n\r\n" * 2000, "interim (1xx) replies"),
    (b"HTTP/1.1 101 Switching Protocols\r\n\r\n", "switched protocols"),
    # header lines
    (OK + b"no colon here\r\n\r\n", "bad HTTP header line"),
    (OK + b"Content-Length : 3\r\n\r\nabc", "bad HTTP header line"),
    (OK + b"A\x00: b\r\nContent-Length: 0\r\n\r\n", "bad HTTP header line"),
    (OK + b"A: b\x00c\r\nContent-Length: 0\r\n\r\n", "bad HTTP header line"),
    (OK + b"A: b\rc\r\nContent-Length: 0\r\n\r\n", "bad HTTP header line"),
    (OK + b"A: b\r\n folded\r\nContent-Length: 0\r\n\r\n", "folded header line"),
    (OK + b"A: " + b"b" * 70_000 + b"\r\n\r\n", "longer than 64 KiB"),
    (OK + b"A: b\r\n" * 200 + b"\r\n", "more than 100 header lines"),
    (OK + (b"A: " + b"b" * 60_000 + b"\r\n") * 5 + b"\r\n", "larger than 256 KiB"),
    # Content-Length
    (OK + b"Content-Length: -1\r\n\r\n", "bad Content-Length"),
    (OK + b"Content-Length: abc\r\n\r\n", "bad Content-Length"),
    (OK + b"Content-Length: 1_0\r\n\r\n" + b"a" * 10, "bad Content-Length"),
    (OK + b"Content-Length: +3\r\n\r\nabc", "bad Content-Length"),
    (OK + b"Content-Length: 99999999999999999999999\r\n\r\n", "bad Content-Length"),
    (OK + b"Content-Length: 2\r\nContent-Length: 5\r\n\r\nabcde", "conflicting Content-Length"),
    (OK + b"Content-Length: 2, 5\r\n\r\nabcde", "conflicting Content-Length"),
    (OK + b"Content-Length: 64\r\n\r\nshort", "ended after 5 of 64 bytes"),
    # Transfer-Encoding
    (OK + b"Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
     "both Transfer-Encoding and Content-Length"),
    (OK + b"Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", "unsupported Transfer-Encoding"),
    (CHUNKED + b"3\r\nabcdef\r\n0\r\n\r\n", "chunk longer than its size line says"),
    (CHUNKED + b"10\r\nabc", "inside a chunk"),
    (CHUNKED + b"3\r\nabc\r\n0\r\n" + b"X-T: 1\r\n" * 200 + b"\r\n",
     "more than 100 header lines in the reply's trailers"),
    (CHUNKED + b"3\r\nabc\r\n0\r\n", "inside the reply's trailers"),
]


@pytest.mark.parametrize(("reply", "said"), MALFORMED)
def test_a_malformed_reply_is_a_remote_fault_with_its_reason(scripted: Serve,
                                                             reply: bytes, said: str) -> None:
    addr = scripted(replying(reply))
    with pytest.raises(Exception) as info:  # noqa: PT011
        _post(addr)
    reason = _remote_fault(info.value)
    assert said in reason


# --- the WinRM transport: its caps, and the encrypted multipart body -----------------------------------

class _Sealing:
    """A stand-in for pyspnego's context: the "signature" is the data's hash, the sealing the identity."""

    def wrap_winrm(self, data: bytes) -> tuple[bytes, bytes, int]:
        return hashlib.sha256(data).digest()[:16], data, 0

    def unwrap_winrm(self, header: bytes, data: bytes) -> bytes:
        if header != hashlib.sha256(data).digest()[:16]:
            raise BadMICError(context_msg="Invalid Message integrity Check (MIC) detected")
        return data


def _transport(addr: tuple[str, int], *, sealed: bool = False) -> http.WinRMHttpTransport:
    transport = http.WinRMHttpTransport(addr[0], addr[1], https=False, path="wsman", auth="basic",
                                        username="u", password="p", tls=None, connection_timeout=5,  # noqa: S106
                                        read_timeout=10, watch=SocketWatch())
    if sealed:
        transport.encryption = WinRMEncryption(_Sealing(), WinRMEncryption.SPNEGO)
    return transport


def _sealed_reply(body: bytes, content_type: bytes = b'multipart/encrypted;protocol="application/'
                  b'HTTP-SPNEGO-session-encrypted";boundary="Encrypted Boundary"') -> bytes:
    length = str(len(body)).encode()
    return OK + b"Content-Type: " + content_type + b"\r\nContent-Length: " + length + b"\r\n\r\n" + body


def _part(plain: bytes, *, length: bytes | None = None, sig_len: bytes | None = None,
          signature: bytes | None = None) -> bytes:
    sig = hashlib.sha256(plain).digest()[:16] if signature is None else signature
    return (b"--Encrypted Boundary\r\n\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n"
            b"\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length="
            + (str(len(plain)).encode() if length is None else length) + b"\r\n--Encrypted Boundary\r\n"
            b"\tContent-Type: application/octet-stream\r\n"
            + (struct.pack("<i", len(sig)) if sig_len is None else sig_len) + sig + plain)


END = b"--Encrypted Boundary--\r\n"


def test_a_well_formed_encrypted_reply_opens(scripted: Serve) -> None:
    addr = scripted(replying(_sealed_reply(_part(b"<s:Envelope/>") + END),
                           _sealed_reply(_part(b"<a/>") + _part(b"<b/>") + b"-- Encrypted Boundary--\r\n")))
    transport = _transport(addr, sealed=True)
    assert transport.send(b"<x/>") == b"<s:Envelope/>"
    assert transport.send(b"<y/>") == b"<a/><b/>"
    transport.close()


@pytest.mark.parametrize(("reply", "said"), [
    (_sealed_reply(_part(b"<a/>") + END, b"multipart/encrypted;protocol=x"), "valid MIME boundary"),
    (_sealed_reply(_part(b"<a/>") + END, b'multipart/encrypted;boundary=""'), "valid MIME boundary"),
    (_sealed_reply(b"junk" + _part(b"<a/>") + END), "does not start with its MIME boundary"),
    (_sealed_reply(END), "0 MIME part(s)"),
    (_sealed_reply(_part(b"<a/>").split(b"--Encrypted Boundary\r\n\tContent-Type: application/oc")[0] + END),
     "1 MIME part(s)"),
    (_sealed_reply(_part(b"<a/>", length=b"abc") + END), "without its OriginalContent length"),
    (_sealed_reply(_part(b"<a/>", length=b"") + END), "without its OriginalContent length"),
    (_sealed_reply(_part(b"<a/>", length=b"99") + END), "header says 99"),
    (_sealed_reply(_part(b"<a/>", length=b"-4") + END), "without its OriginalContent length"),
    (_sealed_reply(_part(b"<a/>", sig_len=struct.pack("<i", -1)) + END), "signature length"),
    (_sealed_reply(_part(b"<a/>", sig_len=struct.pack("<i", 1 << 30)) + END), "signature length"),
    (_sealed_reply(_part(b"", sig_len=b"\x01", signature=b"") + END), "too short"),
    (_sealed_reply(_part(b"<a/>", signature=b"\x00" * 16) + END), "does not verify"),
    (_sealed_reply(_part(b"<a/>")[:-2] + END), "does not verify"),
])
def test_a_malformed_encrypted_body_is_a_remote_fault(scripted: Serve,
                                                      reply: bytes, said: str) -> None:
    addr = scripted(replying(reply))
    transport = _transport(addr, sealed=True)
    with pytest.raises(Exception) as info:  # noqa: PT011
        transport.send(b"<x/>")
    transport.close()
    reason = _remote_fault(info.value)
    assert "malformed" in reason and said in reason


def test_an_encrypted_reply_on_a_clear_connection_is_a_remote_fault(
        scripted: Serve) -> None:
    addr = scripted(replying(_sealed_reply(_part(b"<a/>") + END)))
    transport = _transport(addr)
    with pytest.raises(Exception) as info:  # noqa: PT011
        transport.send(b"<x/>")
    transport.close()
    assert "without encryption" in _remote_fault(info.value)


# --- item 2: what one host may send ---------------------------------------------------------------------

def test_a_winrm_reply_is_capped_far_below_the_generic_cap(scripted: Serve) -> None:
    # pypsrp asks for envelopes of at most 500 KiB: a 2 MiB reply is no WS-Man envelope
    addr = scripted(_flooding(OK + b"Content-Length: 2097152\r\n\r\n", 2 * MiB))
    transport = _transport(addr)
    with pytest.raises(Exception) as info:  # noqa: PT011
        transport.send(b"<x/>")
    transport.close()
    reason = _remote_fault(info.value)
    assert "too large" in reason and "2,097,152 bytes, past the 1 MiB cap" in reason


def test_a_host_that_keeps_answering_is_capped_per_session(scripted: Serve) -> None:
    piece = b"<a/>" * (900 * 1024 // 4)  # each reply under the per-reply cap, together past the session's
    addr = scripted(replying(*[OK + b"Content-Length: " + str(len(piece)).encode() + b"\r\n\r\n" + piece] * 6))
    transport = _transport(addr)
    for _ in range(4):
        assert transport.send(b"<x/>") == piece
    with pytest.raises(Exception) as info:  # noqa: PT011
        transport.send(b"<x/>")
    transport.close()
    reason = _remote_fault(info.value)
    assert "4,608,000 bytes in one session, past the 4 MiB cap" in reason
