"""When Setup prepares the organisation and no Exchange 2013 or later ("Version 15.") server exists, it
warns that Exchange 2013 servers can no longer be added afterwards.
"""

from __future__ import annotations

from scanner.checks import installer_common as ic
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="NoE15ServerWarning",
    severity=Severity.WARNING,
    scope=Scope.ORG,
    versions=("2016", "2019", "SE"),
    title=Text(
        en="After this preparation no Exchange 2013 server can be added",
        fr="Après cette préparation, aucun serveur Exchange 2013 ne pourra plus être ajouté",
    ),
    remediation=ic.add_servers_first_remediation("Exchange 2013"),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/deployment-ref/ms-exch-setupreadiness-noe15serverwarning",
    facts=("ad.exchange_org", "ad.exchange_servers"),
)

KEEP = ("Version 15.",)


def evaluate(ctx: RuleContext) -> Verdict:
    return ic.prep_closes_door(ctx, KEEP, "Exchange 2013")
