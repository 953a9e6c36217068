"""Judging hosts: each one's verdicts (the evaluation engine) and, from them, its row of the matrix;
then the whole result of a run. Pure: no I/O.

It sits above both: the engine knows nothing of the matrix. Sessions that finish hand their outcome
here, in the scanning process or in a worker process (which receives ``judge_loaded`` by name);
``assemble`` builds the run's result, and history judges a stored run again with it.

Each process keeps a memo of verdicts (scanner.evaluate.memo) for the last few catalog and parameter
objects it judged with: the sweep's own, passed to every call, so a rule runs once per distinct input
it reads rather than once per host. ``memoize=False`` runs every rule on every host (the benchmark
compares the two); the verdicts are equal either way."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import cache
from typing import Any

from scanner.checks.catalog import Catalog, load_catalog
from scanner.evaluate.engine import EvaluationParams, evaluate_host, peer_facts
from scanner.evaluate.memo import RuleMemo
from scanner.matrix.build import build_cells
from scanner.model.evaluated import Evaluated
from scanner.model.intern import Interner
from scanner.model.matrix import Cell
from scanner.model.outcome import HostOutcome
from scanner.model.run import RunInfo, ScanResult
from scanner.model.verdict import Verdict

_MEMOS = 4  # scopes kept per process: a sweep has one; history re-judges a few runs in turn
_memos: OrderedDict[tuple[int, int], RuleMemo] = OrderedDict()
_memos_lock = threading.Lock()


def memo_for(catalog: Catalog, params: EvaluationParams) -> RuleMemo:
    """This process's memo for these very objects (identity, not equality: a memo holds both, so
    neither id is reused while it lives), made when first asked; the least recently used goes."""
    key = (id(catalog), id(params))
    with _memos_lock:
        memo = _memos.get(key)
        if memo is not None and memo.serves(catalog, params):
            _memos.move_to_end(key)
            return memo
        memo = _memos[key] = RuleMemo(catalog, params)
        while len(_memos) > _MEMOS:
            _memos.popitem(last=False)
        return memo


def judge(outcome: HostOutcome, catalog: Catalog, params: EvaluationParams, *, memoize: bool = True) -> Evaluated:
    """The verdicts and cells of ``outcome``."""
    memo = memo_for(catalog, params) if memoize else None
    verdicts = tuple(evaluate_host(outcome, catalog, params, memo))
    return Evaluated(outcome, verdicts, tuple(build_cells(outcome, verdicts, catalog, params.exchange_version)))


@cache
def _catalog() -> Catalog:
    return load_catalog()  # once per process: a worker judges every host it runs with it


def judge_loaded(outcome: HostOutcome, params: Any) -> Evaluated:
    """``judge`` with the packaged catalog, for worker processes (a module-level function pickles by name)."""
    return judge(outcome, _catalog(), params)


def assemble(info: RunInfo, outcomes: Sequence[HostOutcome], catalog: Catalog,
             params: EvaluationParams, evaluated: Mapping[str, Evaluated] | None = None,
             interner: Interner | None = None, *, memoize: bool = True) -> ScanResult:
    """Judge every outcome with ``catalog`` and build the matrix. Pure: no I/O.

    ``evaluated`` holds judgements worker processes already made with the same catalog and
    parameters; one is used only for the very outcome it judged. ``interner`` shares equal values
    between hosts as they are judged (values do not change; memory does)."""
    verdicts: dict[str, list[Verdict]] = {}
    cells: list[Cell] = []
    peers = peer_facts(outcomes)
    if peers and not params.peers:
        # some judgements read other hosts' facts (an Exchange 2010 server's own build): judge again with
        # the whole sweep as input; what was judged host by host did not have it
        params = replace(params, peers=peers)
        evaluated = None
    for o in outcomes:
        done = evaluated.get(o.host.name) if evaluated else None
        if done is None or done.outcome is not o:
            done = judge(o, catalog, params, memoize=memoize)
            if interner is not None:
                interner.verdicts(done.verdicts)
                interner.cells(done.cells)
        verdicts[o.host.name] = list(done.verdicts)
        cells.extend(done.cells)
    return ScanResult(info=info, roles=catalog.roles(params.exchange_version), outcomes=tuple(outcomes),
                      verdicts=verdicts, cells=tuple(cells), org=params.org)
