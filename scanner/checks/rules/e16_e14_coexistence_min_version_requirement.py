"""Exchange 2016 Setup needs every Exchange 2010 server at SP3 Update Rollup 11 (14.3.266) or later.
AD's serialNumber/versionNumber keep the service pack build, not the rollup: below SP3 fails for
certain; at SP3 the rollup cannot be read from AD and the verdict says so (unknown) unless AD shows
a later build.
"""

from __future__ import annotations

from typing import Any

from scanner.checks import org_common
from scanner.checks.context import FactUnavailable, RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import UnknownReason, Verdict

META = RuleMeta(
    id="E16E14CoexistenceMinVersionRequirement",
    severity=Severity.ERROR,
    scope=Scope.ORG,
    versions=("2016", "2019"),
    title=Text(
        en=("Exchange 2010 servers must be at SP3 Update Rollup 11 or later to coexist with Exchange 2016"),
        fr=(
            "Les serveurs Exchange 2010 doivent être en SP3 correctif cumulatif 11 ou ultérieur pour "
            "coexister avec Exchange 2016"
        ),
    ),
    remediation=Text(
        en=("Update every Exchange 2010 server to SP3 Update Rollup 11 or later before installing Exchange 2016."),
        fr=(
            "Mettez à jour chaque serveur Exchange 2010 en SP3 correctif cumulatif 11 ou ultérieur "
            "avant d'installer Exchange 2016."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/deployment-ref/ms-exch-setupreadiness-e16e14coexistenceminversionrequirement",
    facts=("ad.exchange_servers",),
)

SP3 = org_common.encode_version(14, 3, 0)
RU11 = org_common.encode_version(14, 3, 266)  # Exchange 2010 SP3 RU11 = 14.3.266.2


def evaluate(ctx: RuleContext) -> Verdict:
    if ctx.exchange_version == "2019":
        return ctx.not_applicable(
            "Exchange 2019 cannot coexist with Exchange 2010 at all: E19E14CoexistenceRequirement judges it", {}
        )
    servers = [
        s
        for s in org_common.with_serial(org_common.exchange_servers(ctx), "Version 14.")
        if int(s.get("roles") or 0) != 0
    ]
    evidence: dict[str, Any] = {
        "servers": [org_common.server_label(s) for s in servers],
        "minimum": "Exchange 2010 SP3 RU11 (14.3.266)",
    }
    if not servers:
        return ctx.not_applicable("no Exchange 2010 server in the organisation", evidence)
    numbers = {org_common.server_label(s): org_common.server_version_number(s) for s in servers}
    below_sp3 = [label for label, n in numbers.items() if n is not None and n < SP3]
    if below_sp3:
        evidence["below_sp3"] = below_sp3
        return ctx.failed(f"Exchange 2010 server(s) below SP3: {', '.join(below_sp3)}", evidence)
    unsure = [label for label, n in numbers.items() if n is None or n < RU11]
    if unsure:
        evidence["rollup_not_visible"] = unsure
        raise FactUnavailable(
            UnknownReason.FACT_MISSING,
            "ad.exchange_servers",
            "Active Directory records Exchange 2010 SP3 but not its update rollup for "
            f"{', '.join(unsure)}; check that each runs SP3 RU11 (14.3.266) or later",
        )
    return ctx.passed("every Exchange 2010 server is at SP3 RU11 or later", evidence)
