"""When Exchange 2019 Setup prepares the organisation and no Exchange 2016 or later server ("Version
15.1" or "Version 15.2") exists, it warns that Exchange 2016 servers can no longer be added afterwards.
The rule name and its inputs (E16ServerInTopology, E19ServerInTopology) are known from the Exchange 2019
Setup logs; the condition is the one of NoE14ServerWarning and NoE15ServerWarning, one version later.
"""

from __future__ import annotations

from scanner.checks import installer_common as ic
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="NoE16ServerWarning",
    severity=Severity.WARNING,
    scope=Scope.ORG,
    versions=("2019", "SE"),
    title=Text(
        en="After this preparation no Exchange 2016 server can be added",
        fr="Après cette préparation, aucun serveur Exchange 2016 ne pourra plus être ajouté",
    ),
    remediation=ic.add_servers_first_remediation("Exchange 2016"),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/prepare-ad-and-domains",
    facts=("ad.exchange_org", "ad.exchange_servers"),
)

KEEP = ("Version 15.1", "Version 15.2")


def evaluate(ctx: RuleContext) -> Verdict:
    return ic.prep_closes_door(ctx, KEEP, "Exchange 2016")
