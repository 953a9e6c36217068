"""A small HTTP/1.1 server loop on asyncio streams: keep-alive, one state object per TCP connection
(NTLM and message encryption are bound to the connection), and raw replies for fault injection
(reset, close, trickle, truncate, non-HTTP bytes, a flood, no answer at all)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

SERVER = "Microsoft-HTTPAPI/2.0"
READ_LIMIT = 1 << 20
MAX_BODY = 64 << 20
REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    411: "Length Required",
    413: "Request Entity Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


@dataclass(frozen=True, slots=True)
class HttpRequest:
    method: str
    target: str
    headers: dict[str, str]  # names lower case; repeated headers joined with ", "
    body: bytes


@dataclass(frozen=True, slots=True)
class HttpResponse:
    status: int
    headers: tuple[tuple[str, str], ...] = field(default=())
    body: bytes = b""
    close: bool = False

    def head(self) -> bytes:
        lines = [f"HTTP/1.1 {self.status} {REASONS.get(self.status, 'Unknown')}", f"Server: {SERVER}"]
        lines += [f"{k}: {v}" for k, v in self.headers]
        lines.append(f"Content-Length: {len(self.body)}")
        if self.close:
            lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


@dataclass(frozen=True, slots=True)
class Abort:
    """Reset the connection (RST) instead of answering."""


@dataclass(frozen=True, slots=True)
class Close:
    """Close the connection (FIN) instead of answering."""


@dataclass(frozen=True, slots=True)
class Raw:
    """Write these bytes as they are, then close."""

    data: bytes


@dataclass(frozen=True, slots=True)
class Dribble:
    """Send the headers, then the body one byte every ``interval_s`` (each read stays within the client's
    timeout); after ``limit_s``, reset the connection."""

    response: HttpResponse
    interval_s: float
    limit_s: float | None = None


@dataclass(frozen=True, slots=True)
class Truncate:
    """Send the headers and half the body, then reset."""

    response: HttpResponse


@dataclass(frozen=True, slots=True)
class Flood:
    """Write ``head``, then ``size`` bytes in 64 KiB pieces, or until the client goes; then reset."""

    head: bytes
    size: int


@dataclass(frozen=True, slots=True)
class Stall:
    """Never answer; keep the connection open until the client goes."""


Reply = HttpResponse | Abort | Close | Raw | Dribble | Truncate | Flood | Stall


class WatchedReader(asyncio.StreamReader):
    """A StreamReader that calls back when the peer's end of the connection ends (FIN, reset or loss),
    whether or not anyone is reading: a request handler waiting seconds for a slow host's answer learns
    that its client went away without polling."""

    def __init__(self, limit: int = READ_LIMIT) -> None:
        super().__init__(limit=limit)
        self._gone: list[Callable[[], None]] = []

    def on_gone(self, callback: Callable[[], None]) -> Callable[[], None]:
        self._gone.append(callback)

        def unregister() -> None:
            try:
                self._gone.remove(callback)
            except ValueError:
                pass

        return unregister

    def _ended(self) -> None:
        for callback in list(self._gone):
            callback()

    def feed_eof(self) -> None:
        super().feed_eof()
        self._ended()

    def set_exception(self, exc: Exception) -> None:
        super().set_exception(exc)
        self._ended()


def stream_protocol(
    client_connected: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]],
) -> asyncio.StreamReaderProtocol:
    """What ``asyncio.start_server`` makes per connection, with a WatchedReader."""
    return asyncio.StreamReaderProtocol(WatchedReader(), client_connected)


class Connection:
    """One accepted TCP connection. ``state`` belongs to the request handler."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, tls: bool) -> None:
        self.reader = reader
        self.writer = writer
        self.tls = tls
        peer = writer.get_extra_info("peername")
        self.peer: str = str(peer[0]) if peer else ""
        self.state: Any = None
        self.requests = 0

    def client_gone(self) -> bool:
        return self.reader.at_eof() or self.writer.transport.is_closing()

    def gone_notifier(self) -> Callable[[Callable[[], None]], Callable[[], None]] | None:
        """What registers a call for when the client's end of the connection ends (it returns the
        unregistering call); None when this connection's reader cannot tell (not a WatchedReader)."""
        reader = self.reader
        return reader.on_gone if isinstance(reader, WatchedReader) else None


