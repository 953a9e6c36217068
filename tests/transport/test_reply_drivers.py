"""The HTTP reply parser has one implementation and two drivers: the blocking one (a buffered socket file,
``read_reply``) and the asyncio one (``read_reply_async`` over a ``StreamBuffer``). The hostile replies
and the fuzzed ones of the blocking tests go through both here: the same reply or the same failure with
the same reason, and the asyncio driver keeps the same bounds on memory and on what it pulls."""

from __future__ import annotations

import asyncio
import io
import tracemalloc
from collections.abc import Coroutine
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_hostile_replies import CHUNKED, MALFORMED, OK, MiB
from test_http_fuzz import FUZZ, MAX_BODY, MEMORY_BOUND, PULL_BOUND, TAIL, _Peer, _replies

from scanner.transport.http_reply import HttpFailure, Reply, StreamBuffer, read_reply, read_reply_async

Outcome = tuple[Any, ...]


def _outcome_of(reply: Reply) -> Outcome:
    return ("reply", reply.status, reply.headers, reply.body, reply.last)


def _failure(exc: HttpFailure) -> Outcome:
    return (type(exc).__name__, str(exc))


def _blocking(data: bytes, *, endless: bool = False, max_body: int = MAX_BODY) -> Outcome:
    try:
        return _outcome_of(read_reply(io.BufferedReader(_Peer(data, endless), 65_536), max_body))  # type: ignore[arg-type]
    except HttpFailure as exc:
        return _failure(exc)


class _AsyncPeer:
    """``_Peer`` for the asyncio driver: ``data``, then up to TAIL bytes of 'A' or the end."""

    def __init__(self, data: bytes, endless: bool) -> None:
        self._data = data
        self._left = TAIL if endless else 0
        self.pulled = 0

    async def read(self, n: int = -1) -> bytes:
        if self.pulled < len(self._data):
            piece = self._data[self.pulled:self.pulled + n]
        else:
            piece = b"A" * min(n, self._left)
            self._left -= len(piece)
        self.pulled += len(piece)
        return piece


def _run_ready(coro: Coroutine[Any, Any, Reply]) -> Reply:
    """Run a coroutine whose awaits never wait (the peer's bytes are all there): no event loop per case."""
    try:
        coro.send(None)
    except StopIteration as done:
        reply: Reply = done.value
        return reply
    coro.close()
    raise AssertionError("the driver waited on a peer that never makes it wait")


def _in_memory(data: bytes, *, endless: bool = False, max_body: int = MAX_BODY) -> tuple[Outcome, int]:
    peer = _AsyncPeer(data, endless)
    try:
        outcome = _outcome_of(_run_ready(read_reply_async(StreamBuffer(peer), max_body)))
    except HttpFailure as exc:
        outcome = _failure(exc)
    return outcome, peer.pulled


def _over_a_stream(data: bytes, max_body: int = MAX_BODY) -> Outcome:
    """Through a real asyncio.StreamReader, fed in small pieces with the loop turning between them."""
    async def run() -> Outcome:
        stream = asyncio.StreamReader()

        async def feed() -> None:
            for at in range(0, len(data), 7_000):
                stream.feed_data(data[at:at + 7_000])
                await asyncio.sleep(0)
            stream.feed_eof()

        feeding = asyncio.create_task(feed())
        try:
            return _outcome_of(await read_reply_async(StreamBuffer(stream), max_body))
        except HttpFailure as exc:
            return _failure(exc)
        finally:
            feeding.cancel()

    return asyncio.run(run())


WELL_FORMED = [
    OK + b"Content-Length: 5\r\nContent-Type: application/soap+xml\r\n\r\nhello",
    CHUNKED + b"5 ;name=value;x\r\nhello\r\n3;q=\"a b\"\r\n!!!\r\n0\r\n\r\n",
    b"HTTP/1.1 100 Continue\r\n\r\n" + CHUNKED + b"4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nX-Trailer: 1\r\n\r\n",
    b"HTTP/1.0 200 OK\r\n\r\nall of it",
    b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Negotiate\r\nWWW-Authenticate: Basic realm=\"WSMAN\"\r\n"
    b"Content-Length: 0\r\n\r\n",
    b"HTTP/1.1 204 No Content\r\n\r\n",
]


