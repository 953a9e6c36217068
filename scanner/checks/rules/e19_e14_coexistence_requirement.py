"""Exchange 2019 cannot join an organisation that still has Exchange 2010 servers."""

from __future__ import annotations

from scanner.checks.context import RuleContext
from scanner.checks.org_common import forbidden_version
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="E19E14CoexistenceRequirement",
    severity=Severity.ERROR,
    scope=Scope.ORG,
    versions=("2019", "SE"),
    title=Text(
        en="Exchange 2010 servers are still part of the organisation",
        fr="Des serveurs Exchange 2010 font encore partie de l'organisation",
    ),
    remediation=Text(
        en="Migrate off the listed Exchange 2010 servers and uninstall them before installing Exchange 2019 "
        "or SE.",
        fr="Migrez les données des serveurs Exchange 2010 indiqués et désinstallez-les avant d'installer "
        "Exchange 2019 ou SE.",
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/deployment-ref/readiness-checks",
    facts=("ad.exchange_servers",),
)


def evaluate(ctx: RuleContext) -> Verdict:
    return forbidden_version(ctx, "Version 14.", "Exchange 2010", f"Exchange {ctx.exchange_version}")
