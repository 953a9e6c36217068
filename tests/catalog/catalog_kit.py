"""Judge one rule on a catalog case (baseline host + changes), through the engine's own run_rule."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from catalog_cases import ABSENT, UNREADABLE, Case, baseline_facts

from scanner.checks import Catalog, RuleContext, load_catalog
from scanner.evaluate import run_rule
from scanner.facts.installer import InstallerFacts
from scanner.model.facts import Fact, FactStatus, HostFacts, OrgFacts
from scanner.model.host import Host
from scanner.model.verdict import Verdict


@cache
def catalog() -> Catalog:
    return load_catalog()


def to_fact(name: str, value: Any) -> Fact:
    if value == ABSENT:
        return Fact(name, FactStatus.ABSENT)
    if value == UNREADABLE:
        return Fact(name, FactStatus.UNREADABLE, error="Access is denied.")
    return Fact(name, FactStatus.PRESENT, value=value)


def facts_of(values: Mapping[str, Any]) -> dict[str, Fact]:
    return {n: to_fact(n, v) for n, v in values.items()}


def judge_facts(rule_id: str, host_values: Mapping[str, Any], case: Case, host: str = "EX01") -> Verdict:
    rule = catalog().rule(rule_id)
    version = case.version or rule.meta.versions[0]
    ctx = RuleContext(
        rule_id=rule_id,
        host=Host(host),
        host_facts=HostFacts(host=host, facts=facts_of(host_values), collector_version="test"),
        org=OrgFacts(facts=facts_of(case.org), source="ldaps://dc.test") if case.org is not None else OrgFacts(),
        exchange_version=version,
        cu=case.cu,
        installer=(
            InstallerFacts(account=str(case.installer.get("account")),
                           facts={"installer.account": to_fact("installer.account", dict(case.installer))})
            if case.installer is not None else None
        ),
    )
    return run_rule(rule, ctx)


def judge_case(rule_id: str, case: Case) -> Verdict:
    return judge_facts(rule_id, {**baseline_facts(), **case.facts}, case)
