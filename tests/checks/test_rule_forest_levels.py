"""The forest functional level each Exchange target needs (ForestLevelNotWin2012R2,
MsDSBehaviorVersionRequirement), on hand-built organisation facts."""

from __future__ import annotations

import pytest
from rule_kit import catalog

from scanner.checks import RuleContext
from scanner.evaluate import run_rule
from scanner.model.facts import Fact, FactStatus, OrgFacts
from scanner.model.host import Host
from scanner.model.verdict import Status, Verdict

FOREST = {"dns_name": "contoso.test", "dn": "DC=contoso,DC=test", "schema_master": "dc.contoso.test"}


def judge(rule_id: str, level: int, version: str, cu: int | None = None) -> Verdict:
    org = OrgFacts({"ad.forest": Fact("ad.forest", FactStatus.PRESENT, {**FOREST, "functional_level": level})},
                   "ldaps://dc.test")
    ctx = RuleContext(rule_id=rule_id, host=Host("EX01"), host_facts=None, org=org, exchange_version=version, cu=cu)
    return run_rule(catalog().rule(rule_id), ctx)


@pytest.mark.parametrize(("level", "status"), [(4, Status.FAIL), (5, Status.FAIL), (6, Status.PASS),
                                               (7, Status.PASS)])
def test_exchange_2019_needs_a_2012_r2_forest(level: int, status: Status) -> None:
    assert judge("ForestLevelNotWin2012R2", level, "2019").status is status
    assert judge("MsDSBehaviorVersionRequirement", level, "2019").status is status


@pytest.mark.parametrize(("level", "cu", "status"), [(3, 23, Status.FAIL), (4, 23, Status.PASS),
                                                     (3, 7, Status.FAIL), (3, 6, Status.PASS), (2, 6, Status.PASS),
                                                     (1, 6, Status.FAIL)])
def test_exchange_2016_needs_a_2008_r2_forest_from_cu7(level: int, cu: int, status: Status) -> None:
    assert judge("MsDSBehaviorVersionRequirement", level, "2016", cu).status is status


def test_the_rules_run_only_where_setup_runs_them() -> None:
    assert catalog().rule("ForestLevelNotWin2012R2").meta.versions == ("2019", "SE")
    assert catalog().rule("MsDSBehaviorVersionRequirement").meta.versions == ("2016", "2019", "SE")
