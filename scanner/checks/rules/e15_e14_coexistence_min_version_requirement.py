"""Exchange 2010 servers below build 14.3.71: a warning from Exchange 2013 Setup (the SP3 minimum itself is
E15E14CoexistenceMinMajorVersionRequirement)."""

from __future__ import annotations

from scanner.checks.context import RuleContext
from scanner.checks.org_common import coexistence_minimum, encode_version
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="E15E14CoexistenceMinVersionRequirement",
    severity=Severity.WARNING,
    scope=Scope.ORG,
    versions=("2013",),
    title=Text(
        en="Exchange 2010 servers in the organisation are below build 14.3.71",
        fr="Des serveurs Exchange 2010 de l'organisation ont une version inférieure à 14.3.71",
    ),
    remediation=Text(
        en="Install a current Update Rollup for Exchange 2010 Service Pack 3 on the listed servers.",
        fr="Installez un correctif cumulatif récent d'Exchange 2010 Service Pack 3 sur les serveurs "
        "indiqués.",
    ),
    help_url="https://learn.microsoft.com/exchange/exchange-2010-servers-must-be-upgraded-to-service-pack-3-exchange-2013-help",
    facts=("ad.exchange_servers",),
)

MINIMUM = encode_version(14, 3, 71)


def evaluate(ctx: RuleContext) -> Verdict:
    return coexistence_minimum(
        ctx, "Version 14.", "Exchange 2010", MINIMUM, "Exchange 2010 14.3.71", warn=True
    )
