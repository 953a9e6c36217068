"""Property-based fuzzing of what a peer sends us: the HTTP reply parser (status line, headers, interim
replies, Content-Length / chunked / read-to-close framing, trailers) and the WinRM encrypted multipart
body. A few thousand generated and mutated replies per run, a few seconds in CI; the number run is
printed in the terminal summary.

For every case: the parser returns a reply within its body cap, or raises one of the HTTP layer's
failures, which the seam maps to a remote fault with a one-line reason; never another exception. Memory
(tracemalloc's peak) and the bytes pulled from the peer are bounded whatever follows the reply: each
reply is followed by an endless stream, so a read that does not stop at its cap would show.
"""

from __future__ import annotations

import hashlib
import io
import struct
import tracemalloc
from collections.abc import Iterator

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spnego.exceptions import BadMICError

from scanner.errors import RemoteFault
from scanner.transport.encrypted_body import open_encrypted
from scanner.transport.failures import classify
from scanner.transport.http_reply import MAX_HEAD, MAX_LINE, HttpFailure, read_reply

MAX_BODY = 64 * 1024  # small, so the cap is often in reach
TAIL = 16 * 1024 * 1024  # the endless stream after each reply (never pulled whole)
# status line + header section + one over-long line, per reply (1 + 8 interim), and the body cap
PULL_BOUND = 9 * (MAX_HEAD + 3 * MAX_LINE) + MAX_BODY + 2 * 65_536
MEMORY_BOUND = 4 * 1024 * 1024
FUZZ = settings(max_examples=800, deadline=None, database=None, suppress_health_check=list(HealthCheck))


class _Peer(io.RawIOBase):
    """``data``, then up to TAIL bytes of 'A' (or nothing: a peer that closes); counts what was pulled."""

    def __init__(self, data: bytes, endless: bool) -> None:
        self._data = data
        self._left = TAIL if endless else 0
        self.pulled = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        n = len(buffer)
        if self.pulled < len(self._data):
            piece = self._data[self.pulled:self.pulled + n]
        else:
            piece = b"A" * min(n, self._left)
            self._left -= len(piece)
        buffer[:len(piece)] = piece
        self.pulled += len(piece)
        return len(piece)


# --- what a peer may send ---------------------------------------------------------------------------

_GOOD_STATUS = [b"HTTP/1.1 200 OK\r\n", b"HTTP/1.1 401 Unauthorized\r\n", b"HTTP/1.1 500 Internal Server Error\r\n",
                b"HTTP/1.0 200 OK\r\n", b"HTTP/1.1 204 No Content\r\n", b"HTTP/1.1 200\n"]
_BAD_STATUS = st.one_of(
    st.builds(lambda v, c, r, e: v + b" " + c + r + e,
              st.sampled_from([b"HTTP/1.1", b"HTTP/2", b"HTTP/1.1x", b"HTTP", b"http/1.1"]),
              st.one_of(st.sampled_from([b"101", b"-1", b"2_00", b"+200", b"99999", b"", b"abc", b"600"]),
                        st.integers(-999, 9999).map(lambda n: str(n).encode())),
              st.sampled_from([b" OK", b"", b" \x00\xff", b" a\rb", b" " + b"r" * 70_000]),
              st.sampled_from([b"\r\n", b"\n", b"", b"\r"])),
    st.binary(max_size=60),
)
_STATUS = st.one_of(st.sampled_from(_GOOD_STATUS), st.sampled_from(_GOOD_STATUS), st.sampled_from(_GOOD_STATUS),
                    _BAD_STATUS)
_INTERIM = st.sampled_from([b""] * 6 + [b"HTTP/1.1 100 Continue\r\n\r\n", b"HTTP/1.1 100 Continue\r\n\r\n" * 12,
                                        b"HTTP/1.1 101 Switching Protocols\r\n\r\n"])
_LENGTHS = st.one_of(st.sampled_from([b"0", b"5", b"-1", b"1_0", b"+3", b"2, 5", b"3, 3", b"99999999999999999999",
                                      b"65536", b"65537", b"", b" 7 ", b"0x10", b"abc"]),
                     st.integers(0, 200_000).map(lambda n: str(n).encode()))
