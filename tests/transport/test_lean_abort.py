"""The runner's deadline and interruption on the lean path: a session whose host never answers is a task
that abort() ends at once (no thread to abandon), and the host gets its one outcome."""

from __future__ import annotations

import asyncio

from scanner.collect.runner import SweepLimits, SweepRunner
from scanner.collect.session import CollectorSession
from scanner.credentials import Credentials, Secret
from scanner.facts.parse import parse_collector_output
from scanner.model.host import AuthMethod, Host
from scanner.model.outcome import OutcomeKind
from scanner.transport.lean_session import ChannelSpec
from scanner.transport.settings import TransportSettings

SETTINGS = TransportSettings(credentials=Credentials("user", Secret("pw")), auth=AuthMethod.NTLM, deadline=0.5)


class _Silent:
    """A host that accepts the connection and never answers."""

    def __init__(self, spec: ChannelSpec) -> None:
        self.endpoint = f"http://{spec.server}:{spec.port}/wsman"
        self.negotiated_protocol: str | None = None
        self.received = 0
        self.aborted = False
        self.closed = False
        _Silent.made.append(self)

    async def send(self, message: bytes, *, read_timeout: float | None = None) -> bytes:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    def abort(self) -> None:
        self.aborted = True

    async def close(self) -> None:
        self.closed = True

    made: list[_Silent] = []


def _sweep(stop_after: float | None) -> tuple[list[OutcomeKind], int, list[CollectorSession]]:
    hosts = [Host(name=f"H{i}", address=f"192.0.2.{i}") for i in range(1, 6)]
    sessions: list[CollectorSession] = []

    def factory(host: Host) -> CollectorSession:
        session = CollectorSession(host, SETTINGS, "Write-Output 1", parse_collector_output,
                                   channel_factory=_Silent)
        sessions.append(session)
        return session

    async def main() -> tuple[list[OutcomeKind], int]:
        runner = SweepRunner(factory, SweepLimits(concurrency=5, deadline=0.5, grace=0.5, breaker_threshold=0))
        stop = asyncio.Event()
        if stop_after is not None:
            asyncio.get_running_loop().call_later(stop_after, stop.set)
        outcomes = await runner.run(hosts, stop)
        return [o.kind for o in outcomes], runner.stats.abandoned_threads

    kinds, abandoned = asyncio.run(main())
    return kinds, abandoned, sessions


def test_a_host_past_its_deadline_is_cut_and_no_thread_is_abandoned() -> None:
    _Silent.made.clear()
    kinds, abandoned, sessions = _sweep(None)
    assert kinds == [OutcomeKind.TIMEOUT] * 5
    assert abandoned == 0
    assert all(s.lean for s in sessions)
    assert [c.aborted for c in _Silent.made] == [True] * 5  # the channel was cut, not left open


def test_an_interrupted_sweep_ends_its_lean_sessions_as_interrupted() -> None:
    _Silent.made.clear()
    kinds, abandoned, _ = _sweep(0.1)
    assert kinds == [OutcomeKind.INTERRUPTED] * 5
    assert abandoned == 0


def test_kerberos_and_credssp_stay_on_pypsrps_path_and_pypsrp_can_be_asked_for() -> None:
    from dataclasses import replace

    host = Host(name="EX01", fqdn="ex01.corp.example", address="192.0.2.1")

    def lean(settings: TransportSettings) -> bool:
        return CollectorSession(host, settings, "x", parse_collector_output).lean

    assert lean(SETTINGS) and lean(replace(SETTINGS, auth=AuthMethod.NEGOTIATE))
    assert not lean(replace(SETTINGS, auth=AuthMethod.KERBEROS))
    assert not lean(replace(SETTINGS, auth=AuthMethod.CREDSSP))
    assert not lean(replace(SETTINGS, auth=AuthMethod.NEGOTIATE, credentials=Credentials(None, None)))
    assert not lean(replace(SETTINGS, transport="pypsrp"))
    assert not hasattr(CollectorSession(host, replace(SETTINGS, transport="pypsrp"), "x", parse_collector_output),
                       "start_async")  # the runner then runs it in a thread
