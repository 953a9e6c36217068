from __future__ import annotations

from typing import Any

import pytest

from scanner.checks import Catalog, Rule, RuleContext, build_catalog
from scanner.matrix import build_cells, summarize_roles
from scanner.model.facts import HostFacts
from scanner.model.host import Host
from scanner.model.matrix import Cell, CellStatus
from scanner.model.outcome import HostOutcome, OutcomeKind
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Status, UnknownReason, Verdict

# A small catalog of our own, so these tests pin the matrix logic and not the shipped rule list.
#   Mailbox: ErrA, ErrB, WarnC   ClientAccess: ErrA, WarnC   EdgeTransport: ErrB   ManagementTools: none


def _rule(rule_id: str, severity: Severity) -> Rule:
    meta = RuleMeta(
        id=rule_id,
        severity=severity,
        scope=Scope.HOST,
        versions=("2013",),
        title=Text("A title", "Un titre"),
        remediation=Text("Fix it.", "Corrigez-le."),
        help_url="https://learn.microsoft.com/exchange/",
        facts=("ucma.version",),
    )

    def evaluate(ctx: RuleContext) -> Verdict:
        return ctx.passed()

    module = {"ErrA": "err_a", "ErrB": "err_b", "WarnC": "warn_c"}[rule_id]
    return Rule(meta, evaluate, module)


@pytest.fixture(scope="module")
def cat() -> Catalog:
    rules = [_rule("ErrA", Severity.ERROR), _rule("ErrB", Severity.ERROR), _rule("WarnC", Severity.WARNING)]
    roles = {
        "schema": 1,
        "versions": {
            "2013": {
                "Mailbox": ["ErrA", "ErrB", "WarnC"],
                "ClientAccess": ["ErrA", "WarnC"],
                "EdgeTransport": ["ErrB"],
                "ManagementTools": [],
            },
            "2016": {"Mailbox": [], "EdgeTransport": [], "ManagementTools": []},
            "2019": {"Mailbox": [], "EdgeTransport": [], "ManagementTools": []},
            "SE": {"Mailbox": [], "EdgeTransport": [], "ManagementTools": []},
        },
    }
    return build_catalog(rules, roles, {"schema": 1, "rules": []})


OK = HostOutcome(Host("EX01"), OutcomeKind.OK, facts=HostFacts("EX01", {}))


def v(rule_id: str, status: Status, reason: UnknownReason | None = None, detail: str = "") -> Verdict:
    return Verdict(rule_id=rule_id, host="EX01", status=status, reason=reason, detail=detail)


def cells(cat: Catalog, *verdicts: Verdict, outcome: HostOutcome = OK) -> dict[str, Cell]:
    built = build_cells(outcome, list(verdicts), cat, "2013")
    assert [c.role for c in built] == ["Mailbox", "ClientAccess", "EdgeTransport", "ManagementTools"]
    assert all(c.host == "EX01" for c in built)
    return {c.role: c for c in built}


def test_all_pass_is_ready(cat: Catalog) -> None:
    got = cells(cat, v("ErrA", Status.PASS), v("ErrB", Status.NOT_APPLICABLE), v("WarnC", Status.PASS))
    assert {r: c.status for r, c in got.items()} == {
        "Mailbox": CellStatus.READY,
        "ClientAccess": CellStatus.READY,
        "EdgeTransport": CellStatus.READY,
        "ManagementTools": CellStatus.READY,
    }
    assert got["Mailbox"].blocking == () and got["Mailbox"].reason == ""


def test_error_fail_blocks_only_the_roles_that_list_the_rule(cat: Catalog) -> None:
    got = cells(cat, v("ErrA", Status.PASS), v("ErrB", Status.FAIL), v("WarnC", Status.PASS))
    assert got["Mailbox"].status is CellStatus.BLOCKED and got["Mailbox"].blocking == ("ErrB",)
    assert got["EdgeTransport"].status is CellStatus.BLOCKED
    assert got["ClientAccess"].status is CellStatus.READY
    assert got["ManagementTools"].status is CellStatus.READY


def test_blocked_lists_every_blocking_rule_and_wins_over_unknown(cat: Catalog) -> None:
    got = cells(
        cat,
        v("ErrA", Status.FAIL),
        v("ErrB", Status.UNKNOWN, UnknownReason.FACT_UNREADABLE, "fact ucma.version unreadable: denied"),
        v("WarnC", Status.WARN),
    )
    mbx = got["Mailbox"]
    assert mbx.status is CellStatus.BLOCKED
    assert mbx.blocking == ("ErrA",)
    assert mbx.unknown == ("ErrB",)
    assert mbx.warnings == ("WarnC",)
    assert got["EdgeTransport"].status is CellStatus.UNKNOWN


