"""When Setup has to prepare the schema or the organisation, it must run in the same domain as the
schema master (fSMORoleOwner of the schema naming context).
"""

from __future__ import annotations

from typing import Any

from scanner.checks import installer_common as ic
from scanner.checks import org_common
from scanner.checks.context import FactUnavailable, RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import UnknownReason, Verdict

META = RuleMeta(
    id="NotInSchemaMasterDomain",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),  # the 2016/2019 Setup logs show the rule evaluated
    title=Text(
        en="Active Directory preparation must run from the schema master's domain",
        fr="La préparation d'Active Directory doit être lancée depuis le domaine du maître de schéma",
    ),
    remediation=Text(
        en=(
            "Run Setup /PrepareSchema and /PrepareAD from a computer in the schema master's domain "
            "(or move the schema master role), then install this server."
        ),
        fr=(
            "Lancez Setup /PrepareSchema et /PrepareAD depuis un ordinateur du domaine du maître de "
            "schéma (ou déplacez le rôle de maître de schéma), puis installez ce serveur."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/not-in-schema-master-site-domain-notinschemamasterdomain-exchange-2013-help",
    facts=("computer.domain", "ad.computers", "ad.forest", "ad.exchange_schema_version", "ad.exchange_org"),
)


def evaluate(ctx: RuleContext) -> Verdict:
    schema, ev1 = ic.schema_prep_needed(ctx)
    org, ev2 = ic.org_prep_needed(ctx)
    evidence: dict[str, Any] = {**ev1, **ev2}
    if not (schema or org):
        return ctx.not_applicable("no /PrepareSchema or /PrepareAD is due for the target CU", evidence)
    master = str(ctx.value("ad.forest").get("schema_master") or "").strip().rstrip(".").casefold()
    master_domain = master.split(".", 1)[1] if "." in master else ""
    domain = org_common.required_ad_domain(ctx)[0]
    evidence.update({"schema_master": master, "schema_master_domain": master_domain, "domain": domain})
    if not master_domain:
        raise FactUnavailable(
            UnknownReason.FACT_UNREADABLE, "ad.forest", f"schema master name {master!r} has no domain"
        )
    if domain == master_domain:
        return ctx.passed(f"in the schema master's domain {master_domain}", evidence)
    return ctx.failed(
        f"preparation is due and this server is in {domain}, not the schema master's domain {master_domain}", evidence
    )
