"""Reading one HTTP/1.1 reply from a peer that may be hostile: every read is bounded, and every way
a reply can break HTTP ends as an ``HttpFailure`` with a one-line reason, never another exception.

Bounds: the status line and each header line at most 64 KiB; at most 100 header lines and 256 KiB of
header section (trailers count against the same budget); at most 8 interim (1xx) replies; the body
at most ``max_body`` bytes whatever the framing (Content-Length, chunked, or to the end of the
connection), read in pieces of at most 64 KiB, so a peer can make us hold no more than the cap.

Strictness follows RFC 9112 where a lax reading could be abused: a chunk size is hex digits and
nothing else (``int(x, 16)`` alone also takes ``-1``, ``0x10`` and ``1_0``, and ``read(-1)`` reads to
the end of the connection); Content-Length is digits, repeated only with the same value; a reply
with both Transfer-Encoding and Content-Length, an obsolete folded header line, or a header name
that is not a token is refused. A Windows listener (HTTP.sys) sends none of these.

One parser (a generator that does no I/O) is driven by a blocking reader and by an asyncio one, so
both keep these bounds and give the same reasons.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Generator
from dataclasses import dataclass
from typing import BinaryIO, Protocol, TypeVar

MAX_LINE = 65_536
MAX_HEADERS = 100
MAX_HEAD = 256 * 1024
MAX_INTERIM = 8
MAX_BODY = 32 * 1024 * 1024  # the default; the WinRM transport asks for far less (see http.py)
_PIECE = 65_536

_STATUS = re.compile(rb"HTTP/1\.[01] ([1-5][0-9][0-9])(?:[ \t][^\r\n]*)?\r?\n")
_FIELD = re.compile(rb"([!#$%&'*+\-.^_`|~0-9A-Za-z]+):([^\r\n\x00]*)\r?\n")
_CHUNK_SIZE = re.compile(rb"([0-9A-Fa-f]{1,16})[ \t]*(?:;[^\r\n\x00]*)?\r?\n")
_DIGITS = re.compile(r"[0-9]{1,19}")
_T = TypeVar("_T")


class HttpFailure(Exception):
    """The peer broke HTTP."""


class NotHttp(HttpFailure):
    """The reply does not start with an HTTP status line."""


class MalformedReply(HttpFailure):
    """An HTTP reply that breaks the protocol: its status line, headers or framing."""


class ReplyTooLarge(HttpFailure):
    """A reply (or its header section) past its size cap; the message gives the size."""


class ReplyCutShort(HttpFailure):
    """The connection ended inside a reply."""


class ConnectionClosed(HttpFailure):
    """The peer closed the connection before a reply began."""


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    headers: dict[str, str]  # lower-case names; repeated headers joined with ", "
    body: bytes
    last: bool = False  # the body ran to the end of the connection: it cannot be used again


def mib(size: int) -> str:
    """A cap for messages: "1 MiB", "256 KiB", or bytes."""
    if size % (1024 * 1024) == 0:
        return f"{size // (1024 * 1024)} MiB"
    if size % 1024 == 0:
        return f"{size // 1024} KiB"
    return f"{size:,} bytes"


# --- one parser, two drivers --------------------------------------------------------------------------
#
# The parser is a generator that does no I/O: it yields what it needs next, ``(_LINE, limit)`` for a line
# of at most ``limit`` bytes (as ``BufferedReader.readline(limit)`` returns it: up to and with the first
# LF, or ``limit`` bytes, or what is left at the end of the connection) or ``(_READ, n)`` for at most
# ``n`` bytes (fewer only at the end of the connection; b"" there), and is sent the bytes. Every bound
# above lives in the parser, so the blocking driver (``read_reply``, over a buffered socket file) and the
# asyncio one (``read_reply_async``, over a ``StreamBuffer``) refuse the same replies for the same
# reasons and never ask for more than a line's or a piece's worth at once.

_LINE = 0
_READ = 1
Need = tuple[int, int]
Parse = Generator[Need, bytes, _T]


def read_reply(reader: BinaryIO, max_body: int = MAX_BODY) -> Reply:
    """The next reply on ``reader`` (a buffered reader over the connection)."""
    parser = reply_parser(max_body)
    need = next(parser)
    try:
        while True:
            kind, size = need
            need = parser.send(reader.readline(size) if kind == _LINE else reader.read(size))
    except StopIteration as done:
        reply: Reply = done.value
        return reply


async def read_reply_async(reader: StreamBuffer, max_body: int = MAX_BODY) -> Reply:
    """The next reply on ``reader``, the connection's buffer (it keeps what follows a reply)."""
    parser = reply_parser(max_body)
    need = next(parser)
    try:
        while True:
            kind, size = need
            need = parser.send(await (reader.readline(size) if kind == _LINE else reader.read(size)))
    except StopIteration as done:
        reply: Reply = done.value
        return reply


