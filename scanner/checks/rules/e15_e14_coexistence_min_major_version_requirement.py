"""Exchange 2010 servers (serialNumber "Version 14.", with roles) must be at SP3 (14.3) before Exchange 2013
joins the organisation."""

from __future__ import annotations

from scanner.checks.context import RuleContext
from scanner.checks.org_common import coexistence_minimum, encode_version
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="E15E14CoexistenceMinMajorVersionRequirement",
    severity=Severity.ERROR,
    scope=Scope.ORG,
    versions=("2013",),
    title=Text(
        en="Exchange 2010 servers in the organisation are older than Service Pack 3",
        fr="Des serveurs Exchange 2010 de l'organisation sont antérieurs au Service Pack 3",
    ),
    remediation=Text(
        en="Update every Exchange 2010 server to Service Pack 3 before installing Exchange 2013.",
        fr="Mettez à jour chaque serveur Exchange 2010 vers le Service Pack 3 avant d'installer Exchange "
        "2013.",
    ),
    help_url="https://learn.microsoft.com/exchange/exchange-2010-servers-must-be-upgraded-to-service-pack-3-exchange-2013-help_1",
    facts=("ad.exchange_servers",),
)

MINIMUM = encode_version(14, 3, 0)  # Exchange 2010 SP3


def evaluate(ctx: RuleContext) -> Verdict:
    return coexistence_minimum(ctx, "Version 14.", "Exchange 2010", MINIMUM, "Exchange 2010 SP3 (14.3)")
