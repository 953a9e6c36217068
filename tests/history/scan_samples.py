"""Hand-built ScanResults for the history, diff and report tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from scanner.model.facts import Fact, FactStatus, HostFacts, OrgFacts
from scanner.model.host import AuthMethod, Host, Scheme
from scanner.model.matrix import Cell, CellStatus
from scanner.model.outcome import HostOutcome, OutcomeKind
from scanner.model.run import RunInfo, ScanResult
from scanner.model.verdict import Status, UnknownReason, Verdict

ROLES = ("Mailbox", "ClientAccess", "EdgeTransport", "ManagementTools")

# rule id -> (roles it applies to, severity is error?)
RULES: Mapping[str, tuple[tuple[str, ...], bool]] = {
    "InstallWatermark": (ROLES, True),
    "UcmaRedistMsi": (("Mailbox", "ClientAccess"), True),
    "CafeRoleAlreadyExists": (("ClientAccess",), True),
    "PendingRebootWindowsComponents": (ROLES, False),
}


def make_host(name: str, site: str = "Paris") -> Host:
    return Host(
        name=name,
        fqdn=f"{name.lower()}.corp.example",
        address="127.0.0.1",
        site=site,
        port=5985,
        scheme=Scheme.HTTP,
        auth=AuthMethod.NTLM,
        source=f"hosts.txt:{name[-1]}",
        os="Windows Server 2012 R2",
        tags=("exchange",),
    )


def make_facts(name: str) -> HostFacts:
    return HostFacts(
        host=name,
        facts={
            "ucma.version": Fact("ucma.version", FactStatus.PRESENT, "5.0.8308.0"),
            "os.build": Fact("os.build", FactStatus.PRESENT, 9600),
            "watermark": Fact("watermark", FactStatus.ABSENT),
            "pending.reboot": Fact("pending.reboot", FactStatus.UNREADABLE, error="access denied"),
        },
        collector_version="1",
    )


def make_result(
    run_id: str,
    hosts: Sequence[str],
    failing: Mapping[str, Sequence[str]] | None = None,
    unreachable: Sequence[str] = (),
    started: str = "2026-11-20T01:00:00+00:00",
    interrupted: bool = False,
) -> ScanResult:
    """``failing`` maps a host to the rules that fail (error rules) or warn (warning rules) on it."""
    failing = failing or {}
    outcomes: list[HostOutcome] = []
    verdicts: dict[str, list[Verdict]] = {}
    cells: list[Cell] = []
    for name in hosts:
        host = make_host(name)
        if name in unreachable:
            outcomes.append(
                HostOutcome(host, OutcomeKind.UNREACHABLE, "connection refused on 127.0.0.1:5985")
            )
            verdicts[name] = [
                Verdict(rule, name, Status.UNKNOWN, "host not scanned", reason=UnknownReason.UNREACHABLE)
                for rule in RULES
            ]
        else:
            outcomes.append(
                HostOutcome(
                    host, OutcomeKind.OK, facts=make_facts(name), auth_mechanism="ntlm", duration_s=1.25
                )
            )
            verdicts[name] = [_verdict(rule, name, rule in failing.get(name, ())) for rule in RULES]
        for role in ROLES:
            cells.append(_cell(name, role, verdicts[name]))
    info = RunInfo(
        run_id=run_id,
        started_at=started,
        finished_at=started.replace("01:00", "01:05"),
        exchange_version="2019",
        inventory_source="file:hosts.txt",
        tool_version="0.1.0",
        interrupted=interrupted,
        cu=14,
        breaker_opened=interrupted,
    )
    org = OrgFacts({"ad.rus": Fact("ad.rus", FactStatus.PRESENT, True)}, source="ldaps://dc01")
    return ScanResult(info, ROLES, outcomes, verdicts, cells, org)


def _verdict(rule: str, host: str, failing: bool) -> Verdict:
    _, error = RULES[rule]
    if not failing:
        return Verdict(rule, host, Status.PASS, "ok", {"checked": True})
    status = Status.FAIL if error else Status.WARN
    return Verdict(rule, host, status, f"{rule} found", {"value": "=cmd|' /C calc'!A0", "key": "HKLM\\X"})


def _cell(host: str, role: str, verdicts: Sequence[Verdict]) -> Cell:
    applicable = [v for v in verdicts if role in RULES[v.rule_id][0]]
    unknown = tuple(v.rule_id for v in applicable if v.status is Status.UNKNOWN)
    blocking = tuple(v.rule_id for v in applicable if v.status is Status.FAIL)
    warnings = tuple(v.rule_id for v in applicable if v.status is Status.WARN)
    if unknown:
        return Cell(host, role, CellStatus.UNKNOWN, unknown=unknown, reason="unreachable")
    if blocking:
        return Cell(host, role, CellStatus.BLOCKED, blocking=blocking, warnings=warnings)
    if warnings:
        return Cell(host, role, CellStatus.READY_WITH_WARNINGS, warnings=warnings)
    return Cell(host, role, CellStatus.READY)


def db_arg(location: object) -> str:
    """What a user gives --db for a test's history ``location`` (a SQLite path, or PgSettings whose
    password the pg_url fixture put in $EXREADY_DB_PASSWORD)."""
    url = getattr(location, "url", None)
    return url if isinstance(url, str) else str(location)
