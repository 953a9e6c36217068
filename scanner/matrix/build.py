"""Matrix cells: per host and role, READY, READY_WITH_WARNINGS, BLOCKED (which rules) or UNKNOWN (why).

Per role, over the verdicts of the rules roles.yaml lists for it:
- BLOCKED when an error-severity rule fails. A known blocker wins over unknowns: the cell still lists them.
- UNKNOWN when the host was not scanned (the reason is the outcome's), or an error-severity rule of the
  role is unknown (the reason names the rules and the facts they lacked).
- READY_WITH_WARNINGS when a rule warns, a warning-severity rule fails, or a warning-severity rule could
  not be judged (listed in ``unknown``; the reason says so): READY must mean nothing was left unsaid.
- READY otherwise (pass and not applicable).

Rules whose source the user did not consult (Active Directory not read: UnknownReason.NEEDS_AD; no
installer account named: NEEDS_INPUT) stay UNKNOWN verdicts, but they do not turn the cell UNKNOWN:
the cell lists them in ``unknown`` and its reason says what to add (``--ad``, ``--installer-account``).
Without that, a scan from an inventory file would be all UNKNOWN and say nothing about the hosts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from scanner.checks.catalog import Catalog
from scanner.model.matrix import Cell, CellStatus
from scanner.model.outcome import HostOutcome
from scanner.model.rule import Severity
from scanner.model.verdict import Status, UnknownReason, Verdict

# Sources the user chose not to consult; see the module docstring.
NOT_CONSULTED = {
    UnknownReason.NEEDS_AD: "not judged without Active Directory (scan with --ad)",
    UnknownReason.NEEDS_INPUT: "not judged without the installer account (--installer-account)",
}


def _why(v: Verdict) -> str:
    return f"{v.rule_id} ({v.detail or (v.reason.value if v.reason else 'unknown')})"


def _listing(rule_ids: Sequence[str], most: int = 3) -> str:
    """A few rule ids by name; a long list by count, so a CSV cell stays readable (``exready show`` and
    the cell's ``unknown`` field keep every id)."""
    if len(rule_ids) <= most:
        return ", ".join(rule_ids)
    return f"{', '.join(rule_ids[:most])} and {len(rule_ids) - most} more"


def build_cells(
    outcome: HostOutcome, verdicts: Sequence[Verdict], catalog: Catalog, version: str
) -> list[Cell]:
    """One cell per role of ``version``, in column order."""
    by_rule: dict[str, Verdict] = {v.rule_id: v for v in verdicts}
    host = outcome.host.name
    cells: list[Cell] = []
    for role in catalog.roles(version):
        blocking: list[str] = []
        warnings: list[str] = []
        unknown_errors: list[Verdict] = []
        unknown_warnings: list[Verdict] = []
        missing: list[str] = []
        not_consulted: list[Verdict] = []
        for rid in catalog.rule_ids_for_role(version, role):
            severity = catalog.rule(rid).severity
            v = by_rule.get(rid)
            if v is None:
                missing.append(rid)  # no verdict at all: treat as not judged, never as pass
                continue
            if v.status is Status.FAIL:
                (blocking if severity is Severity.ERROR else warnings).append(rid)
            elif v.status is Status.WARN:
                warnings.append(rid)
            elif v.status is Status.UNKNOWN and v.reason in NOT_CONSULTED:
                not_consulted.append(v)
            elif v.status is Status.UNKNOWN:
                (unknown_errors if severity is Severity.ERROR else unknown_warnings).append(v)
        unknown_ids = tuple(
            [v.rule_id for v in unknown_errors] + missing + [v.rule_id for v in unknown_warnings]
            + [v.rule_id for v in not_consulted]
        )
        status, reason = CellStatus.READY, ""
        if not outcome.ok:
            status = CellStatus.UNKNOWN
            reason = f"not scanned: {outcome.kind.value}" + (f": {outcome.reason}" if outcome.reason else "")
        elif blocking:
            status = CellStatus.BLOCKED
        elif unknown_errors or missing:
            status = CellStatus.UNKNOWN
            parts = [_why(v) for v in unknown_errors] + [f"{rid} (no verdict)" for rid in missing]
            reason = "not judged: " + "; ".join(parts)
        elif warnings or unknown_warnings:
            status = CellStatus.READY_WITH_WARNINGS
            if unknown_warnings:
                reason = "warning rules not judged: " + "; ".join(_why(v) for v in unknown_warnings)
        if not_consulted and outcome.ok:
            notes = [f"{NOT_CONSULTED[r]}: {_listing([v.rule_id for v in not_consulted if v.reason is r])}"
                     for r in NOT_CONSULTED if any(v.reason is r for v in not_consulted)]
            reason = "; ".join([reason, *notes] if reason else notes)
        cells.append(
            Cell(
                host=host,
                role=role,
                status=status,
                blocking=tuple(blocking),
                warnings=tuple(warnings),
                unknown=unknown_ids,
                reason=reason,
            )
        )
    return cells


@dataclass(frozen=True, slots=True)
class RoleSummary:
    role: str
    counts: Mapping[CellStatus, int]  # every CellStatus present, zero included
    blockers: tuple[tuple[str, int], ...] = field(default=())  # rule id -> hosts it blocks, most first

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def summarize_roles(cells: Iterable[Cell], roles: Sequence[str]) -> list[RoleSummary]:
    """Counts per status per role (in ``roles`` order), and which rules block how many hosts."""
    counts: dict[str, dict[CellStatus, int]] = {r: {s: 0 for s in CellStatus} for r in roles}
    blockers: dict[str, dict[str, int]] = {r: {} for r in roles}
    for c in cells:
        if c.role not in counts:
            continue
        counts[c.role][c.status] += 1
        if c.status is CellStatus.BLOCKED:
            for rid in c.blocking:
                blockers[c.role][rid] = blockers[c.role].get(rid, 0) + 1
    return [
        RoleSummary(
            role=r,
            counts=counts[r],
            blockers=tuple(sorted(blockers[r].items(), key=lambda kv: (-kv[1], kv[0]))),
        )
        for r in roles
    ]


def organisation_status(verdicts: Iterable[Verdict], catalog: Catalog) -> CellStatus:
    """What the directory rules, judged with no host, say of the organisation as a whole, with the
    cells' precedence: an error-severity failure blocks every installation; an error-severity rule not
    judged (for another reason than a source the user did not give) leaves it unknown."""
    blocked = unknown = warned = False
    for v in verdicts:
        error = catalog.rule(v.rule_id).severity is Severity.ERROR
        if v.status is Status.FAIL:
            blocked, warned = blocked or error, warned or not error
        elif v.status is Status.WARN:
            warned = True
        elif v.status is Status.UNKNOWN and v.reason not in NOT_CONSULTED:
            unknown, warned = unknown or error, warned or not error
    if blocked:
        return CellStatus.BLOCKED
    if unknown:
        return CellStatus.UNKNOWN
    return CellStatus.READY_WITH_WARNINGS if warned else CellStatus.READY
