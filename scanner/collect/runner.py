"""The sweep orchestrator: asyncio, with a dedicated, sized thread pool for the sessions that need one.

A session on the lean path (NTLM and Basic, the default) is a task of this loop (``start_async``): it
waits on its socket without a thread, and at its deadline it is cut (``abort``) and cancelled. A
session run elsewhere (a worker process) is awaited the same way. pypsrp is synchronous, so a session
on its path (Kerberos, CredSSP, ``--transport pypsrp``) runs in a worker thread. asyncio-pool bounds
how many hosts are in flight; the executor is sized to match (the default executor would give 6
threads on 2 cores) and starts its threads only when such sessions come. ``asyncio`` cannot stop a
thread: when a host passes its deadline, its session's sockets are shut down
(``HostSession.abort``), which ends the thread's blocked read; a thread that still does not end
within a short grace is *abandoned*: counted, left to finish on its own, and kept from starving the
pool by a cap on how many may be abandoned at once (new hosts wait while the cap is reached).

Every host ends with exactly one outcome, whatever happens: a failure is a value, never an exception.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from asyncio_pool import AioPool

from scanner.collect.gc_tuning import sweep_gc
from scanner.collect.observer import ScanObserver
from scanner.model.host import Host
from scanner.model.outcome import HostOutcome, OutcomeKind

log = logging.getLogger(__name__)


class Session:
    """What the runner needs of a host session: run it in a thread, abort it from the loop."""

    def run_outcome(self) -> HostOutcome:  # pragma: no cover - protocol
        raise NotImplementedError

    def abort(self) -> None:  # pragma: no cover - protocol
        raise NotImplementedError

    def on_accepted(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` (from any thread) once the host has accepted the credential, before the
        collector has answered. A session that cannot tell says nothing: its outcome says it."""


SessionFactory = Callable[[Host], Session]


@dataclass(frozen=True, slots=True)
class SweepLimits:
    concurrency: int = 32
    deadline: float = 120.0  # per host, the transport's deadline; the runner adds ``grace`` on top
    grace: float = 3.0  # after the deadline (or an interrupt), how long a session gets to end
    abandon_cap: int = 0  # 0: as many as ``concurrency``
    breaker_threshold: int = 5  # consecutive authentication failures that stop the sweep; 0: off
    breaker_account: str = ""  # shown in the reason
    workers: int = 1  # processes that run sessions (collect.shard); 0: choose from the CPUs and hosts
    tune_gc: bool = True  # the garbage collector tuned for the sweep (collect.gc_tuning); False to measure without


@dataclass(slots=True)
class SweepStats:
    abandoned_threads: int = 0  # sessions that outlived deadline + grace
    abandoned_peak: int = 0
    breaker_opened: bool = False
    interrupted: bool = False
    workers: int = 1  # processes that ran the sessions
    peak_in_flight: int = 0  # the most sessions open at once
    started: float = field(default_factory=time.monotonic)
    finished: float = 0.0


class _Breaker:
    """Counts consecutive authentication failures with the sweep's one credential.

    Until the credential has worked (``proven``), the runner keeps the attempts still logging on plus
    the failures so far under the threshold, so a wrong password costs the account at most
    ``threshold`` failed logons, not one per concurrent host. Once it has worked, hosts run at full
    concurrency. An attempt whose host has accepted the logon can no longer fail it, so it does not
    count: a host that hangs after its logon does not hold the limit, which otherwise kept the sweep
    at a handful of sessions until every such host reached its deadline (each of the ten
    always-refusing hosts of bench/sweep.py's faulty site drained the sweep that way, for seconds).
    The first failure after that puts the credential in doubt (a password changed mid-sweep): the
    same limit applies again, until a host started after that failure accepts the credential. Hosts
    started earlier prove nothing: they logged on before the change, and their successes neither
    clear the doubt nor reset the count, so a stream of them cannot let new failures run on.

    Attempts are numbered in the order they start (``begin``); an outcome is recorded with its
    attempt's number (None: the host was never attempted)."""

    def __init__(self, threshold: int) -> None:
        self.threshold = threshold
        self.consecutive = 0
        self.open = False
        self.proven = threshold <= 0
        self._started = 0
        self._doubt_from = 0  # only attempts numbered from here on can prove the credential

    def begin(self) -> int:
        self._started += 1
        return self._started - 1

    def record(self, outcome: HostOutcome, attempt: int | None) -> None:
        if self.threshold <= 0 or attempt is None:
            return
        if outcome.kind is OutcomeKind.AUTH_FAILED:
            self.consecutive += 1
            if self.consecutive >= self.threshold:
                self.open = True
            if self.proven:
                self.proven = False
                self._doubt_from = self._started
            return
        if attempt < self._doubt_from:
            return  # logged on before the credential came into doubt
        if outcome.kind is OutcomeKind.OK:
            self.consecutive = 0
        if outcome.ok or (outcome.kind is OutcomeKind.PROBE_ERROR and outcome.auth_mechanism is not None):
            self.proven = True  # the host accepted the credential

    def accepted(self, attempt: int) -> None:
        """A host took the credential at logon: it works (unless the host started before a doubt)."""
        if self.threshold <= 0 or attempt < self._doubt_from:
            return
        self.proven = True
        self.consecutive = 0

    def may_start(self, logging_on: int) -> bool:
        """``logging_on``: attempts in flight whose host has not (yet) accepted the credential."""
        return self.open or self.proven or logging_on + self.consecutive < self.threshold


