"""Exchange 2016 and 2019 cannot join an organisation that still has Exchange 2007 servers."""

from __future__ import annotations

from scanner.checks.context import RuleContext
from scanner.checks.org_common import forbidden_version
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="E16E12CoexistenceMinVersionRequirement",
    severity=Severity.ERROR,
    scope=Scope.ORG,
    versions=("2016", "2019", "SE"),
    title=Text(
        en="Exchange 2007 servers are still part of the organisation",
        fr="Des serveurs Exchange 2007 font encore partie de l'organisation",
    ),
    remediation=Text(
        en="Migrate off the listed Exchange 2007 servers and uninstall them before installing this version.",
        fr="Migrez les données des serveurs Exchange 2007 indiqués et désinstallez-les avant d'installer "
        "cette version.",
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/deployment-ref/ms-exch-setupreadiness-e16e12coexistenceminversionrequirement",
    facts=("ad.exchange_servers",),
)


def evaluate(ctx: RuleContext) -> Verdict:
    return forbidden_version(ctx, "Version 8.", "Exchange 2007", f"Exchange {ctx.exchange_version}")
