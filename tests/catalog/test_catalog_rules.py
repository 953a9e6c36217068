"""Every implemented catalog rule on pass, fail, not applicable and unknown (cases in catalog_cases.py)."""

from __future__ import annotations

import pytest
from catalog_cases import CASES, Case
from catalog_kit import judge_case

from scanner.model.verdict import Status, UnknownReason

EXPECTED = {
    "pass": {Status.PASS},
    "fail": {Status.FAIL, Status.WARN},
    "not_applicable": {Status.NOT_APPLICABLE},
    "unknown": {Status.UNKNOWN},
}
PARAMS = [
    pytest.param(rule_id, outcome, case, id=f"{rule_id}-{outcome}")
    for rule_id, cases in sorted(CASES.items())
    for outcome, case in cases.items()
    if isinstance(case, Case)
]


@pytest.mark.parametrize(("rule_id", "outcome", "case"), PARAMS)
def test_rule_outcome(rule_id: str, outcome: str, case: Case) -> None:
    verdict = judge_case(rule_id, case)
    assert verdict.status in EXPECTED[outcome], (verdict.status, verdict.detail, verdict.evidence)
    assert verdict.rule_id == rule_id
    if outcome == "unknown":
        assert verdict.reason is not None
        assert verdict.reason is not UnknownReason.RULE_ERROR, verdict.detail  # a bug, not a missing fact
        expected = UnknownReason(case.reason) if case.reason else UnknownReason.FACT_UNREADABLE
        assert verdict.reason is expected, verdict.detail
    else:
        assert verdict.reason is None
        assert verdict.detail  # every verdict says what it saw
    if outcome == "fail":
        assert verdict.evidence, "a failing verdict carries its evidence"


@pytest.mark.parametrize(("rule_id", "outcome", "case"), [p for p in PARAMS if p.values[1] == "fail"])
def test_failures_name_what_was_found(rule_id: str, outcome: str, case: Case) -> None:
    # the same facts, judged twice, give the same verdict: rules are pure
    assert judge_case(rule_id, case) == judge_case(rule_id, case)
