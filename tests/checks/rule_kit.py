"""Helpers to judge one rule on hand-built facts, through the same run_rule the engine uses."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from scanner.checks import Catalog, RuleContext, load_catalog
from scanner.evaluate import run_rule
from scanner.facts.installer import InstallerFacts
from scanner.model.facts import Fact, FactStatus, HostFacts, OrgFacts
from scanner.model.host import Host
from scanner.model.verdict import Verdict

ABSENT = object()


class Unreadable:
    def __init__(self, error: str = "Access is denied") -> None:
        self.error = error


def fact(name: str, spec: Any) -> Fact:
    if spec is ABSENT:
        return Fact(name, FactStatus.ABSENT)
    if isinstance(spec, Unreadable):
        return Fact(name, FactStatus.UNREADABLE, error=spec.error)
    return Fact(name, FactStatus.PRESENT, value=spec)


def host_facts(values: Mapping[str, Any], host: str = "EX01") -> HostFacts:
    return HostFacts(host=host, facts={n: fact(n, v) for n, v in values.items()}, collector_version="test")


def org_facts(values: Mapping[str, Any]) -> OrgFacts:
    return OrgFacts(facts={n: fact(n, v) for n, v in values.items()}, source="ldaps://dc.test")


@cache
def catalog() -> Catalog:
    return load_catalog()


def judge(
    rule_id: str,
    facts: Mapping[str, Any] | None,
    org: Mapping[str, Any] | None = None,
    version: str = "2013",
    host: str = "EX01",
    installer: InstallerFacts | None = None,
) -> Verdict:
    rule = catalog().rule(rule_id)
    ctx = RuleContext(
        rule_id=rule_id,
        host=Host(host),
        host_facts=host_facts(facts, host) if facts is not None else None,
        org=org_facts(org) if org is not None else OrgFacts(),
        exchange_version=version,
        installer=installer,
    )
    return run_rule(rule, ctx)
