"""Where Active Directory stands against the target CU's preparation levels (schema rangeUpper,
organisation objectVersion, each domain's "Microsoft Exchange System Objects" objectVersion), said as the
preparation steps Setup will have to run. Not a Setup rule: the same comparison CSS-Exchange SetupAssist
makes. A warning: Setup runs the steps itself when the installing account has the rights."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.checks import se_sources as se
from scanner.checks.common import target
from scanner.checks.context import FactUnavailable, RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import UnknownReason, Verdict

META = RuleMeta(
    id="ExchangeAdSetupLevel",
    severity=Severity.WARNING,
    scope=Scope.ORG,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="Active Directory is not yet prepared for the target Exchange version and CU",
        fr="Active Directory n'est pas encore préparé pour la version et la CU d'Exchange visées",
    ),
    remediation=Text(
        en="Plan the listed steps: /PrepareSchema (Schema Admins and Enterprise Admins), /PrepareAD "
        "(Enterprise Admins) and /PrepareDomain or /PrepareAllDomains (Domain Admins of each domain), run "
        "from the target CU's media, then let Active Directory replicate before installing.",
        fr="Prévoyez les étapes indiquées : /PrepareSchema (Administrateurs du schéma et de l'entreprise), "
        "/PrepareAD (Administrateurs de l'entreprise) et /PrepareDomain ou /PrepareAllDomains "
        "(Administrateurs de chaque domaine), depuis le média de la CU visée, puis laissez Active Directory "
        "répliquer avant l'installation.",
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/prepare-ad-and-domains",
    facts=("ad.exchange_schema_version", "ad.exchange_org", "ad.domains"),
    sources=(se.AD_LEVELS,),  # the Exchange SE values (scanner/checks/se_sources.py)
)


def evaluate(ctx: RuleContext) -> Verdict:
    goal = target(ctx)
    levels = goal.ad_levels
    schema = ctx.optional("ad.exchange_schema_version")
    org: Any = ctx.optional("ad.exchange_org")
    domains = ctx.value("ad.domains")
    org_version = org.get("object_version") if isinstance(org, Mapping) else None
    steps: list[str] = []
    evidence: dict[str, Any] = {
        "target": goal.label,
        "schema_range_upper": {"found": schema, "needed": levels.schema_range_upper},
        "org_object_version": {"found": org_version, "needed": levels.org_object_version},
    }
    if not isinstance(schema, int) or schema < levels.schema_range_upper:
        steps.append("/PrepareSchema")
    if not isinstance(org_version, int) or org_version < levels.org_object_version:
        steps.append("/PrepareAD")
    unprepared, unreadable = [], []
    for d in domains:
        if not isinstance(d, Mapping):
            continue
        label = str(d.get("dns_name") or d.get("dn"))
        if d.get("error"):
            unreadable.append(label)
            continue
        meso = d.get("mesos_object_version")
        if not isinstance(meso, int) or meso < levels.meso_object_version:
            unprepared.append(label)
    evidence["mesos_object_version_needed"] = levels.meso_object_version
    evidence["domains_to_prepare"] = unprepared
    if unprepared:
        steps.append(f"/PrepareDomain ({', '.join(unprepared)})")
    evidence["steps"] = steps
    if steps:
        return ctx.warned(f"for {goal.label} Setup will have to run {', '.join(steps)}", evidence)
    if unreadable:
        evidence["domains_unreadable"] = unreadable
        raise FactUnavailable(
            UnknownReason.FACT_UNREADABLE,
            "ad.domains",
            f"the preparation of {', '.join(unreadable)} could not be read from this DC",
        )
    return ctx.passed(f"Active Directory is prepared for {goal.label}", evidence)