def test_unknown_error_rule_makes_the_cell_unknown_naming_the_fact(cat: Catalog) -> None:
    got = cells(
        cat,
        v("ErrA", Status.UNKNOWN, UnknownReason.FACT_MISSING, "fact ucma.version was not reported"),
        v("ErrB", Status.PASS),
        v("WarnC", Status.PASS),
    )
    cas = got["ClientAccess"]
    assert cas.status is CellStatus.UNKNOWN
    assert cas.unknown == ("ErrA",)
    assert "ErrA" in cas.reason and "ucma.version" in cas.reason
    assert got["EdgeTransport"].status is CellStatus.READY


def test_warnings_do_not_block(cat: Catalog) -> None:
    got = cells(cat, v("ErrA", Status.PASS), v("ErrB", Status.PASS), v("WarnC", Status.WARN))
    assert got["Mailbox"].status is CellStatus.READY_WITH_WARNINGS
    assert got["Mailbox"].warnings == ("WarnC",)
    assert got["Mailbox"].blocking == ()
    assert got["EdgeTransport"].status is CellStatus.READY


def test_failing_warning_severity_rule_is_a_warning(cat: Catalog) -> None:
    got = cells(cat, v("ErrA", Status.PASS), v("ErrB", Status.PASS), v("WarnC", Status.FAIL))
    assert got["Mailbox"].status is CellStatus.READY_WITH_WARNINGS
    assert got["Mailbox"].warnings == ("WarnC",)


def test_unjudged_warning_rule_is_not_silently_ready(cat: Catalog) -> None:
    got = cells(
        cat,
        v("ErrA", Status.PASS),
        v("ErrB", Status.PASS),
        v("WarnC", Status.UNKNOWN, UnknownReason.FACT_UNREADABLE, "fact ucma.version unreadable: denied"),
    )
    mbx = got["Mailbox"]
    assert mbx.status is CellStatus.READY_WITH_WARNINGS
    assert mbx.unknown == ("WarnC",)
    assert "ucma.version unreadable" in mbx.reason


def test_missing_verdict_is_never_a_pass(cat: Catalog) -> None:
    got = cells(cat, v("ErrA", Status.PASS), v("WarnC", Status.PASS))
    assert got["EdgeTransport"].status is CellStatus.UNKNOWN
    assert "ErrB (no verdict)" in got["EdgeTransport"].reason


@pytest.mark.parametrize("kind", [k for k in OutcomeKind if k is not OutcomeKind.OK])
def test_unscanned_host_is_unknown_with_the_outcome_reason(cat: Catalog, kind: OutcomeKind) -> None:
    outcome = HostOutcome(Host("EX01"), kind, reason="connection refused")
    got = cells(cat, outcome=outcome)
    for c in got.values():
        assert c.status is CellStatus.UNKNOWN
        assert c.reason == f"not scanned: {kind.value}: connection refused"


def test_role_without_rules_is_ready_for_a_scanned_host(cat: Catalog) -> None:
    assert cells(cat)["ManagementTools"].status is CellStatus.READY


def _cell(host: str, role: str, status: CellStatus, blocking: tuple[str, ...] = ()) -> Cell:
    return Cell(host=host, role=role, status=status, blocking=blocking)


def test_role_summary_counts_every_status_and_ranks_blockers() -> None:
    all_cells: list[Any] = [
        _cell("A", "Mailbox", CellStatus.BLOCKED, ("ErrA", "ErrB")),
        _cell("B", "Mailbox", CellStatus.BLOCKED, ("ErrB",)),
        _cell("C", "Mailbox", CellStatus.READY),
        _cell("D", "Mailbox", CellStatus.UNKNOWN),
        _cell("A", "EdgeTransport", CellStatus.READY_WITH_WARNINGS),
        _cell("A", "Gateway", CellStatus.READY),  # not a requested role: ignored
    ]
    summary = summarize_roles(all_cells, ["Mailbox", "EdgeTransport", "ManagementTools"])
    assert [s.role for s in summary] == ["Mailbox", "EdgeTransport", "ManagementTools"]
    mbx, edge, mt = summary
    assert mbx.counts == {
        CellStatus.READY: 1,
        CellStatus.READY_WITH_WARNINGS: 0,
        CellStatus.BLOCKED: 2,
        CellStatus.UNKNOWN: 1,
    }
    assert mbx.total == 4
    assert mbx.blockers == (("ErrB", 2), ("ErrA", 1))
    assert edge.counts[CellStatus.READY_WITH_WARNINGS] == 1
    assert mt.total == 0 and mt.blockers == ()


@pytest.mark.parametrize(
    ("reason", "hint"),
    [(UnknownReason.NEEDS_AD, "--ad"), (UnknownReason.NEEDS_INPUT, "--installer-account")],
)
def test_source_not_consulted_is_listed_but_does_not_make_the_cell_unknown(
    cat: Catalog, reason: UnknownReason, hint: str
) -> None:
    got = cells(
        cat, v("ErrA", Status.UNKNOWN, reason, "not consulted"), v("ErrB", Status.PASS), v("WarnC", Status.PASS)
    )
    cas = got["ClientAccess"]
    assert cas.status is CellStatus.READY
    assert cas.unknown == ("ErrA",)
    assert hint in cas.reason and "ErrA" in cas.reason
