"""The authentication breaker learns that the credential works when a host accepts it at logon, not
when the collector answers: on servers that take seconds to run it, an untested credential otherwise
kept the sweep to a handful of sessions for the whole first answer time."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from scanner.collect.runner import Session, SweepLimits, SweepRunner
from scanner.model.host import Host
from scanner.model.outcome import HostOutcome, OutcomeKind


class LogonThenWait(Session):
    """Logs on at once (and says so when ``tells``), then answers only when the test lets it."""

    def __init__(self, host: Host, release: threading.Event, tells: bool, live: list[int],
                 lock: threading.Lock) -> None:
        self.host = host
        self._release = release
        self._tells = tells
        self._live = live
        self._lock = lock
        self._accepted: Callable[[], None] | None = None

    def on_accepted(self, callback: Callable[[], None]) -> None:
        self._accepted = callback

    def run_outcome(self) -> HostOutcome:
        with self._lock:
            self._live[0] += 1
            self._live[1] = max(self._live[1], self._live[0])
            reached = self._live[1]
        if self._tells and self._accepted is not None:
            self._accepted()
        if reached >= 20:
            self._release.set()  # enough sessions open together: let them all answer
        self._release.wait(10)
        with self._lock:
            self._live[0] -= 1
            if len(self._live) == 2:
                self._live.append(self._live[1])  # how many were open together before the first answer
        return HostOutcome(self.host, OutcomeKind.OK, auth_mechanism="ntlm")

    def abort(self) -> None:
        self._release.set()


def _peak(tells: bool) -> int:
    release = threading.Event()
    live = [0, 0]
    lock = threading.Lock()
    runner = SweepRunner(lambda h: LogonThenWait(h, release, tells, live, lock),
                         SweepLimits(concurrency=20, deadline=30, breaker_threshold=5))
    if not tells:
        threading.Timer(1.0, release.set).start()  # nobody says anything: the first answers end the wait
    asyncio.run(runner.run([Host(name=f"H{i:02d}") for i in range(40)]))
    return live[2]


def test_sessions_open_up_to_the_concurrency_once_a_host_has_accepted_the_credential() -> None:
    # before any host has answered, all 20 sessions are open: the first logon proved the credential
    assert _peak(tells=True) == 20


def test_without_that_signal_the_untested_credential_holds_the_sweep_to_the_threshold() -> None:
    # the breaker's own guard: until an outcome proves the credential, attempts in flight (plus the
    # failures so far, none here) stay within the threshold
    assert _peak(tells=False) == 5


def test_a_logon_accepted_before_a_doubt_does_not_clear_it() -> None:
    from scanner.collect.runner import _Breaker

    breaker = _Breaker(5)
    early = breaker.begin()  # started before the password changed
    breaker.accepted(breaker.begin())
    assert breaker.proven
    breaker.record(HostOutcome(Host(name="A"), OutcomeKind.AUTH_FAILED), breaker.begin())
    assert not breaker.proven and breaker.consecutive == 1
    breaker.accepted(early)  # it logged on before the change: proves nothing now
    assert not breaker.proven and breaker.consecutive == 1
    breaker.accepted(breaker.begin())  # a host started after the doubt took it: it works again
    assert breaker.proven and breaker.consecutive == 0



@dataclass
class World:
    release: threading.Event = field(default_factory=threading.Event)
    logged_on: threading.Semaphore = field(default_factory=lambda: threading.Semaphore(0))
    stalls_done: list[str] = field(default_factory=list)
    probe_saw_done: list[str] | None = None


class Scripted(Session):
    """A host for the drain test: ``STALL`` logs on then waits (for the test's release, at most 5 s);
    ``REFUSE`` fails its logon once the stalling hosts have logged on; ``PROBE`` logs on and notes
    which stalling hosts had ended when it started."""

    def __init__(self, host: Host, world: World) -> None:
        self.host = host
        self._world = world
        self._accepted: Callable[[], None] | None = None

    def on_accepted(self, callback: Callable[[], None]) -> None:
        self._accepted = callback

    def run_outcome(self) -> HostOutcome:
        w = self._world
        kind = self.host.name.rstrip("0123456789")
        if kind == "REFUSE":
            for _ in range(4):
                w.logged_on.acquire(timeout=5)
            return HostOutcome(self.host, OutcomeKind.AUTH_FAILED, "401")
        assert self._accepted is not None
        self._accepted()
        if kind == "STALL":
            w.logged_on.release()
            w.release.wait(5)
            w.stalls_done.append(self.host.name)
        else:
            w.probe_saw_done = list(w.stalls_done)
            w.release.set()
        return HostOutcome(self.host, OutcomeKind.OK, auth_mechanism="ntlm")

    def abort(self) -> None:
        self._world.release.set()


def test_hosts_stalled_after_their_logon_do_not_hold_new_hosts_back_after_a_refusal() -> None:
    # Four hosts log on, then stall (a hung collector); a fifth refuses the logon, which puts the
    # credential in doubt. The stalled hosts can no longer fail a logon, so the next host starts
    # at once instead of waiting for them to reach their deadline with the sweep down to them.
    world = World()
    hosts = [Host(name=f"STALL{i}") for i in range(4)] + [Host(name="REFUSE0"), Host(name="PROBE0")]
    runner = SweepRunner(lambda h: Scripted(h, world), SweepLimits(concurrency=5, deadline=30, breaker_threshold=5))
    outcomes = asyncio.run(runner.run(hosts))
    assert [o.kind for o in outcomes] == [OutcomeKind.OK] * 4 + [OutcomeKind.AUTH_FAILED, OutcomeKind.OK]
    assert world.probe_saw_done == []  # it started while all four still stalled