class ByteStream(Protocol):
    """What ``StreamBuffer`` reads from: ``asyncio.StreamReader.read`` (at most ``n`` bytes, b"" at the end)."""

    async def read(self, n: int = -1) -> bytes: ...


class StreamBuffer:
    """What the parser reads from an asyncio stream, with the blocking file's semantics: ``readline(limit)``
    and ``read(n)`` as ``io.BufferedReader`` has them. It holds at most a line's limit plus one 64 KiB
    piece. ``timeout``: seconds each read from the stream may wait (as a blocking socket's timeout bounds
    each ``recv``, not the whole reply); TimeoutError past it."""

    def __init__(self, stream: ByteStream) -> None:
        self._stream = stream
        self._buf = bytearray()
        self._eof = False
        self.timeout: float | None = None

    async def _fill(self) -> bool:
        if self._eof:
            return False
        if self.timeout is None:
            data = await self._stream.read(_PIECE)
        else:
            async with asyncio.timeout(self.timeout):
                data = await self._stream.read(_PIECE)
        if not data:
            self._eof = True
            return False
        self._buf += data
        return True

    def _take(self, size: int) -> bytes:
        data = bytes(self._buf[:size])
        del self._buf[:size]
        return data

    async def readline(self, limit: int) -> bytes:
        searched = 0
        while True:
            end = self._buf.find(b"\n", searched, limit)
            if end >= 0:
                return self._take(end + 1)
            if len(self._buf) >= limit:
                return self._take(limit)
            searched = len(self._buf)
            if not await self._fill():
                return self._take(len(self._buf))

    async def read(self, size: int) -> bytes:
        while len(self._buf) < size:
            if not await self._fill():
                break
        return self._take(min(size, len(self._buf)))


def reply_parser(max_body: int = MAX_BODY) -> Parse[Reply]:
    """The sans-I/O parser of one reply (see above); its return value is the reply."""
    for interim in range(MAX_INTERIM + 1):
        status = yield from _status_line(first=interim == 0)
        headers = yield from _header_section("headers")
        if not 100 <= status < 200:
            return (yield from _with_body(status, headers, max_body))
        if status == 101:
            raise MalformedReply("the host switched protocols (HTTP 101) unasked")
    raise MalformedReply(f"more than {MAX_INTERIM} interim (1xx) replies")


def _line(what: str) -> Parse[bytes]:
    """One line, with its end; "" at the end of the connection."""
    line = yield _LINE, MAX_LINE + 1
    if len(line) > MAX_LINE:
        raise ReplyTooLarge(f"{what} longer than {mib(MAX_LINE)}")
    if line and not line.endswith(b"\n"):
        raise ReplyCutShort(f"the connection ended inside {what}")
    return line


def _status_line(*, first: bool) -> Parse[int]:
    line = yield _LINE, MAX_LINE + 1
    if not line:
        if first:
            raise ConnectionClosed("the host closed the connection without a reply")
        raise ReplyCutShort("the connection ended after an interim reply")
    if not line.startswith(b"HTTP/"):
        raise NotHttp(f"not an HTTP reply: {line[:40]!r}")
    if len(line) > MAX_LINE:
        raise ReplyTooLarge(f"the status line is longer than {mib(MAX_LINE)}")
    if not line.endswith(b"\n"):
        raise ReplyCutShort("the connection ended inside the status line")
    match = _STATUS.fullmatch(line)
    if match is None:
        raise MalformedReply(f"bad HTTP status line: {line[:40]!r}")
    return int(match.group(1))