_ENCODINGS = st.sampled_from([b"chunked", b"chunked", b"chunked", b"Chunked", b"gzip, chunked", b"identity", b""])
_EXTRA = st.one_of(
    st.sampled_from([b"Content-Type: application/soap+xml;charset=UTF-8\r\n", b"Connection: close\r\n",
                     b"WWW-Authenticate: Negotiate TlRMTVNTUAACAAAA\r\n", b"Server: Microsoft-HTTPAPI/2.0\r\n",
                     b"X-A: b\r\n folded\r\n", b"Bad Name: x\r\n", b"A\x00: b\r\n", b"A: b\x00c\r\n", b"A: b\rc\r\n",
                     b"no colon\r\n", b"X: " + b"v" * 70_000 + b"\r\n", b"X: y\r\n" * 120,
                     (b"X: " + b"v" * 60_000 + b"\r\n") * 5, b"Content-Length : 3\r\n", b"X: y\n"]),
    st.builds(lambda n, v: n + b": " + v + b"\r\n", st.binary(min_size=1, max_size=12), st.binary(max_size=20)),
)
_HOSTILE_SIZES = [b"-1", b"-0x7fffffff", b"-2", b"0x10", b"1_0", b"+5", b" 5", b"5 ;ext=1", b"5;a=\"b c\"",
                  b"fffffffffffffffff", b"", b"7fffffff", b"10001", b"5\r;x"]
_CHUNK_SIZES = st.one_of(
    st.sampled_from(_HOSTILE_SIZES),
    st.integers(0, 0x30000).map(lambda n: format(n, "x").encode()),
    st.integers(1, 40).map(lambda n: format(n, "x").encode()),
)
_CHUNK = st.builds(lambda size, data, end: size + b"\r\n" + data + end, _CHUNK_SIZES,
                   st.binary(max_size=40), st.sampled_from([b"\r\n", b"\r\n", b"\n", b"", b"xx\r\n"]))
_LAST = st.sampled_from([b"0\r\n\r\n", b"0\r\n\r\n", b"0;x\r\nX-T: 1\r\n\r\n", b"0\r\n" + b"X-T: 1\r\n" * 120 + b"\r\n",
                         b"0\r\n", b""])


@st.composite
def _framed(draw: st.DrawFn) -> bytes:
    """Headers and body under one framing: Content-Length, chunked, both, or none (read to close)."""
    framing = draw(st.sampled_from(["length", "chunked", "chunked", "both", "none", "length-twice"]))
    extra = b"".join(draw(st.lists(_EXTRA, max_size=3)))
    if framing in ("length", "length-twice"):
        length = draw(_LENGTHS)
        head = b"Content-Length: " + length + b"\r\n"
        if framing == "length-twice":
            head += b"Content-Length: " + draw(_LENGTHS) + b"\r\n"
        return extra + head + b"\r\n" + draw(st.binary(max_size=200))
    if framing == "none":
        return extra + b"\r\n" + draw(st.binary(max_size=200))
    head = b"Transfer-Encoding: " + draw(_ENCODINGS) + b"\r\n"
    if framing == "both":
        head += b"Content-Length: " + draw(_LENGTHS) + b"\r\n"
    return extra + head + b"\r\n" + b"".join(draw(st.lists(_CHUNK, max_size=4))) + draw(_LAST)


@st.composite
def _framing_attack(draw: st.DrawFn) -> bytes:
    """A well-formed head, then a hostile size: what a peer that means harm sends."""
    head = draw(st.sampled_from(_GOOD_STATUS[:3])) + b"Content-Type: application/soap+xml;charset=UTF-8\r\n"
    if draw(st.booleans()):
        size = draw(st.one_of(st.sampled_from(_HOSTILE_SIZES),
                              st.integers(0, 0x30000).map(lambda n: format(n, "x").encode())))
        good = draw(st.lists(_CHUNK, max_size=2))
        return head + b"Transfer-Encoding: chunked\r\n\r\n" + b"".join(good) + size + b"\r\n"
    return head + b"Content-Length: " + draw(_LENGTHS) + b"\r\n\r\n"


@st.composite
def _replies(draw: st.DrawFn) -> bytes:
    if draw(st.booleans()):
        return draw(_framing_attack())
    data = draw(_INTERIM) + draw(_STATUS) + draw(_framed())
    if draw(st.integers(0, 3)) == 0:  # a quarter of the cases are cut or have bytes changed
        cut = draw(st.one_of(st.none(), st.integers(0, len(data))))
        if cut is not None:
            data = data[:cut]
        flips = draw(st.lists(st.tuples(st.integers(0, max(len(data) - 1, 0)), st.integers(0, 255)), max_size=3))
        buf = bytearray(data)
        for at, byte in flips:
            if buf:
                buf[at] = byte
        data = bytes(buf)
    return data


