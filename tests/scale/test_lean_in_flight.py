"""A thousand lean sessions in flight in one event loop, with no thread per session: the runner awaits
each CollectorSession's task (start_async) instead of running it in a thread, and every host ends
with its outcome. The channel here is a small asyncio HTTP client written for this test (Basic over
plain HTTP, to simulated listeners that allow unencrypted traffic), so that nothing under the session
needs a thread either; the sweep's own channel is the HTTP layer's. No timing is asserted."""

from __future__ import annotations

import asyncio
import base64
import threading
from pathlib import Path

import pytest
from pypsrp.exceptions import AuthenticationError, WinRMTransportError
from scale_support import PASSWORD, USER

from scanner.collect.runner import SweepLimits, SweepRunner
from scanner.collect.session import CollectorSession, collector_for
from scanner.credentials import Credentials, Secret
from scanner.facts.parse import parse_collector_output
from scanner.model.host import AuthMethod, Host
from scanner.model.outcome import OutcomeKind
from scanner.simulator import SimulatorProcess, generate_site_document, write_site_file
from scanner.transport.lean_session import ChannelSpec
from scanner.transport.settings import TransportSettings

pytestmark = pytest.mark.simulator

HOSTS = 1000


class _AsyncBasicChannel:
    """One keep-alive HTTP/1.1 connection, Basic authentication on every request, asyncio streams."""

    def __init__(self, spec: ChannelSpec) -> None:
        self._spec = spec
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        raw = f"{spec.username}:{spec.password}".encode()
        self._auth = "Basic " + base64.b64encode(raw).decode()
        self.endpoint = f"http://{spec.server}:{spec.port}/wsman"
        self.negotiated_protocol: str | None = None
        self.received = 0

    async def send(self, message: bytes, *, read_timeout: float | None = None) -> bytes:
        spec = self._spec
        if self._streams is None:
            self._streams = await asyncio.wait_for(asyncio.open_connection(spec.server, spec.port),
                                                   spec.connection_timeout)
        reader, writer = self._streams
        head = (f"POST /wsman HTTP/1.1\r\nHost: {spec.server}:{spec.port}\r\nAuthorization: {self._auth}\r\n"
                "Content-Type: application/soap+xml;charset=UTF-8\r\n"
                f"Content-Length: {len(message)}\r\n\r\n").encode()
        writer.write(head + message)
        await writer.drain()
        return await asyncio.wait_for(self._reply(reader), max(spec.read_timeout, read_timeout or 0))

    async def _reply(self, reader: asyncio.StreamReader) -> bytes:
        status = int((await reader.readline()).split()[1])
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        body = await reader.readexactly(length)
        self.received += len(body)
        if status == 401:
            raise AuthenticationError("refused")
        self.negotiated_protocol = "basic"
        self._spec.on_accepted()
        if status >= 300:
            raise WinRMTransportError("http", status, body.decode("utf-8", "replace"))
        return body

    def abort(self) -> None:
        if self._streams is not None:
            self._streams[1].transport.abort()

    async def close(self) -> None:
        if self._streams is not None:
            self._streams[1].close()


def test_a_thousand_lean_sessions_share_one_loop_and_no_thread_each(tmp_path: Path) -> None:
    doc = generate_site_document(HOSTS, faulty_percent=0, password=PASSWORD, base_network="127.112.0.0/12",
                                 answer_time={"distribution": "lognormal", "median_s": 6, "sigma": 0.2,
                                              "max_s": 15})
    doc["credentials"] = {"username": USER, "password": PASSWORD, "local": True}
    doc["defaults"] = {**doc["defaults"], "auth": ["basic"], "allow_unencrypted": True}
    site = write_site_file(doc, tmp_path / "site.yaml")
    # settings say NTLM so that the lean path applies; the test channel speaks Basic to these listeners
    settings = TransportSettings(credentials=Credentials(USER, Secret(PASSWORD)), auth=AuthMethod.NTLM,
                                 connection_timeout=60.0, read_timeout=120.0, operation_timeout=10,
                                 deadline=300.0)
    with SimulatorProcess(site, tmp_path / "sim", startup_timeout_s=300) as sim:
        hosts = [Host(name=h.name, address=h.address, port=h.http_port) for h in sim.hosts]
        sessions: list[CollectorSession] = []

        def factory(host: Host) -> CollectorSession:
            session = CollectorSession(host, settings, collector_for, parse_collector_output,
                                       channel_factory=_AsyncBasicChannel)
            sessions.append(session)
            return session

        async def main() -> tuple[list[int], list[OutcomeKind], int]:
            runner = SweepRunner(factory, SweepLimits(concurrency=HOSTS, deadline=300.0, grace=5.0,
                                                      breaker_threshold=0))
            threads: list[int] = []
            sweep = asyncio.ensure_future(runner.run(hosts))
            while not sweep.done():
                threads.append(threading.active_count())
                await asyncio.sleep(0.25)
            return threads, [o.kind for o in sweep.result()], runner.stats.peak_in_flight

        before = threading.active_count()
        threads, kinds, peak = asyncio.run(main())
    assert len(kinds) == HOSTS and kinds.count(OutcomeKind.OK) == HOSTS, {k: kinds.count(k) for k in set(kinds)}
    assert all(s.lean for s in sessions) and len(sessions) == HOSTS
    assert peak >= HOSTS * 9 // 10  # (almost) all open together: each host takes seconds to answer
    assert max(threads) <= before + 1, (before, max(threads))  # no thread per session (nor per request)
