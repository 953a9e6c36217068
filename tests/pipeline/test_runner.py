"""The sweep runner over fake sessions: one outcome per host whatever the sessions do."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from scanner.collect.observer import NullObserver
from scanner.collect.runner import Session, SweepLimits, SweepRunner
from scanner.model.host import Host
from scanner.model.outcome import HostOutcome, OutcomeKind


class FakeSession(Session):
    def __init__(self, host: Host, behave: Callable[[FakeSession], HostOutcome]) -> None:
        self.host = host
        self.aborted = threading.Event()
        self._behave = behave

    def run_outcome(self) -> HostOutcome:
        return self._behave(self)

    def abort(self) -> None:
        self.aborted.set()


def ok(s: FakeSession) -> HostOutcome:
    return HostOutcome(s.host, OutcomeKind.OK)


def hosts(n: int) -> list[Host]:
    return [Host(name=f"H{i:03d}") for i in range(n)]


def run(runner: SweepRunner, targets: list[Host], stop: asyncio.Event | None = None) -> list[HostOutcome]:
    return asyncio.run(runner.run(targets, stop))


def test_every_host_one_outcome_in_order_and_concurrency_bounded() -> None:
    lock = threading.Lock()
    live = [0, 0]  # now, peak

    def busy(s: FakeSession) -> HostOutcome:
        with lock:
            live[0] += 1
            live[1] = max(live[1], live[0])
        s.aborted.wait(0.01)
        with lock:
            live[0] -= 1
        return ok(s)

    targets = hosts(50)
    out = run(SweepRunner(lambda h: FakeSession(h, busy), SweepLimits(concurrency=4)), targets)
    assert [o.host.name for o in out] == [h.name for h in targets]
    assert all(o.kind is OutcomeKind.OK for o in out)
    assert 1 < live[1] <= 4


def test_deadline_aborts_the_session_and_the_thread_ends() -> None:
    def hang_until_aborted(s: FakeSession) -> HostOutcome:
        s.aborted.wait(30)
        return HostOutcome(s.host, OutcomeKind.TIMEOUT, "cut")

    runner = SweepRunner(lambda h: FakeSession(h, hang_until_aborted),
                         SweepLimits(concurrency=2, deadline=0.2, grace=1.0))
    out = run(runner, hosts(2))
    assert [o.kind for o in out] == [OutcomeKind.TIMEOUT, OutcomeKind.TIMEOUT]
    assert "0.2 s deadline" in out[0].reason
    assert runner.stats.abandoned_threads == 0


def test_a_thread_that_ignores_abort_is_abandoned_and_counted() -> None:
    release = threading.Event()

    def stubborn(s: FakeSession) -> HostOutcome:
        release.wait(30)
        return ok(s)

    runner = SweepRunner(lambda h: FakeSession(h, stubborn if h.name == "H000" else ok),
                         SweepLimits(concurrency=2, deadline=0.1, grace=0.1, abandon_cap=1))
    try:
        out = run(runner, hosts(5))
    finally:
        release.set()
    assert out[0].kind is OutcomeKind.TIMEOUT
    assert [o.kind for o in out[1:]] == [OutcomeKind.OK] * 4
    assert runner.stats.abandoned_threads == 1 and runner.stats.abandoned_peak == 1


def test_abandon_cap_makes_new_hosts_wait_for_stuck_threads() -> None:
    release = threading.Event()
    order: list[str] = []

    def stubborn(s: FakeSession) -> HostOutcome:
        release.wait(30)
        return ok(s)

    def record(s: FakeSession) -> HostOutcome:
        order.append(s.host.name)
        return ok(s)

    class Releaser(NullObserver):
        def host_done(self, outcome: HostOutcome) -> None:
            if outcome.host.name == "H000":  # abandoned now: let the stuck thread go a bit later
                threading.Timer(0.3, release.set).start()

    runner = SweepRunner(lambda h: FakeSession(h, stubborn if h.name == "H000" else record),
                         SweepLimits(concurrency=1, deadline=0.05, grace=0.05, abandon_cap=1), [Releaser()])
    out = run(runner, hosts(3))
    assert [o.kind for o in out] == [OutcomeKind.TIMEOUT, OutcomeKind.OK, OutcomeKind.OK]
    assert order == ["H001", "H002"]
    assert release.is_set()  # H001 could only start once the abandoned thread had ended


def test_auth_breaker_stops_using_the_credential() -> None:
    def denied(s: FakeSession) -> HostOutcome:
        return HostOutcome(s.host, OutcomeKind.AUTH_FAILED, "wrong password")

    runner = SweepRunner(lambda h: FakeSession(h, denied),
                         SweepLimits(concurrency=1, breaker_threshold=3, breaker_account="CORP\\svc"))
    out = run(runner, hosts(10))
    assert [o.kind for o in out[:3]] == [OutcomeKind.AUTH_FAILED] * 3
    assert all(o.kind is OutcomeKind.NOT_ATTEMPTED for o in out[3:])
    assert "authentication breaker" in out[3].reason and "CORP\\svc" in out[3].reason
    assert runner.stats.breaker_opened


def test_breaker_counts_consecutive_failures_only() -> None:
    def alternate(s: FakeSession) -> HostOutcome:
        kind = OutcomeKind.AUTH_FAILED if int(s.host.name[1:]) % 2 else OutcomeKind.OK
        return HostOutcome(s.host, kind)

    runner = SweepRunner(lambda h: FakeSession(h, alternate), SweepLimits(concurrency=1, breaker_threshold=2))
    out = run(runner, hosts(10))
    assert OutcomeKind.NOT_ATTEMPTED not in {o.kind for o in out}
    assert not runner.stats.breaker_opened


def test_interrupt_marks_unstarted_and_in_flight_hosts() -> None:
    stop_box: list[asyncio.Event] = []
    started = threading.Event()

    def first_stops_the_sweep(s: FakeSession) -> HostOutcome:
        if s.host.name == "H000":
            started.set()
            s.aborted.wait(30)  # in flight when the stop comes; ends only when aborted
            return HostOutcome(s.host, OutcomeKind.TIMEOUT, "cut")
        return ok(s)

    async def main() -> list[HostOutcome]:
        stop = asyncio.Event()
        stop_box.append(stop)
        runner = SweepRunner(lambda h: FakeSession(h, first_stops_the_sweep),
                             SweepLimits(concurrency=1, deadline=30, grace=0.2))

        async def stopper() -> None:
            while not started.is_set():
                await asyncio.sleep(0.01)
            stop.set()

        task = asyncio.create_task(stopper())
        result = await runner.run(hosts(4), stop)
        await task
        assert runner.stats.interrupted
        return result

    out = asyncio.run(main())
    assert [o.kind for o in out] == [OutcomeKind.INTERRUPTED] * 4
    assert "while this host was scanned" in out[0].reason
    assert "before this host" in out[1].reason


def test_a_failing_observer_is_switched_off_and_the_sweep_goes_on() -> None:
    seen: list[str] = []

    class Broken(NullObserver):
        def host_done(self, outcome: HostOutcome) -> None:
            raise RuntimeError("observer bug")

    class Counting(NullObserver):
        def host_done(self, outcome: HostOutcome) -> None:
            seen.append(outcome.host.name)

    out = run(SweepRunner(lambda h: FakeSession(h, ok), SweepLimits(concurrency=2), [Broken(), Counting()]), hosts(5))
    assert len(out) == 5 and len(seen) == 5


def test_a_session_that_raises_still_gives_its_host_an_outcome() -> None:
    def boom(s: FakeSession) -> HostOutcome:
        raise RuntimeError("bug")

    out = run(SweepRunner(lambda h: FakeSession(h, boom), SweepLimits(concurrency=2)), hosts(3))
    assert [o.kind for o in out] == [OutcomeKind.PROBE_ERROR] * 3