@pytest.mark.parametrize("reply", WELL_FORMED)
def test_a_well_formed_reply_reads_the_same_through_both_drivers(reply: bytes) -> None:
    blocking = _blocking(reply)
    assert blocking[0] == "reply"
    assert _over_a_stream(reply) == blocking
    assert _in_memory(reply)[0] == blocking


@pytest.mark.parametrize(("reply", "said"), MALFORMED)
def test_a_malformed_reply_fails_the_same_through_both_drivers(reply: bytes, said: str) -> None:
    blocking = _blocking(reply)
    streamed = _over_a_stream(reply)
    assert streamed == blocking
    assert said in streamed[1]  # the same failure class and reason: the seam maps it the same way


@pytest.mark.parametrize(("framing", "said"), [
    (OK + b"Content-Length: 2097152\r\n\r\n", "Content-Length 2,097,152 bytes"),
    (CHUNKED + b"200000\r\n", "more than 2,097,152 bytes"),
    (CHUNKED + b"80000\r\n" + b"A" * 0x80000 + b"\r\n" + b"80000\r\n" + b"A" * 0x80000 + b"\r\n" + b"1\r\n",
     "more than 1,048,577 bytes"),
    (b"HTTP/1.0 200 OK\r\n\r\n", "more than 1 MiB"),
    (CHUNKED + b"-1\r\n", "bad chunk size"),
])
def test_the_body_cap_holds_in_the_asyncio_driver(framing: bytes, said: str) -> None:
    # the reply is followed by 16 MiB of 'A': the driver stops at the cap and holds no more than a few pieces
    tracemalloc.start()
    try:
        outcome, pulled = _in_memory(framing, endless=True, max_body=MiB)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert outcome == _blocking(framing, endless=True, max_body=MiB)
    assert said in outcome[1]
    assert peak < 3 * MiB, f"peak {peak:,} bytes"
    assert pulled <= len(framing) + MiB + 2 * 65_536


def test_the_stream_buffer_keeps_what_follows_a_reply_for_the_next() -> None:
    two = OK + b"Content-Length: 3\r\n\r\nabc" + CHUNKED + b"2\r\nde\r\n0\r\n\r\n"
    peer = _AsyncPeer(two, endless=False)
    buffer = StreamBuffer(peer)
    assert _run_ready(read_reply_async(buffer)).body == b"abc"
    assert _run_ready(read_reply_async(buffer)).body == b"de"


def test_each_wait_of_the_stream_buffer_is_bounded_by_its_timeout() -> None:
    async def run() -> None:
        stream = asyncio.StreamReader()
        stream.feed_data(OK + b"Content-Length: 10\r\n\r\nabc")  # then silence
        buffer = StreamBuffer(stream)
        buffer.timeout = 0.05
        with pytest.raises(TimeoutError):
            await read_reply_async(buffer)

    asyncio.run(run())


def test_fuzz_both_drivers_agree(fuzz_cases: dict[str, int]) -> None:
    count = 0

    @FUZZ
    @given(data=_replies(), endless=st.sampled_from([True, True, False]))
    def case(data: bytes, endless: bool) -> None:
        nonlocal count
        count += 1
        tracemalloc.start()
        try:
            outcome, pulled = _in_memory(data, endless=endless)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak < MEMORY_BOUND, f"peak {peak:,} bytes"
        assert pulled <= len(data) + PULL_BOUND, f"pulled {pulled:,} bytes"
        if outcome[0] == "reply":
            assert len(outcome[3]) <= MAX_BODY and 100 <= outcome[1] <= 599
        assert outcome == _blocking(data, endless=endless)

    case()
    fuzz_cases["HTTP reply parser, both drivers"] = count
