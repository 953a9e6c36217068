"""The spine: hosts -> collector sessions -> outcomes -> verdicts -> matrix, as one ScanResult.

``scan`` needs the network; ``assemble`` is pure and is also what re-evaluates saved facts offline.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from scanner import __version__
from scanner.checks.catalog import Catalog
from scanner.collect.observer import ScanObserver
from scanner.collect.runner import Session, SweepLimits, SweepRunner, SweepStats
from scanner.collect.session import CollectorSession
from scanner.evaluate.engine import EvaluationParams, evaluate_all
from scanner.facts.parse import parse_collector_output
from scanner.matrix.build import build_cells
from scanner.model.host import Host, Scheme
from scanner.model.outcome import HostOutcome
from scanner.model.run import RunInfo, ScanResult
from scanner.probes.collector import build_collector_script
from scanner.transport.settings import TransportSettings
from scanner.transport.tls import sweep_tls_context


@dataclass(frozen=True, slots=True)
class ScanRequest:
    hosts: tuple[Host, ...]
    transport: TransportSettings
    limits: SweepLimits
    params: EvaluationParams
    inventory_source: str
    prior: Mapping[str, HostOutcome] = field(default_factory=dict)  # resume: hosts already finished
    run_id: str | None = None


def new_run_id(now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return now.strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


async def scan(request: ScanRequest, catalog: Catalog, observers: Sequence[ScanObserver] = (),
               stop: asyncio.Event | None = None) -> tuple[ScanResult, SweepStats]:
    """Scan the hosts not in ``request.prior``; every inventory host ends with one outcome."""
    script = build_collector_script()
    info = RunInfo(
        run_id=request.run_id or new_run_id(), started_at=utc_now(), finished_at="",
        exchange_version=request.params.exchange_version, cu=request.params.cu,
        inventory_source=request.inventory_source, tool_version=__version__)
    for observer in observers:
        observer.run_started(info, request.hosts)

    tls = sweep_tls_context(request.transport) if _any_https(request) else None

    def factory(host: Host) -> Session:
        return CollectorSession(host, request.transport, script, parse_collector_output, tls)

    todo = [h for h in request.hosts if h.name not in request.prior]
    runner = SweepRunner(factory, request.limits, observers)
    fresh = {o.host.name: o for o in await runner.run(todo, stop)}
    outcomes = [request.prior.get(h.name) or fresh[h.name] for h in request.hosts]
    info = replace(info, finished_at=utc_now(), interrupted=runner.stats.interrupted,
                   breaker_opened=runner.stats.breaker_opened)
    result = assemble(info, outcomes, catalog, request.params)
    for observer in observers:
        observer.run_done(result)
    return result, runner.stats


def _any_https(request: ScanRequest) -> bool:
    return any((h.scheme or request.transport.scheme) is Scheme.HTTPS for h in request.hosts)


def assemble(info: RunInfo, outcomes: Sequence[HostOutcome], catalog: Catalog,
             params: EvaluationParams) -> ScanResult:
    """Judge every outcome with ``catalog`` and build the matrix. Pure: no I/O."""
    version = params.exchange_version
    verdicts = evaluate_all(outcomes, catalog, params)
    cells = [cell for o in outcomes for cell in build_cells(o, verdicts[o.host.name], catalog, version)]
    return ScanResult(info=info, roles=catalog.roles(version), outcomes=tuple(outcomes),
                      verdicts=verdicts, cells=tuple(cells), org=params.org)
