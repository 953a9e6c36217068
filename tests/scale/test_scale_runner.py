"""Runner behaviour at scale, over fake sessions: the breaker's limit on attempts while the
credential is unproven, and an interrupt that reaches hosts waiting behind abandoned threads."""

from __future__ import annotations

import asyncio
import threading
import time

from scanner.collect.runner import Session, SweepLimits, SweepRunner
from scanner.model.host import Host
from scanner.model.outcome import HostOutcome, OutcomeKind


class Fake(Session):
    def __init__(self, host: Host, kind: OutcomeKind, hold: float, live: list[int], lock: threading.Lock,
                 release: threading.Event | None = None) -> None:
        self.host, self.kind, self.hold, self.live, self.lock, self.release = host, kind, hold, live, lock, release
        self.cut = threading.Event()

    def run_outcome(self) -> HostOutcome:
        with self.lock:
            self.live[0] += 1
            self.live[1] = max(self.live[1], self.live[0])
            self.live[2] += 1
        try:
            if self.release is not None:
                self.release.wait(30)  # ignores abort: the runner must abandon it
            else:
                self.cut.wait(self.hold)
            return HostOutcome(self.host, self.kind)
        finally:
            with self.lock:
                self.live[0] -= 1

    def abort(self) -> None:
        self.cut.set()


def hosts(n: int) -> list[Host]:
    return [Host(name=f"H{i:03d}") for i in range(n)]


def test_a_credential_that_never_worked_is_tried_on_at_most_threshold_hosts() -> None:
    live = [0, 0, 0]  # in flight now, peak, attempts
    lock = threading.Lock()
    runner = SweepRunner(lambda h: Fake(h, OutcomeKind.AUTH_FAILED, 0.05, live, lock),
                         SweepLimits(concurrency=20, breaker_threshold=3))
    out = asyncio.run(runner.run(hosts(40)))
    assert live[2] == 3 and live[1] <= 3  # never more attempts than the threshold, even at concurrency 20
    assert [o.kind for o in out].count(OutcomeKind.AUTH_FAILED) == 3
    assert [o.kind for o in out].count(OutcomeKind.NOT_ATTEMPTED) == 37
    assert runner.stats.breaker_opened


def test_once_the_credential_worked_hosts_run_at_full_concurrency() -> None:
    live = [0, 0, 0]
    lock = threading.Lock()
    runner = SweepRunner(lambda h: Fake(h, OutcomeKind.OK, 0.05, live, lock),
                         SweepLimits(concurrency=10, breaker_threshold=3))
    out = asyncio.run(runner.run(hosts(60)))
    assert all(o.kind is OutcomeKind.OK for o in out)
    assert live[1] > 3  # the gate opened after the first success
    assert live[1] <= 10


def test_an_interrupt_reaches_hosts_waiting_behind_abandoned_threads() -> None:
    live = [0, 0, 0]
    lock = threading.Lock()
    release = threading.Event()

    def factory(h: Host) -> Session:
        stuck = h.name in ("H000", "H001")
        return Fake(h, OutcomeKind.OK, 0.01, live, lock, release if stuck else None)

    async def main() -> tuple[list[HostOutcome], float]:
        stop = asyncio.Event()
        # A cap of 1: once the first stuck thread is abandoned no new host may start, whenever the
        # second one is abandoned (with a cap of 2 a waiting host could slip in between the two).
        runner = SweepRunner(factory, SweepLimits(concurrency=2, deadline=0.1, grace=0.1, abandon_cap=1,
                                                  breaker_threshold=0))
        task = asyncio.ensure_future(runner.run(hosts(6), stop))
        await asyncio.sleep(1.0)  # both stuck threads are abandoned now; the rest wait for room
        stop.set()
        started = time.monotonic()
        out = await asyncio.wait_for(task, 10)
        return out, time.monotonic() - started

    try:
        out, took = asyncio.run(main())
    finally:
        release.set()
    assert [o.kind for o in out[:2]] == [OutcomeKind.TIMEOUT, OutcomeKind.TIMEOUT]
    assert all(o.kind is OutcomeKind.INTERRUPTED for o in out[2:])
    assert live[2] == 2  # nobody else was started while the cap was reached
    assert took < 5  # the waiting hosts did not wait for the stuck threads (30 s)
