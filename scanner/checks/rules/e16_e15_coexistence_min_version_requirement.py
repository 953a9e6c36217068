"""Exchange 2016 and 2019 Setup need every Exchange 2013 server (serialNumber 'Version 15.0', with
roles) at CU10 (15.0.1130) or later; servers of other versions are not concerned.
"""

from __future__ import annotations

from scanner.checks import org_common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="E16E15CoexistenceMinVersionRequirement",
    severity=Severity.ERROR,
    scope=Scope.ORG,
    versions=("2016", "2019"),
    title=Text(
        en="Exchange 2013 servers must be at CU10 or later to coexist with this version",
        fr=("Les serveurs Exchange 2013 doivent être en CU10 ou ultérieure pour coexister avec cette version"),
    ),
    remediation=Text(
        en=(
            "Update every Exchange 2013 server to CU10 or later (ideally the latest CU) before "
            "installing Exchange 2016 or 2019."
        ),
        fr=(
            "Mettez à jour chaque serveur Exchange 2013 en CU10 ou ultérieure (idéalement la dernière"
            " CU) avant d'installer Exchange 2016 ou 2019."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/deployment-ref/ms-exch-setupreadiness-e16e15coexistenceminversionrequirement",
    facts=("ad.exchange_servers",),
)

MINIMUM = org_common.encode_version(15, 0, 1130)  # Exchange 2013 CU10


def evaluate(ctx: RuleContext) -> Verdict:
    return org_common.coexistence_minimum(
        ctx, "Version 15.0", "Exchange 2013", MINIMUM, "Exchange 2013 CU10 (15.0.1130)"
    )
