"""When Setup prepares the organisation and no Exchange 2007 ("Version 8.") and no Exchange 2013 or
later ("Version 15.") server exists, it warns that Exchange 2007 servers can no longer be added
afterwards.
"""

from __future__ import annotations

from scanner.checks import installer_common as ic
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="NoE12ServerWarning",
    severity=Severity.WARNING,
    scope=Scope.ORG,
    versions=("2013",),
    title=Text(
        en="After this preparation no Exchange 2007 server can be added",
        fr="Après cette préparation, aucun serveur Exchange 2007 ne pourra plus être ajouté",
    ),
    remediation=ic.add_servers_first_remediation("Exchange 2007"),
    help_url="https://learn.microsoft.com/exchange/noe12serverwarning-exchange-2013-help",
    facts=("ad.exchange_org", "ad.exchange_servers"),
)

KEEP = ("Version 8.", "Version 15.")


def evaluate(ctx: RuleContext) -> Verdict:
    return ic.prep_closes_door(ctx, KEEP, "Exchange 2007")
