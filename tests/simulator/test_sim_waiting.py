"""A Receive waiting on a slow host costs nothing while it waits: it wakes for output, for its client's
going, or at its OperationTimeout, never on a polling timer (thousands wait at once in a slow sweep)."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from scanner.simulator import http, load_site
from scanner.simulator.psrp import ClientGone, Shell

ROOT = Path(__file__).resolve().parents[2]


def _shell() -> Shell:
    host = load_site(ROOT / "scanner" / "samples" / "sites" / "demo.yaml").hosts[0]
    return Shell(host, str(uuid.uuid4()).upper(), "uri", "owner", "127.0.0.1", 3600.0)


def test_pending_receive_wakes_when_its_client_goes_and_not_before() -> None:
    async def scenario() -> tuple[int, int]:
        shell = _shell()
        gone = False
        checks = 0
        callbacks: list[Callable[[], None]] = []

        def client_gone() -> bool:
            nonlocal checks
            checks += 1
            return gone

        def on_gone(cb: Callable[[], None]) -> Callable[[], None]:
            callbacks.append(cb)
            return lambda: callbacks.remove(cb)

        waiting = asyncio.ensure_future(shell.receive(None, 3600.0, 100_000, client_gone, on_gone))
        await asyncio.sleep(1.2)  # more than two of the old half-second polls
        checks_while_waiting = checks
        assert not waiting.done()
        gone = True
        for cb in list(callbacks):
            cb()
        with pytest.raises(ClientGone):
            await asyncio.wait_for(waiting, 30)
        return checks_while_waiting, len(callbacks)

    checks_while_waiting, left = asyncio.run(scenario())
    assert checks_while_waiting == 1  # looked once on arrival, then slept until woken
    assert left == 0  # the wait unregistered itself


def test_pending_receive_without_a_notifier_still_sees_its_client_go() -> None:
    async def scenario() -> None:
        shell = _shell()
        gone = False
        waiting = asyncio.ensure_future(shell.receive(None, 3600.0, 100_000, lambda: gone))
        await asyncio.sleep(0.1)
        gone = True
        with pytest.raises(ClientGone):
            await asyncio.wait_for(waiting, 30)

    asyncio.run(scenario())


def test_watched_reader_tells_when_the_client_closes_while_nobody_reads() -> None:
    async def scenario() -> tuple[bool, bool]:
        ended = asyncio.Event()
        registered = asyncio.Event()
        handled = asyncio.Event()
        seen: dict[str, bool] = {}

        async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            conn = http.Connection(reader, writer, False)
            notify = conn.gone_notifier()
            assert notify is not None
            notify(ended.set)
            registered.set()
            await asyncio.wait_for(ended.wait(), 30)  # no read pending: only the reader's callback wakes us
            seen["gone"] = conn.client_gone()
            writer.close()
            handled.set()

        loop = asyncio.get_running_loop()
        server = await loop.create_server(lambda: http.stream_protocol(handler), "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        client = socket.create_connection(("127.0.0.1", port))
        await asyncio.wait_for(registered.wait(), 30)
        client.close()
        await asyncio.wait_for(handled.wait(), 30)
        server.close()
        await server.wait_closed()
        return ended.is_set(), seen.get("gone", False)

    ended, gone = asyncio.run(scenario())
    assert ended and gone
