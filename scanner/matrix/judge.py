"""Judging hosts: each one's verdicts (the evaluation engine) and, from them, its row of the matrix;
then the whole result of a run. Pure: no I/O.

It sits above both: the engine knows nothing of the matrix. Sessions that finish hand their outcome
here, in the scanning process or in a worker process (which receives ``judge_loaded`` by name);
``assemble`` builds the run's result, and history judges a stored run again with it.

Each process keeps a memo of verdicts (scanner.evaluate.memo) for the last few catalog and parameter
objects it judged with: the sweep's own, passed to every call, so a rule runs once per distinct input
it reads rather than once per host; and, with it, the cells of each distinct (outcome, verdicts) input
of ``build_cells``. ``memoize=False`` runs every rule and builds every cell on every host (the
benchmark compares the two); verdicts and cells are equal either way."""

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
from scanner.model.verdict import Status, Verdict

_MEMOS = 4  # scopes kept per process: a sweep has one; history re-judges a few runs in turn
_CELL_ROWS = 512  # distinct cell inputs kept per scope; past that the table starts again
_QUIET = (Status.PASS, Status.NOT_APPLICABLE)  # what build_cells passes over alike


class CellTable:
    """The cells of each distinct input of build_cells met in one scope, but for the host's name."""

    def __init__(self) -> None:
        self.rows: dict[Any, tuple[Cell, ...]] = {}
        self._ids: dict[tuple[str, ...], tuple[str, ...]] = {}  # one copy of each sequence of rule ids

    def key(self, outcome: HostOutcome, verdicts: Sequence[Verdict]) -> Any:
        """Everything of its inputs build_cells reads, but the host's name: how the scan ended (and why,
        when it failed), the rules judged, in order, and each verdict that is not a pass or not
        applicable (build_cells passes over both alike): its status and reason, and its detail when it
        is unknown (the cell's reason quotes it)."""
        ids = tuple([v.rule_id for v in verdicts])
        ids = self._ids.setdefault(ids, ids) if len(self._ids) < _CELL_ROWS else ids
        marks = tuple([(i, v.status, v.reason, v.detail if v.status is Status.UNKNOWN else "")
                       for i, v in enumerate(verdicts) if v.status not in _QUIET])
        return outcome.kind, "" if outcome.ok else outcome.reason, ids, marks


_memos: OrderedDict[tuple[int, int], tuple[RuleMemo, CellTable]] = OrderedDict()
_memos_lock = threading.Lock()


def memos_for(catalog: Catalog, params: EvaluationParams) -> tuple[RuleMemo, CellTable]:
    """This process's verdict memo and cell table for these very objects (see memo_for)."""
    key = (id(catalog), id(params))
    with _memos_lock:
        found = _memos.get(key)
        if found is not None and found[0].serves(catalog, params):
            _memos.move_to_end(key)
            return found
        found = _memos[key] = (RuleMemo(catalog, params), CellTable())
        while len(_memos) > _MEMOS:
            _memos.popitem(last=False)
        return found


def memo_for(catalog: Catalog, params: EvaluationParams) -> RuleMemo:
    """This process's memo for these very objects (identity, not equality: a memo holds both, so
    neither id is reused while it lives), made when first asked; the least recently used goes."""
    return memos_for(catalog, params)[0]


def cells_of(outcome: HostOutcome, verdicts: Sequence[Verdict], catalog: Catalog, version: str,
             table: CellTable | None) -> tuple[Cell, ...]:
    """build_cells, or the cells an earlier host with the same input got (in ``table``), with this host's name."""
    if table is None or not outcome.ok:
        # a host that was not scanned: its reason (an address, an error) is its own, and each of its
        # verdicts quotes it, so its cells would only fill the table
        return tuple(build_cells(outcome, verdicts, catalog, version))
    key = table.key(outcome, verdicts)
    known = table.rows.get(key)
    if known is None:
        known = tuple(build_cells(outcome, verdicts, catalog, version))
        if len(table.rows) >= _CELL_ROWS:
            table.rows.clear()
        table.rows[key] = known
    host = outcome.host.name
    return tuple([c if c.host == host else Cell(host=host, role=c.role, status=c.status, blocking=c.blocking,
                                                warnings=c.warnings, unknown=c.unknown, reason=c.reason)
                  for c in known])


def judge(outcome: HostOutcome, catalog: Catalog, params: EvaluationParams, *, memoize: bool = True) -> Evaluated:
    """The verdicts and cells of ``outcome``."""
    memo, rows = memos_for(catalog, params) if memoize else (None, None)
    verdicts = tuple(evaluate_host(outcome, catalog, params, memo))
    return Evaluated(outcome, verdicts, cells_of(outcome, verdicts, catalog, params.exchange_version, rows))


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
