from __future__ import annotations

from typing import Any

import pytest
from rule_kit import ABSENT, catalog, host_facts, org_facts

from scanner.checks import Catalog, Rule, RuleContext, build_catalog
from scanner.errors import UsageError
from scanner.evaluate import EvaluationParams, evaluate_all, evaluate_host, unknown_reason_for
from scanner.model.host import Host
from scanner.model.outcome import HostOutcome, OutcomeKind
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Status, UnknownReason, Verdict

SEED_FACTS = {
    "computer.name": "EX01",
    "os.current_build": "9600",
    "file.rpchttp_dll": {"path": "C:\\Windows\\System32\\rpchttp.dll", "version": "6.3.9600.17415"},
    "file.rpcrt4_dll": {"path": "C:\\Windows\\System32\\rpcrt4.dll", "version": "6.3.9600.17415"},
    "hotfix.ids": [],
    "ucma.version": "5.0.8308.0",
    "exchange.v15.roles": ABSENT,
}


def ok(name: str = "EX01", facts: dict[str, Any] | None = None) -> HostOutcome:
    return HostOutcome(
        Host(name), OutcomeKind.OK, facts=host_facts(facts if facts is not None else SEED_FACTS, name)
    )


@pytest.mark.parametrize("version", ["2013", "2016", "2019"])
@pytest.mark.parametrize("kind", list(OutcomeKind))
def test_exactly_one_verdict_per_applicable_rule(version: str, kind: OutcomeKind) -> None:
    c = catalog()
    outcome = ok() if kind is OutcomeKind.OK else HostOutcome(Host("EX01"), kind, reason="why")
    verdicts = evaluate_host(outcome, c, EvaluationParams(version))
    expected = [r.id for r in c.rules_for(version)]
    assert [v.rule_id for v in verdicts] == expected
    assert all(v.host == "EX01" for v in verdicts)
    assert all((v.status is Status.UNKNOWN) == (v.reason is not None) for v in verdicts)


def test_rules_of_other_versions_are_left_out() -> None:
    ids = [v.rule_id for v in evaluate_host(ok(), catalog(), EvaluationParams("2016"))]
    assert "RusMissing" not in ids  # a 2013-only rule
    assert "UcmaRedistMsi" in ids


def test_out_of_reach_rules_produce_no_verdict() -> None:
    c = catalog()
    ids = {v.rule_id for v in evaluate_host(ok(), c, EvaluationParams("2013"))}
    assert c.out_of_reach_for("2013")
    assert not ids & {o.id for o in c.out_of_reach}


@pytest.mark.parametrize("kind", [k for k in OutcomeKind if k is not OutcomeKind.OK])
def test_unscanned_host_gives_the_matching_unknown_reason(kind: OutcomeKind) -> None:
    outcome = HostOutcome(Host("EX09"), kind, reason="connect timeout after 10 s")
    verdicts = evaluate_host(outcome, catalog(), EvaluationParams("2013"))
    host_rules = [v for v in verdicts if catalog().rule(v.rule_id).needs_host_facts]
    assert host_rules
    for v in host_rules:
        assert v.status is Status.UNKNOWN
        assert v.reason is unknown_reason_for(kind)
        assert v.reason.value == kind.value
        assert v.detail == "connect timeout after 10 s"


def test_org_rule_is_judged_even_when_the_host_was_not_scanned() -> None:
    org = org_facts(
        {
            "ad.exchange_servers": [
                {
                    "name": "OLD",
                    "dn": "CN=OLD",
                    "serial_number": "Version 6.5 (Build 7638.2)",
                    "roles": 0,
                    "version": None,
                }
            ],
            "ad.rus": ABSENT,
            "ad.domains": [{"dns_name": "contoso.com", "dn": "DC=contoso,DC=com"}],
        }
    )
    outcome = HostOutcome(Host("EX09"), OutcomeKind.UNREACHABLE, reason="no route")
    verdicts = {v.rule_id: v for v in evaluate_host(outcome, catalog(), EvaluationParams("2013", org=org))}
    assert verdicts["RusMissing"].status is Status.WARN
    assert verdicts["UcmaRedistMsi"].reason is UnknownReason.UNREACHABLE