def _header_section(what: str) -> Parse[dict[str, str]]:
    headers: dict[str, str] = {}
    size = 0
    for _ in range(MAX_HEADERS + 1):
        raw = yield from _line(f"the reply's {what}")
        if not raw:
            raise ReplyCutShort(f"the connection ended inside the reply's {what}")
        if raw in (b"\r\n", b"\n"):
            return headers
        size += len(raw)
        if size > MAX_HEAD:
            raise ReplyTooLarge(f"the reply's {what} are larger than {mib(MAX_HEAD)}")
        if raw[:1] in (b" ", b"\t"):
            raise MalformedReply(f"a folded header line (obsolete in HTTP/1.1): {raw[:40]!r}")
        match = _FIELD.fullmatch(raw)
        if match is None:
            raise MalformedReply(f"bad HTTP header line: {raw[:40]!r}")
        key = match.group(1).decode("ascii").lower()
        value = match.group(2).decode("latin-1").strip(" \t")
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    raise ReplyTooLarge(f"more than {MAX_HEADERS} header lines in the reply's {what}")


def _with_body(status: int, headers: dict[str, str], max_body: int) -> Parse[Reply]:
    if status in (204, 304):
        return Reply(status, headers, b"")
    encoding = headers.get("transfer-encoding")
    length_text = headers.get("content-length")
    if encoding is not None:
        if length_text is not None:
            raise MalformedReply("the reply has both Transfer-Encoding and Content-Length")
        if encoding.strip().lower() != "chunked":
            raise MalformedReply(f"unsupported Transfer-Encoding {encoding[:40]!r}")
        return Reply(status, headers, (yield from _chunked(max_body)))
    if length_text is not None:
        length = _content_length(length_text)
        if length > max_body:
            raise ReplyTooLarge(f"Content-Length {length:,} bytes, past the {mib(max_body)} cap on a reply")
        body = yield from _exactly(length, f"the reply ended after {{got:,}} of {length:,} bytes")
        return Reply(status, headers, body)
    # no length: the body runs to the end of the connection
    body = yield from _to_end(max_body)
    return Reply(status, headers, body, last=True)


def _content_length(text: str) -> int:
    values = {v.strip() for v in text.split(",")}
    if any(_DIGITS.fullmatch(v) is None for v in values):
        raise MalformedReply(f"bad Content-Length {text[:40]!r}")
    numbers = {int(v) for v in values}
    if len(numbers) > 1:
        raise MalformedReply(f"conflicting Content-Length values {text[:40]!r}")
    return numbers.pop()


def _exactly(size: int, short: str) -> Parse[bytes]:
    """``size`` bytes (already checked against the cap), read in bounded pieces."""
    pieces: list[bytes] = []
    got = 0
    while got < size:
        piece = yield _READ, min(_PIECE, size - got)
        if not piece:
            raise ReplyCutShort(short.format(got=got))
        pieces.append(piece)
        got += len(piece)
    return b"".join(pieces)


def _to_end(max_body: int) -> Parse[bytes]:
    pieces: list[bytes] = []
    got = 0
    while piece := (yield _READ, _PIECE):
        got += len(piece)
        if got > max_body:
            raise ReplyTooLarge(f"a body of more than {mib(max_body)} (read to the end of the connection), "
                                "past the cap on a reply")
        pieces.append(piece)
    return b"".join(pieces)


def _chunked(max_body: int) -> Parse[bytes]:
    pieces: list[bytes] = []
    total = 0
    while True:
        line = yield from _line("a chunk size line")
        if not line:
            raise ReplyCutShort("the connection ended inside a chunked reply")
        match = _CHUNK_SIZE.fullmatch(line)
        if match is None:
            raise MalformedReply(f"bad chunk size {line[:40]!r} in a chunked reply")
        size = int(match.group(1), 16)
        if size == 0:
            yield from _header_section("trailers")
            return b"".join(pieces)
        if total + size > max_body:
            raise ReplyTooLarge(f"a chunked body of more than {total + size:,} bytes, past the "
                                f"{mib(max_body)} cap on a reply")
        pieces.append((yield from _exactly(size, "the connection ended inside a chunk")))
        total += size
        end = yield _LINE, 3
        if end not in (b"\r\n", b"\n"):
            if len(end) < 3 and not end.endswith(b"\n"):
                raise ReplyCutShort("the connection ended after a chunk")
            raise MalformedReply("a chunk longer than its size line says")
