"""Judge a stored sweep again with today's rules, from the raw facts kept for every host. No network."""

from __future__ import annotations

from scanner.checks.catalog import Catalog
from scanner.evaluate.engine import EvaluationParams
from scanner.matrix.judge import assemble
from scanner.model.run import ScanResult


def reevaluate(
    result: ScanResult, catalog: Catalog, exchange: str | None = None, cu: int | None = None
) -> ScanResult:
    """The same outcomes and facts, with verdicts and cells from ``catalog``. The target version and
    CU default to the sweep's own; the AD facts are the ones the sweep read."""
    params = EvaluationParams(
        exchange_version=exchange or result.info.exchange_version,
        cu=cu if cu is not None else result.info.cu,
        org=result.org,
    )
    return assemble(result.info, result.outcomes, catalog, params)