class SweepRunner:
    def __init__(self, factory: SessionFactory, limits: SweepLimits,
                 observers: Sequence[ScanObserver] = ()) -> None:
        if limits.concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self._factory = factory
        self._limits = limits
        self._observers = list(observers)
        self._cap = limits.abandon_cap or limits.concurrency
        self.stats = SweepStats()
        self._abandoned_now = 0
        self._in_flight = 0
        self._logging_on: set[int] = set()  # attempts in flight not yet accepted at logon
        self._gate: asyncio.Condition | None = None

    async def run(self, hosts: Sequence[Host], stop: asyncio.Event | None = None) -> list[HostOutcome]:
        """Scan ``hosts``; the result has one outcome per host, in the same order."""
        stop = stop or asyncio.Event()
        breaker = _Breaker(self._limits.breaker_threshold)
        self._gate = asyncio.Condition()
        results: list[HostOutcome | None] = [None] * len(hosts)
        executor = ThreadPoolExecutor(max_workers=self._limits.concurrency + self._cap,
                                      thread_name_prefix="exready-host")
        stop_task: asyncio.Future[Any] = asyncio.ensure_future(stop.wait())
        stop_task.add_done_callback(lambda _: asyncio.get_running_loop().create_task(self._wake())
                                    if not stop_task.cancelled() else None)
        try:
            with sweep_gc(self._limits.tune_gc):
                async with AioPool(size=self._limits.concurrency) as pool:
                    for index, host in enumerate(hosts):
                        await pool.spawn(self._one(index, host, results, executor, breaker, stop, stop_task))
        finally:
            stop_task.cancel()
            # Abandoned threads finish on their own; don't wait for them here.
            executor.shutdown(wait=False, cancel_futures=True)
        self.stats.finished = time.monotonic()
        self.stats.breaker_opened = breaker.open
        self.stats.interrupted = stop.is_set()
        return [r if r is not None else _lost(h) for r, h in zip(results, hosts, strict=True)]

    async def _one(self, index: int, host: Host, results: list[HostOutcome | None],
                   executor: ThreadPoolExecutor, breaker: _Breaker, stop: asyncio.Event,
                   stop_task: asyncio.Future[Any]) -> None:
        attempt: list[int] = []  # the breaker's number for this host's attempt, once it starts
        try:
            outcome = await self._scan(host, executor, breaker, stop, stop_task, attempt)
        except Exception as exc:  # a bug in the runner must still leave the host an outcome
            log.exception("internal error while scanning %s", host.name)
            outcome = HostOutcome(host, OutcomeKind.PROBE_ERROR, f"internal error: {type(exc).__name__}")
        breaker.record(outcome, attempt[0] if attempt else None)
        results[index] = outcome
        self._notify("host_done", outcome)
        await self._wake()  # a finished host may let a waiting one start

    async def _scan(self, host: Host, executor: ThreadPoolExecutor, breaker: _Breaker,
                    stop: asyncio.Event, stop_task: asyncio.Future[Any], attempt: list[int]) -> HostOutcome:
        if stop.is_set():
            return HostOutcome(host, OutcomeKind.INTERRUPTED, "the sweep was interrupted before this host")
        if breaker.open:
            return HostOutcome(host, OutcomeKind.NOT_ATTEMPTED, self._breaker_reason())
        await self._wait_for_room(breaker, stop)
        if stop.is_set():
            return HostOutcome(host, OutcomeKind.INTERRUPTED, "the sweep was interrupted before this host")
        if breaker.open:
            return HostOutcome(host, OutcomeKind.NOT_ATTEMPTED, self._breaker_reason())
        self._in_flight += 1
        self.stats.peak_in_flight = max(self.stats.peak_in_flight, self._in_flight)
        attempt.append(breaker.begin())
        self._logging_on.add(attempt[0])
        try:
            return await self._attempt(host, executor, stop, stop_task, breaker, attempt[0])
        finally:
            self._in_flight -= 1
            self._logging_on.discard(attempt[0])

    async def _attempt(self, host: Host, executor: ThreadPoolExecutor, stop: asyncio.Event,
                       stop_task: asyncio.Future[Any], breaker: _Breaker, attempt: int) -> HostOutcome:
        self._notify("host_started", host)
        started = time.monotonic()
        session = self._factory(host)
        loop = asyncio.get_running_loop()

        def accepted() -> None:  # the session's thread: hand it to the loop, which owns the breaker
            loop.call_soon_threadsafe(self._accepted, breaker, attempt)

        session.on_accepted(accepted)
        start_async = getattr(session, "start_async", None)
        # A session run elsewhere (a worker process) needs no thread here to wait for it.
        future: asyncio.Future[Any] = start_async() if start_async is not None \
            else loop.run_in_executor(executor, session.run_outcome)
        limit = self._limits.deadline + self._limits.grace
        done, _ = await asyncio.wait({future, stop_task}, timeout=limit,
                                     return_when=asyncio.FIRST_COMPLETED)
        if future in done:
            return _outcome(future)
        if stop.is_set():
            kind, reason = OutcomeKind.INTERRUPTED, "the sweep was interrupted while this host was scanned"
            done, _ = await asyncio.wait({future}, timeout=self._limits.grace)
            if future in done:
                return _outcome(future)
        else:
            kind = OutcomeKind.TIMEOUT
            reason = f"no complete answer within the {self._limits.deadline:g} s deadline"
        session.abort()
        done, _ = await asyncio.wait({future}, timeout=self._limits.grace)
        if future not in done:
            self._abandon(future)
        return HostOutcome(host, kind, reason, duration_s=time.monotonic() - started)

    def _breaker_reason(self) -> str:
        account = f" with {self._limits.breaker_account}" if self._limits.breaker_account else ""
        # the outcome's kind (not_attempted) already says so: the reason gives why, without repeating it
        return (f"authentication breaker ({self._limits.breaker_threshold} consecutive "
                f"authentication failures{account}; stopped so the account is not locked out)")

    async def _wait_for_room(self, breaker: _Breaker, stop: asyncio.Event) -> None:
        """Until the abandoned-thread cap leaves room and the breaker allows one more attempt (or
        the sweep stops, or the breaker opens: the caller then says why the host was skipped)."""
        assert self._gate is not None
        async with self._gate:
            await self._gate.wait_for(lambda: stop.is_set() or breaker.open or (
                self._abandoned_now < self._cap and breaker.may_start(len(self._logging_on))))

    def _abandon(self, future: asyncio.Future[Any]) -> None:
        self.stats.abandoned_threads += 1
        self._abandoned_now += 1
        self.stats.abandoned_peak = max(self.stats.abandoned_peak, self._abandoned_now)
        loop = asyncio.get_running_loop()

        def released(_: asyncio.Future[Any]) -> None:
            self._abandoned_now -= 1
            loop.create_task(self._wake())

        future.add_done_callback(released)

    def _accepted(self, breaker: _Breaker, attempt: int) -> None:
        was = breaker.proven
        counted = attempt in self._logging_on
        self._logging_on.discard(attempt)  # past its logon: it cannot cost the account a failure now
        breaker.accepted(attempt)
        if (breaker.proven and not was) or (counted and not breaker.proven):
            asyncio.get_running_loop().create_task(self._wake())  # the hosts held back may start now

    async def _wake(self) -> None:
        assert self._gate is not None
        async with self._gate:
            self._gate.notify_all()

    def _notify(self, hook: str, arg: object) -> None:
        for observer in list(self._observers):
            try:
                getattr(observer, hook)(arg)
            except Exception:
                log.exception("observer %s failed in %s; it is switched off", type(observer).__name__, hook)
                self._observers.remove(observer)


def _outcome(future: asyncio.Future[Any]) -> HostOutcome:
    result = future.result()
    assert isinstance(result, HostOutcome)
    return result


def _lost(host: Host) -> HostOutcome:
    return HostOutcome(host, OutcomeKind.PROBE_ERROR, "internal error: the host had no outcome")
