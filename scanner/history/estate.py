"""The estate: one matrix from the latest complete run of every zone.

Each zone is swept by its own scanner into the shared history; the estate joins the newest complete
run of each into one ScanResult, so the same writers (CSV, findings CSV, HTML, JSON) and the same diff
serve it. A zone whose newest run failed (interrupted, or abandoned by a dead sweep) or whose newest
complete run is older than the threshold is marked: its hosts are still shown, from its last
complete run, and the estate says how old that is.

In the estate's reports the site column reads ``ZONE/AD-SITE`` (or ``ZONE``), and each host carries
the tag ``zone:ZONE``, so every host shows which zone it was swept in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from scanner.errors import HistoryError
from scanner.history.store import HistoryStore, RunStatus, RunSummary
from scanner.model.facts import OrgFacts
from scanner.model.host import Host
from scanner.model.run import RunInfo, ScanResult

ZONE_TAG = "zone:"


class ZoneHealth(StrEnum):
    CURRENT = "current"
    STALE = "stale"  # the newest complete run is older than the threshold
    FAILED = "failed"  # the newest run is interrupted or abandoned
    NO_COMPLETE_RUN = "no complete run"


@dataclass(frozen=True, slots=True)
class ZoneState:
    zone: str
    health: ZoneHealth
    run_id: str | None  # the complete run the estate uses for this zone
    started: str | None
    latest_run_id: str  # the newest run, whatever its status
    latest_status: RunStatus
    hosts: int = 0
    age_hours: float | None = None

    @property
    def marked(self) -> bool:
        return self.health is not ZoneHealth.CURRENT


@dataclass(frozen=True, slots=True)
class Estate:
    result: ScanResult
    zones: tuple[ZoneState, ...]
    duplicates: tuple[str, ...] = ()  # host names two zones both swept (kept from the newer run)

    @property
    def marked(self) -> tuple[ZoneState, ...]:
        return tuple(z for z in self.zones if z.marked)


def zone_states(
    store: HistoryStore, now: datetime, max_age: timedelta, previous: bool = False
) -> list[ZoneState]:
    """Each zone's state. ``previous``: the estate as it was before each zone's newest complete run
    (each zone's second newest complete run; a zone with one complete run keeps it), for a diff."""
    states = []
    for zone in store.zones():
        runs = store.list_runs(zone=zone)
        if not runs:
            continue
        complete = [r for r in runs if r.status is RunStatus.COMPLETE]
        latest = runs[0]
        chosen: RunSummary | None = None
        if complete:
            chosen = complete[1] if previous and len(complete) > 1 else complete[0]
        if chosen is None:
            health = ZoneHealth.NO_COMPLETE_RUN
            age = None
        else:
            age = (now - _parse(chosen.started)).total_seconds() / 3600
            if latest.status in (RunStatus.INTERRUPTED, RunStatus.ABANDONED) and not previous:
                health = ZoneHealth.FAILED
            elif age > max_age.total_seconds() / 3600:
                health = ZoneHealth.STALE
            else:
                health = ZoneHealth.CURRENT
        states.append(
            ZoneState(
                zone=zone,
                health=health,
                run_id=chosen.run_id if chosen else None,
                started=chosen.started if chosen else None,
                latest_run_id=latest.run_id,
                latest_status=latest.status,
                hosts=chosen.hosts if chosen else 0,
                age_hours=age,
            )
        )
    return states


def build_estate(
    store: HistoryStore,
    now: datetime,
    max_age: timedelta,
    *,
    previous: bool = False,
    judge: Callable[[ScanResult], ScanResult] | None = None,
    tool_version: str = "",
) -> Estate:
    """The estate from ``store``. ``judge``: re-evaluate each zone's run first (--reevaluate)."""
    states = zone_states(store, now, max_age, previous)
    parts: list[tuple[ZoneState, ScanResult]] = []
    for state in states:
        if state.run_id is None:
            continue
        result = store.load_result(state.run_id)
        parts.append((state, judge(result) if judge is not None else result))
    if not parts:
        raise HistoryError(f"no zone has a complete run in {store.where} yet")
    merged, duplicates = merge(parts, tool_version)
    return Estate(merged, tuple(states), duplicates)


def merge(parts: Sequence[tuple[ZoneState, ScanResult]], tool_version: str) -> tuple[ScanResult, tuple[str, ...]]:
    versions = sorted({r.info.exchange_version for _, r in parts})
    if len(versions) > 1:
        detail = ", ".join(f"{s.zone} {r.info.exchange_version}" for s, r in parts)
        raise HistoryError(f"the zones target different Exchange versions ({detail}): one estate needs one target")
    cus = {r.info.cu for _, r in parts}
    # a host two zones both cover is kept once, from the newer run (the inventories overlap: say so)
    newest_first = sorted(parts, key=lambda p: p[1].info.started_at, reverse=True)
    owner: dict[str, str] = {}
    duplicates: set[str] = set()
    for state, result in newest_first:
        for outcome in result.outcomes:
            if outcome.host.name in owner:
                duplicates.add(outcome.host.name)
            else:
                owner[outcome.host.name] = state.zone
    outcomes = []
    verdicts = {}
    cells = []
    roles: list[str] = []
    org = OrgFacts()
    for state, result in parts:  # zone order
        for role in result.roles:
            if role not in roles:
                roles.append(role)
        if result.org.facts and not org.facts:
            org = result.org
        mine = {o.host.name for o in result.outcomes if owner.get(o.host.name) == state.zone}
        outcomes += [replace(o, host=_zoned(o.host, state.zone)) for o in result.outcomes if o.host.name in mine]
        verdicts.update({h: v for h, v in result.verdicts.items() if h in mine})
        cells += [c for c in result.cells if c.host in mine]
    started = min(r.info.started_at for _, r in parts)
    finished = max(r.info.finished_at or r.info.started_at for _, r in parts)
    source = "estate: " + ", ".join(
        f"{s.zone}={s.run_id}" + (f" ({s.health.value})" if s.marked else "") for s, _ in parts
    )
    info = RunInfo(
        run_id=f"estate@{max(r.info.started_at for _, r in parts)}",
        started_at=started,
        finished_at=finished,
        exchange_version=versions[0],
        inventory_source=source,
        tool_version=tool_version,
        cu=cus.pop() if len(cus) == 1 else None,
    )
    return ScanResult(info=info, roles=tuple(roles), outcomes=outcomes, verdicts=verdicts, cells=cells,
                      org=org), tuple(sorted(duplicates))


def _zoned(host: Host, zone: str) -> Host:
    tags = tuple(t for t in host.tags if not t.startswith(ZONE_TAG)) + (f"{ZONE_TAG}{zone}",)
    return replace(host, site=f"{zone}/{host.site}" if host.site else zone, tags=tags)


def _parse(stamp: str) -> datetime:
    try:
        return datetime.fromisoformat(stamp)
    except ValueError as exc:
        raise HistoryError(f"a run's start time {stamp!r} is not ISO 8601") from exc
