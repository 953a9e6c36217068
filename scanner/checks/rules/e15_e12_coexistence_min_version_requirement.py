"""Exchange 2007 servers (serialNumber "Version 8.", with roles) must be at SP3 before Exchange 2013 joins the
organisation. Setup compares versionNumber with 8.3.83 (SP3); the documented Update Rollup 10 is not
visible in Active Directory, so it is named in the remediation only."""

from __future__ import annotations

from scanner.checks.context import RuleContext
from scanner.checks.org_common import coexistence_minimum, encode_version
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="E15E12CoexistenceMinVersionRequirement",
    severity=Severity.ERROR,
    scope=Scope.ORG,
    versions=("2013",),
    title=Text(
        en="Exchange 2007 servers in the organisation are older than Service Pack 3",
        fr="Des serveurs Exchange 2007 de l'organisation sont antérieurs au Service Pack 3",
    ),
    remediation=Text(
        en="Update every Exchange 2007 server to Service Pack 3 with Update Rollup 10 or later before "
        "installing Exchange 2013.",
        fr="Mettez à jour chaque serveur Exchange 2007 vers le Service Pack 3 avec le correctif cumulatif "
        "10 ou ultérieur avant d'installer Exchange 2013.",
    ),
    help_url="https://learn.microsoft.com/exchange/exchange-2007-servers-must-be-upgraded-to-service-pack-3-update-rollup-10-exchange-2013-help",
    facts=("ad.exchange_servers",),
)

MINIMUM = encode_version(8, 3, 83)  # Exchange 2007 SP3


def evaluate(ctx: RuleContext) -> Verdict:
    return coexistence_minimum(ctx, "Version 8.", "Exchange 2007", MINIMUM, "Exchange 2007 SP3 (8.3.83)")
