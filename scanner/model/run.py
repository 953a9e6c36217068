"""One sweep's result: the single normalized model every exporter and the history store consume."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from scanner.model.facts import OrgFacts
from scanner.model.matrix import Cell, CellStatus
from scanner.model.outcome import HostOutcome
from scanner.model.verdict import Verdict


@dataclass(frozen=True, slots=True)
class RunInfo:
    run_id: str
    started_at: str  # ISO 8601, UTC
    finished_at: str
    exchange_version: str  # "2013", "2016", "2019"
    inventory_source: str
    tool_version: str
    interrupted: bool = False
    cu: int | None = None  # the target cumulative update, when one was named
    breaker_opened: bool = False  # the authentication breaker stopped the sweep


@dataclass(frozen=True, slots=True)
class ScanResult:
    info: RunInfo
    roles: tuple[str, ...]
    outcomes: Sequence[HostOutcome]  # one per inventory host, inventory order
    verdicts: Mapping[str, Sequence[Verdict]]  # host name -> one verdict per applicable rule
    cells: Sequence[Cell]  # host-major, role order
    org: OrgFacts = field(default_factory=OrgFacts)

    def cells_for(self, host: str) -> list[Cell]:
        return [c for c in self.cells if c.host == host]

    def any_cell(self, status: CellStatus) -> bool:
        return any(c.status is status for c in self.cells)
