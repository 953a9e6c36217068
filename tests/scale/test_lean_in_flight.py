"""A thousand lean sessions in flight in one event loop, with no thread per session: the runner awaits
each CollectorSession's task (start_async) instead of running it in a thread, the sweep's own asyncio
channel (NTLM, sealed) needs none either, and every host ends with its outcome. No timing is asserted."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from scale_support import PASSWORD, USER

from scanner.collect.runner import SweepLimits, SweepRunner
from scanner.collect.session import CollectorSession, collector_for
from scanner.credentials import Credentials, Secret
from scanner.facts.parse import parse_collector_output
from scanner.model.host import AuthMethod, Host
from scanner.model.outcome import OutcomeKind
from scanner.simulator import SimulatorProcess, generate_site_document, write_site_file
from scanner.transport.lean_session import SCRIPT_SENDS_AT_ONCE, ChannelSpec, default_channel
from scanner.transport.psrp_lean import ACTION_COMMAND
from scanner.transport.settings import TransportSettings

pytestmark = pytest.mark.simulator

HOSTS = 1000


class _Counting:
    """The sweep's own channel (LeanChannel, NTLM sealed), counting the sessions whose collector request
    (the WS-Man Command, the one large request of a session) is out at once."""

    out = 0
    most = 0

    def __init__(self, spec: ChannelSpec) -> None:
        self._channel = default_channel(spec)

    async def send(self, message: bytes, *, read_timeout: float | None = None) -> bytes:
        command = _COMMAND_ACTION in message
        if command:
            _Counting.out += 1
            _Counting.most = max(_Counting.most, _Counting.out)
        try:
            return await self._channel.send(message, read_timeout=read_timeout)
        finally:
            if command:
                _Counting.out -= 1

    def abort(self) -> None:
        self._channel.abort()

    async def close(self) -> None:
        await self._channel.close()

    @property
    def negotiated_protocol(self) -> str | None:
        return self._channel.negotiated_protocol

    @property
    def received(self) -> int:
        return self._channel.received

    @property
    def endpoint(self) -> str:
        return self._channel.endpoint


_COMMAND_ACTION = f"{ACTION_COMMAND}<".encode()  # the envelope's wsa:Action, closed


def test_a_thousand_lean_sessions_share_one_loop_and_no_thread_each(tmp_path: Path) -> None:
    doc = generate_site_document(HOSTS, faulty_percent=0, password=PASSWORD, base_network="127.112.0.0/12",
                                 answer_time={"distribution": "lognormal", "median_s": 6, "sigma": 0.2,
                                              "max_s": 15})
    doc["credentials"] = {"username": USER, "password": PASSWORD, "local": True}
    site = write_site_file(doc, tmp_path / "site.yaml")
    settings = TransportSettings(credentials=Credentials(USER, Secret(PASSWORD)), auth=AuthMethod.NTLM,
                                 connection_timeout=60.0, read_timeout=120.0, operation_timeout=10,
                                 deadline=300.0)
    with SimulatorProcess(site, tmp_path / "sim", startup_timeout_s=300) as sim:
        hosts = [Host(name=h.name, address=h.address, port=h.http_port) for h in sim.hosts]
        sessions: list[CollectorSession] = []

        def factory(host: Host) -> CollectorSession:
            session = CollectorSession(host, settings, collector_for, parse_collector_output,
                                       channel_factory=_Counting)
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
    # thousands reach their collector request together; only so many hold its copies at once
    assert 1 < _Counting.most <= SCRIPT_SENDS_AT_ONCE, _Counting.most
