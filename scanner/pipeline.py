"""The spine: hosts -> collector sessions -> outcomes -> verdicts -> matrix, as one ScanResult.

``scan`` needs the network; ``assemble`` is pure and is also what re-evaluates saved facts offline.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from scanner import __version__
from scanner.checks.catalog import Catalog
from scanner.collect.observer import NullObserver, ScanObserver
from scanner.collect.order import slow_first
from scanner.collect.runner import Session, SweepLimits, SweepRunner, SweepStats
from scanner.collect.session import CollectorSession, collector_for
from scanner.collect.shard import ShardPool
from scanner.evaluate.engine import EvaluationParams
from scanner.facts.parse import parse_collector_output
from scanner.i18n import t
from scanner.matrix.judge import assemble, judge, judge_loaded
from scanner.model.evaluated import Evaluated
from scanner.model.host import Host, Scheme
from scanner.model.intern import Interner
from scanner.model.outcome import HostOutcome
from scanner.model.run import RunInfo, ScanResult
from scanner.transport.lean_session import lean_applies
from scanner.transport.settings import TransportSettings
from scanner.transport.tls import sweep_tls_context

log = logging.getLogger(__name__)

# "auto" workers: below this many hosts, starting processes costs more than it saves.
AUTO_SHARD_MIN_HOSTS = 200
AUTO_SHARD_MAX_WORKERS = 4


@dataclass(frozen=True, slots=True)
class ScanRequest:
    hosts: tuple[Host, ...]
    transport: TransportSettings
    limits: SweepLimits
    params: EvaluationParams
    inventory_source: str
    prior: Mapping[str, HostOutcome] = field(default_factory=dict)  # resume: hosts already finished
    run_id: str | None = None
    # seconds each host is expected to take (from the last run): the slow ones start first
    expected: Mapping[str, float] = field(default_factory=dict)


def new_run_id(now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return now.strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


async def scan(request: ScanRequest, catalog: Catalog, observers: Sequence[ScanObserver] = (),
               stop: asyncio.Event | None = None) -> tuple[ScanResult, SweepStats]:
    """Scan the hosts not in ``request.prior``; every inventory host ends with one outcome."""
    script = collector_for  # each host gets the collector dialect its PSRP handshake calls for
    info = RunInfo(
        run_id=request.run_id or new_run_id(), started_at=utc_now(), finished_at="",
        exchange_version=request.params.exchange_version, cu=request.params.cu,
        inventory_source=request.inventory_source, tool_version=__version__)
    for observer in observers:
        observer.run_started(info, request.hosts)

    https = _any_https(request)
    if request.transport.transport == "lean":
        on_pypsrp = sum(1 for h in request.hosts if not lean_applies(h, request.transport))
        if on_pypsrp:
            log.info("%s", t("pypsrp_for_some_hosts", count=on_pypsrp))
    todo = slow_first([h for h in request.hosts if h.name not in request.prior], request.expected)
    workers = effective_workers(request.limits.workers, len(todo))
    evaluated: Mapping[str, Evaluated] = {}
    interner = Interner()  # thousands of hosts share most of their facts' and verdicts' values
    if workers > 1:
        # Sessions (and their evaluation) run in worker processes; the runner stays here.
        shards = ShardPool(workers, request.transport, script, judge_loaded, request.params, https,
                           tune_gc=request.limits.tune_gc)
        try:
            await asyncio.get_running_loop().run_in_executor(None, shards.start)
        except Exception as exc:  # noqa: BLE001 - any failure to start them: scan here instead
            log.warning("exready: worker processes could not start (%s: %s); scanning in this process",
                        type(exc).__name__, exc)
            workers = 1
    if workers > 1:
        try:
            runner = SweepRunner(shards.session, request.limits, observers)
            fresh = {o.host.name: o for o in await runner.run(todo, stop)}
        finally:
            shards.close()
        runner.stats.workers = workers
        evaluated, interner = shards.evaluated, shards.interner
    else:
        tls = sweep_tls_context(request.transport) if https else None

        def factory(host: Host) -> Session:
            return CollectorSession(host, request.transport, script, parse_collector_output, tls, interner)

        judge = _Judge(catalog, request.params, interner)
        runner = SweepRunner(factory, request.limits, [judge, *observers])
        fresh = {o.host.name: o for o in await runner.run(todo, stop)}
        evaluated = judge.evaluated
    outcomes = [request.prior.get(h.name) or fresh[h.name] for h in request.hosts]
    info = replace(info, finished_at=utc_now(), interrupted=runner.stats.interrupted,
                   breaker_opened=runner.stats.breaker_opened)
    result = assemble(info, outcomes, catalog, request.params, evaluated, interner)
    for observer in observers:
        observer.run_done(result)
    return result, runner.stats


class _Judge(NullObserver):
    """Judges each fresh outcome as it arrives, while other hosts are still on the network, as worker
    processes do for theirs: ``assemble`` then has only what was never judged left to do."""

    def __init__(self, catalog: Catalog, params: EvaluationParams, interner: Interner) -> None:
        self._catalog = catalog
        self._params = params
        self._interner = interner
        self.evaluated: dict[str, Evaluated] = {}

    def host_done(self, outcome: HostOutcome) -> None:
        done = judge(outcome, self._catalog, self._params)
        self._interner.verdicts(done.verdicts)
        self._interner.cells(done.cells)
        self.evaluated[outcome.host.name] = done


def _any_https(request: ScanRequest) -> bool:
    return any((h.scheme or request.transport.scheme) is Scheme.HTTPS for h in request.hosts)


def effective_workers(asked: int, hosts: int) -> int:
    """``asked`` worker processes, or for 0 ("auto"): one per CPU but one (at most 4) once there are
    enough hosts to repay starting them, else none beyond this process. The core left is the sweep's
    own process: it runs the orchestration and takes every worker's results (pickled outcomes and
    verdicts). On 2 cores, where that leaves one worker, the sweep stays in one process: two workers
    there cost more CPU per host and twice the memory for the same wall time (bench/slow_sweep.py:
    5,000 slow hosts at concurrency 2,000, 4.8 ms and 241 MB in one process, 7.3 ms and 497 MB with
    two workers; bench/sweep.py's faulty site: 107.9 s and 108.4 s)."""
    if asked > 0:
        return max(1, min(asked, hosts))
    if hosts < AUTO_SHARD_MIN_HOSTS:
        return 1
    return max(1, min((os.cpu_count() or 1) - 1, AUTO_SHARD_MAX_WORKERS))
