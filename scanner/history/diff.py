"""What changed between two sweeps: a pure function over two ScanResults.

Per role: hosts newly blocked, newly ready, newly unknown (and other cell changes, such as a new
warning). Per host: rules that appeared (now failing or warning, and not before) or cleared (failing
or warning before, passing or not applicable now). Hosts added to or gone from the inventory. The
result is a frozen value that the terminal, the HTML report and JSON all render.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from scanner.model.matrix import Cell, CellStatus
from scanner.model.run import RunInfo, ScanResult
from scanner.model.verdict import Status, Verdict

_READY = frozenset({CellStatus.READY, CellStatus.READY_WITH_WARNINGS})
_PROBLEM = frozenset({Status.FAIL, Status.WARN})
_GOOD = frozenset({Status.PASS, Status.NOT_APPLICABLE})


class CellChangeKind(StrEnum):
    NEWLY_BLOCKED = "newly_blocked"
    NEWLY_READY = "newly_ready"
    NEWLY_UNKNOWN = "newly_unknown"
    OTHER = "other"  # e.g. READY -> READY_WITH_WARNINGS, or UNKNOWN's reason changed nothing else


class RuleChangeKind(StrEnum):
    APPEARED = "appeared"
    CLEARED = "cleared"
    CHANGED = "changed"  # still a problem, but fail <-> warn


@dataclass(frozen=True, slots=True)
class CellChange:
    host: str
    role: str
    kind: CellChangeKind
    before: CellStatus
    after: CellStatus
    blocking: tuple[str, ...] = ()  # the rules blocking it now
    reason: str = ""  # why it is UNKNOWN now


@dataclass(frozen=True, slots=True)
class RuleChange:
    host: str
    rule_id: str
    kind: RuleChangeKind
    before: Status | None  # None: no verdict in the older run
    after: Status | None
    detail: str = ""  # the newer verdict's detail (or the older one's, for a rule that cleared)


@dataclass(frozen=True, slots=True)
class RunDiff:
    old: RunInfo
    new: RunInfo
    added_hosts: tuple[str, ...]
    removed_hosts: tuple[str, ...]
    cell_changes: tuple[CellChange, ...]  # hosts in both runs, inventory order, then role order
    rule_changes: tuple[RuleChange, ...]  # hosts in both runs, inventory order, then rule order

    def cells(self, kind: CellChangeKind) -> tuple[CellChange, ...]:
        return tuple(c for c in self.cell_changes if c.kind is kind)

    @property
    def newly_blocked(self) -> tuple[CellChange, ...]:
        return self.cells(CellChangeKind.NEWLY_BLOCKED)

    @property
    def newly_ready(self) -> tuple[CellChange, ...]:
        return self.cells(CellChangeKind.NEWLY_READY)

    @property
    def newly_unknown(self) -> tuple[CellChange, ...]:
        return self.cells(CellChangeKind.NEWLY_UNKNOWN)

    def rules(self, kind: RuleChangeKind) -> tuple[RuleChange, ...]:
        return tuple(r for r in self.rule_changes if r.kind is kind)

    @property
    def empty(self) -> bool:
        return not (self.added_hosts or self.removed_hosts or self.cell_changes or self.rule_changes)

    def hosts_changed(self) -> tuple[str, ...]:
        """Hosts with any change, in order of first appearance."""
        seen: dict[str, None] = {}
        for c in self.cell_changes:
            seen.setdefault(c.host)
        for r in self.rule_changes:
            seen.setdefault(r.host)
        return tuple(seen)

    def to_json(self) -> dict[str, Any]:
        return {
            "old_run": self.old.run_id,
            "new_run": self.new.run_id,
            "added_hosts": list(self.added_hosts),
            "removed_hosts": list(self.removed_hosts),
            "cell_changes": [
                {
                    "host": c.host,
                    "role": c.role,
                    "kind": c.kind.value,
                    "before": c.before.value,
                    "after": c.after.value,
                    "blocking": list(c.blocking),
                    "reason": c.reason,
                }
                for c in self.cell_changes
            ],
            "rule_changes": [
                {
                    "host": r.host,
                    "rule_id": r.rule_id,
                    "kind": r.kind.value,
                    "before": r.before.value if r.before else None,
                    "after": r.after.value if r.after else None,
                    "detail": r.detail,
                }
                for r in self.rule_changes
            ],
        }


def diff_results(old: ScanResult, new: ScanResult) -> RunDiff:
    old_hosts = [o.host.name for o in old.outcomes]
    new_hosts = [o.host.name for o in new.outcomes]
    old_set, new_set = set(old_hosts), set(new_hosts)
    both = [h for h in new_hosts if h in old_set]

    old_cells = {(c.host, c.role): c for c in old.cells}
    cell_changes: list[CellChange] = []
    for host in both:
        for cell in new.cells_for(host):
            before = old_cells.get((host, cell.role))
            if before is not None:
                change = _cell_change(before, cell)
                if change is not None:
                    cell_changes.append(change)

    rule_changes: list[RuleChange] = []
    for host in both:
        before_by_rule = {v.rule_id: v for v in old.verdicts.get(host, ())}
        after_by_rule = {v.rule_id: v for v in new.verdicts.get(host, ())}
        for rule_id in [*after_by_rule, *(r for r in before_by_rule if r not in after_by_rule)]:
            rule = _rule_change(host, rule_id, before_by_rule.get(rule_id), after_by_rule.get(rule_id))
            if rule is not None:
                rule_changes.append(rule)

    return RunDiff(
        old=old.info,
        new=new.info,
        added_hosts=tuple(h for h in new_hosts if h not in old_set),
        removed_hosts=tuple(h for h in old_hosts if h not in new_set),
        cell_changes=tuple(cell_changes),
        rule_changes=tuple(rule_changes),
    )


def _cell_change(before: Cell, after: Cell) -> CellChange | None:
    if before.status is after.status:
        return None
    if after.status is CellStatus.BLOCKED:
        kind = CellChangeKind.NEWLY_BLOCKED
    elif after.status is CellStatus.UNKNOWN:
        kind = CellChangeKind.NEWLY_UNKNOWN
    elif after.status in _READY and before.status not in _READY:
        kind = CellChangeKind.NEWLY_READY
    else:
        kind = CellChangeKind.OTHER
    return CellChange(
        host=after.host,
        role=after.role,
        kind=kind,
        before=before.status,
        after=after.status,
        blocking=after.blocking,
        reason=after.reason if after.status is CellStatus.UNKNOWN else "",
    )


def _rule_change(host: str, rule_id: str, before: Verdict | None, after: Verdict | None) -> RuleChange | None:
    b = before.status if before else None
    a = after.status if after else None
    if a in _PROBLEM and b not in _PROBLEM:
        kind = RuleChangeKind.APPEARED
    elif b in _PROBLEM and a in _GOOD:
        kind = RuleChangeKind.CLEARED
    elif b in _PROBLEM and a in _PROBLEM and a is not b:
        kind = RuleChangeKind.CHANGED
    else:
        # Unknown now (host unreachable): not "cleared" - the cell change says the host went unknown.
        return None
    shown = before if kind is RuleChangeKind.CLEARED else after
    detail = shown.detail if shown else ""
    return RuleChange(host=host, rule_id=rule_id, kind=kind, before=b, after=a, detail=detail)