def _judged(run: Iterator[None]) -> None:
    """Run a case under tracemalloc (the case alone: tracing hypothesis too would take minutes); a
    failure must be ours, and a remote fault with a one-line reason."""
    tracemalloc.start()
    try:
        next(run, None)
    except HttpFailure as exc:
        err = classify(exc, "run")
        assert isinstance(err, RemoteFault), err
        assert "\n" not in str(err) and len(str(err)) < 400
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert peak < MEMORY_BOUND, f"peak {peak:,} bytes"


def test_fuzz_the_http_reply_parser(fuzz_cases: dict[str, int]) -> None:
    count = 0

    @FUZZ
    @given(data=_replies(), endless=st.sampled_from([True, True, False]))
    def case(data: bytes, endless: bool) -> None:
        nonlocal count
        count += 1
        peer = _Peer(data, endless)

        def run() -> Iterator[None]:
            reply = read_reply(io.BufferedReader(peer, 65_536), MAX_BODY)  # type: ignore[arg-type]
            assert len(reply.body) <= MAX_BODY
            assert 100 <= reply.status <= 599
            yield

        _judged(run())
        assert peer.pulled <= len(data) + PULL_BOUND, f"pulled {peer.pulled:,} bytes"

    case()
    fuzz_cases["HTTP reply parser"] = count


# --- the encrypted multipart body -------------------------------------------------------------------

def _unseal(header: bytes, data: bytes) -> bytes:
    if header != hashlib.sha256(data).digest()[:16]:
        raise BadMICError(context_msg="Invalid Message integrity Check (MIC) detected")
    return data


@st.composite
def _encrypted(draw: st.DrawFn) -> tuple[bytes, str]:
    boundary = draw(st.sampled_from([b"Encrypted Boundary", b"B", b"a b"]))
    parts = []
    for plain in draw(st.lists(st.binary(max_size=40), min_size=0, max_size=3)):
        sig = hashlib.sha256(plain).digest()[:16]
        length = draw(st.one_of(st.just(str(len(plain)).encode()),
                                st.sampled_from([b"", b"-1", b"abc", b"99999999999", b"0"])))
        sig_len = draw(st.one_of(st.just(struct.pack("<i", len(sig))),
                                 st.integers(-(2**31), 2**31 - 1).map(lambda n: struct.pack("<i", n)),
                                 st.binary(max_size=3)))
        dash = draw(st.sampled_from([b"--", b"-- ", b"-"]))
        parts.append(dash + boundary + b"\r\n\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n"
                     b"\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=" + length
                     + b"\r\n" + dash + boundary + b"\r\n\tContent-Type: application/octet-stream\r\n"
                     + sig_len + sig + plain)
    body = b"".join(parts) + draw(st.sampled_from([b"--" + boundary + b"--\r\n", b"", b"junk"]))
    flips = draw(st.lists(st.tuples(st.integers(0, max(len(body) - 1, 0)), st.integers(0, 255)), max_size=2))
    buf = bytearray(body)
    for at, byte in flips:
        if buf:
            buf[at] = byte
    ctype = draw(st.one_of(
        st.just('multipart/encrypted;protocol="application/HTTP-SPNEGO-session-encrypted";boundary="'
                + boundary.decode() + '"'),
        st.sampled_from(["multipart/encrypted", 'multipart/encrypted;boundary=""', "multipart/encrypted;boundary=B"]),
        st.text(max_size=30)))
    return bytes(buf), ctype


def test_fuzz_the_encrypted_multipart_body(fuzz_cases: dict[str, int]) -> None:
    count = 0

    @FUZZ
    @given(sample=_encrypted())
    def case(sample: tuple[bytes, str]) -> None:
        nonlocal count
        count += 1
        body, ctype = sample

        def run() -> Iterator[None]:
            plain = open_encrypted(body, ctype, _unseal)  # or MalformedReply, judged below
            assert len(plain) <= len(body)
            yield

        _judged(run())

    case()
    fuzz_cases["encrypted multipart body"] = count
