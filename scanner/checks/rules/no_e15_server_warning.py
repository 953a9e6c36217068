"""When Setup prepares the organisation and no Exchange 2013 or later ("Version 15.") server exists, it
warns that Exchange 2013 servers can no longer be added afterwards.
"""

from __future__ import annotations

from scanner.checks import installer_common as ic
from scanner.checks import org_common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="NoE15ServerWarning",
    severity=Severity.WARNING,
    scope=Scope.ORG,
    versions=("2016", "2019"),
    title=Text(
        en="After this preparation no Exchange 2013 server can be added",
        fr="Après cette préparation, aucun serveur Exchange 2013 ne pourra plus être ajouté",
    ),
    remediation=Text(
        en=(
            "If you still need to add Exchange 2013 servers, install them before preparing Active "
            "Directory for this version; otherwise nothing to do."
        ),
        fr=(
            "Si vous devez encore ajouter des serveurs Exchange 2013, installez-les avant de préparer"
            " Active Directory pour cette version ; sinon, rien à faire."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/deployment-ref/ms-exch-setupreadiness-noe15serverwarning",
    facts=("ad.exchange_org", "ad.exchange_servers"),
)

KEEP = ("Version 15.",)


def evaluate(ctx: RuleContext) -> Verdict:
    needed, evidence = ic.org_prep_needed(ctx)
    if not needed:
        return ctx.not_applicable(
            "the organisation is already prepared for the target CU: Setup does not warn", evidence
        )
    servers = org_common.exchange_servers(ctx)
    kept = [org_common.server_label(s) for s in servers if str(s.get("serial_number") or "").startswith(KEEP)]
    evidence["servers"] = kept
    if kept:
        return ctx.passed(f"{len(kept)} server(s) already keep the door open", evidence)
    return ctx.warned("preparing the organisation now closes it to Exchange 2013 servers", evidence)