Handler = Callable[[Connection, HttpRequest], Awaitable[Reply]]


class _Malformed(Exception):
    pass


async def _read_request(conn: Connection) -> HttpRequest | None:
    """The next request, or None when the client closed the connection between requests."""
    reader = conn.reader
    try:
        if conn.requests == 0 and not conn.tls:
            first = await reader.readexactly(1)
            if first == b"\x16":
                raise _Malformed("TLS handshake on the plain HTTP listener")
            head = first + await reader.readuntil(b"\r\n\r\n")
        else:
            head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    except asyncio.LimitOverrunError:
        raise _Malformed("request header too large") from None
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise _Malformed("not an HTTP/1.x request line")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise _Malformed("bad header line")
        key = name.strip().lower()
        headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
    body = b""
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = await _read_chunked(reader)
    elif headers.get("content-length"):
        try:
            length = int(headers["content-length"])
        except ValueError:
            raise _Malformed("bad Content-Length") from None
        if length < 0 or length > MAX_BODY:
            raise _Malformed("bad Content-Length")
        body = await reader.readexactly(length)
    conn.requests += 1
    return HttpRequest(parts[0], parts[1], headers, body)


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    out = bytearray()
    while True:
        size_line = await reader.readuntil(b"\r\n")
        try:
            size = int(size_line.split(b";")[0].strip(), 16)
        except ValueError:
            raise _Malformed("bad chunk size") from None
        if size == 0:
            await reader.readuntil(b"\r\n")
            return bytes(out)
        out += await reader.readexactly(size)
        await reader.readexactly(2)
        if len(out) > MAX_BODY:
            raise _Malformed("body too large")


async def serve_connection(
    conn: Connection, handler: Handler, on_open: Callable[[Connection], Reply | None] | None = None
) -> None:
    """Serve requests on one connection until it closes or a reply ends it."""
    writer = conn.writer
    try:
        if on_open is not None:
            early = on_open(conn)
            if early is not None and await _send(conn, early):
                return
        while True:
            try:
                request = await _read_request(conn)
            except _Malformed:
                await _send(conn, HttpResponse(400, close=True))
                return
            if request is None:
                return
            reply = await handler(conn, request)
            if await _send(conn, reply):
                return
            if request.headers.get("connection", "").lower() == "close":
                return
    except asyncio.CancelledError:
        writer.transport.abort()
        raise
    except (ConnectionError, asyncio.IncompleteReadError):
        writer.transport.abort()
    except Exception:
        log.exception("simulated host connection failed")
        writer.transport.abort()
    finally:
        if not writer.transport.is_closing():
            writer.close()


async def _send(conn: Connection, reply: Reply) -> bool:
    """Write one reply; True when the connection is finished."""
    writer = conn.writer
    if isinstance(reply, HttpResponse):
        writer.write(reply.head() + reply.body)
        await writer.drain()
        return reply.close
    if isinstance(reply, Abort):
        writer.transport.abort()
        return True
    if isinstance(reply, Close):
        writer.close()
        return True
    if isinstance(reply, Raw):
        writer.write(reply.data)
        await writer.drain()
        writer.close()
        return True
    if isinstance(reply, Truncate):
        body = reply.response.body
        writer.write(reply.response.head() + body[: len(body) // 2])
        await writer.drain()
        writer.transport.abort()
        return True
    if isinstance(reply, Flood):
        writer.write(reply.head)
        piece = b"A" * 65_536
        left = reply.size
        while left > 0 and not conn.client_gone():
            writer.write(piece[:left])
            left -= len(piece)
            await writer.drain()
        writer.transport.abort()
        return True
    if isinstance(reply, Dribble):
        writer.write(reply.response.head())
        data = reply.response.body
        stop_at = None if reply.limit_s is None else asyncio.get_running_loop().time() + reply.limit_s
        for i in range(len(data)):
            if conn.client_gone():
                return True
            if stop_at is not None and asyncio.get_running_loop().time() >= stop_at:
                writer.transport.abort()
                return True
            writer.write(data[i : i + 1])
            await writer.drain()
            await asyncio.sleep(reply.interval_s)
        return False
    # Stall: swallow whatever arrives until the client gives up
    while await conn.reader.read(65536):
        pass
    return True
