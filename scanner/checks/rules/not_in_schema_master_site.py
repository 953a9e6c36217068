"""When Setup has to prepare the schema or the organisation, it must run in the same site as the schema
master (fSMORoleOwner of the schema naming context).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.checks import installer_common as ic
from scanner.checks.context import FactUnavailable, RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import UnknownReason, Verdict

META = RuleMeta(
    id="NotInSchemaMasterSite",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),  # the 2016/2019 Setup logs show the rule evaluated
    title=Text(
        en="Active Directory preparation must run from the schema master's site",
        fr="La préparation d'Active Directory doit être lancée depuis le site du maître de schéma",
    ),
    remediation=Text(
        en=(
            "Run Setup /PrepareSchema and /PrepareAD from a computer in the schema master's site (or "
            "move the schema master role), then install this server."
        ),
        fr=(
            "Lancez Setup /PrepareSchema et /PrepareAD depuis un ordinateur du site du maître de "
            "schéma (ou déplacez le rôle de maître de schéma), puis installez ce serveur."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/not-in-schema-master-site-domain-notinschemamastersite-exchange-2013-help",
    facts=("computer.ad_site", "ad.forest", "ad.computers", "ad.exchange_schema_version", "ad.exchange_org"),
)


def evaluate(ctx: RuleContext) -> Verdict:
    schema, ev1 = ic.schema_prep_needed(ctx)
    org, ev2 = ic.org_prep_needed(ctx)
    evidence: dict[str, Any] = {**ev1, **ev2}
    if not (schema or org):
        return ctx.not_applicable("no /PrepareSchema or /PrepareAD is due for the target CU", evidence)
    forest = ctx.value("ad.forest")
    master = str(forest.get("schema_master") or "").strip().rstrip(".")
    master_site = forest.get("schema_master_site")
    if not master_site:  # older saved facts: look the DC up among the discovered computers
        short = master.split(".", 1)[0].upper()
        computers = [c for c in (ctx.optional("ad.computers") or []) if isinstance(c, Mapping)]
        found = next((c for c in computers if str(c.get("name") or "").upper() == short), None)
        master_site = found.get("site") if found is not None else None
    evidence["schema_master"] = master
    if not master_site:
        raise FactUnavailable(
            UnknownReason.FACT_MISSING, "ad.forest", f"the AD site of the schema master {master} is not known"
        )
    master_site = str(master_site)
    site = ctx.optional("computer.ad_site")
    evidence.update({"schema_master_site": master_site, "site": site})
    if site is not None and str(site).casefold() == master_site.casefold():
        return ctx.passed(f"in the schema master's site {master_site}", evidence)
    return ctx.failed(
        f"preparation is due and this server is in site {site or '(none)'}, not the schema master's site {master_site}",
        evidence,
    )