def test_ok_outcome_without_facts_is_a_probe_error() -> None:
    outcome = HostOutcome(Host("EX01"), OutcomeKind.OK, facts=None)
    verdicts = evaluate_host(outcome, catalog(), EvaluationParams("2013"))
    host_rules = [v for v in verdicts if catalog().rule(v.rule_id).needs_host_facts]
    assert host_rules
    assert {v.reason for v in host_rules} == {UnknownReason.PROBE_ERROR}


def test_bad_version_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="unknown Exchange version '2010'"):
        EvaluationParams("2010")
    with pytest.raises(UsageError):
        EvaluationParams("2013", cu=-1)
    with pytest.raises(UsageError, match=r"--cu for Exchange 2019 must be between 0 \(RTM\) and 15, not 23"):
        EvaluationParams("2019", cu=23)


def test_evaluate_all_keys_by_host_in_order() -> None:
    outcomes = [ok("EX01"), HostOutcome(Host("EX02"), OutcomeKind.TIMEOUT), ok("EX03")]
    result = evaluate_all(outcomes, catalog(), EvaluationParams("2019"))
    assert list(result) == ["EX01", "EX02", "EX03"]
    assert all(len(v) == len(catalog().rules_for("2019")) for v in result.values())


# ---- a rule that misbehaves is a bug: caught at the engine boundary --------------------------


def _meta(rule_id: str) -> RuleMeta:
    return RuleMeta(
        id=rule_id,
        severity=Severity.ERROR,
        scope=Scope.HOST,
        versions=("2013",),
        title=Text("A title", "Un titre"),
        remediation=Text("Fix it.", "Corrigez-le."),
        help_url="https://learn.microsoft.com/exchange/",
        facts=("ucma.version",),
    )


def _raises(ctx: RuleContext) -> Verdict:
    raise ZeroDivisionError("division by zero")


def _wrong_host(ctx: RuleContext) -> Verdict:
    return Verdict(rule_id=ctx.rule_id, host="SOMEONE-ELSE", status=Status.PASS)


def _unknown_without_reason(ctx: RuleContext) -> Verdict:
    return Verdict(rule_id=ctx.rule_id, host=ctx.host.name, status=Status.UNKNOWN)


def _passes(ctx: RuleContext) -> Verdict:
    ctx.value("ucma.version")
    return ctx.passed("fine")


def _test_catalog() -> Catalog:
    rules = [
        Rule(_meta("RaisesBug"), _raises, "raises_bug"),
        Rule(_meta("WrongHost"), _wrong_host, "wrong_host"),
        Rule(_meta("UnknownNoReason"), _unknown_without_reason, "unknown_no_reason"),
        Rule(_meta("PassesFine"), _passes, "passes_fine"),
    ]
    ids = [r.id for r in rules]
    roles = {
        "schema": 1,
        "versions": {
            "2013": {"Mailbox": ids, "ClientAccess": [], "EdgeTransport": [], "ManagementTools": []},
            "2016": {"Mailbox": [], "EdgeTransport": [], "ManagementTools": []},
            "2019": {"Mailbox": [], "EdgeTransport": [], "ManagementTools": []},
            "SE": {"Mailbox": [], "EdgeTransport": [], "ManagementTools": []},
        },
    }
    return build_catalog(rules, roles, {"schema": 1, "rules": []})


def test_rule_bugs_become_rule_error_and_other_rules_still_run(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("ERROR", logger="scanner.evaluate.engine"):
        verdicts = {v.rule_id: v for v in evaluate_host(ok(), _test_catalog(), EvaluationParams("2013"))}
    assert verdicts["RaisesBug"].status is Status.UNKNOWN
    assert verdicts["RaisesBug"].reason is UnknownReason.RULE_ERROR
    # a neutral text in the verdict; the exception itself goes to the log
    assert verdicts["RaisesBug"].detail == "internal error in rule RaisesBug"
    assert "ZeroDivisionError" not in verdicts["RaisesBug"].detail
    assert any("RaisesBug" in r.getMessage() and r.exc_info and r.exc_info[0] is ZeroDivisionError
               for r in caplog.records)
    assert verdicts["WrongHost"].reason is UnknownReason.RULE_ERROR
    assert "malformed verdict" in verdicts["WrongHost"].detail
    assert verdicts["UnknownNoReason"].reason is UnknownReason.RULE_ERROR
    assert verdicts["PassesFine"].status is Status.PASS
