"""Setup stops when the first offline address book's offLineABServer points at a deleted object (its DN
carries 'DEL:').
"""

from __future__ import annotations

from scanner.checks import org_common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="OffLineABServerDeleted",
    severity=Severity.ERROR,
    scope=Scope.ORG,
    versions=("2013", "2019", "SE"),  # the 2019 Setup logs show the rule evaluated
    title=Text(
        en="The offline address book's generation server has been deleted",
        fr="Le serveur de génération du carnet d'adresses en mode hors connexion a été supprimé",
    ),
    remediation=Text(
        en=(
            "Move the offline address book generation to an existing server (Move-OfflineAddressBook), then scan again."
        ),
        fr=(
            "Déplacez la génération du carnet d'adresses en mode hors connexion vers un serveur "
            "existant (Move-OfflineAddressBook), puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/oab-server-has-been-deleted-offlineabserverdeleted-exchange-2013-help",
    facts=("ad.oabs",),
)


def evaluate(ctx: RuleContext) -> Verdict:
    oabs = ctx.optional("ad.oabs")
    if not oabs:
        return ctx.not_applicable(org_common.without_org_objects(ctx, "offline address book"), {})
    first = oabs[0]
    servers = [str(s) for s in first.get("offline_ab_servers") or []]
    evidence = {"oab": first.get("name"), "offline_ab_servers": servers}
    deleted = [s for s in servers if "DEL:" in s]
    if deleted:
        return ctx.failed(f"offline address book {first.get('name')} points at a deleted server", evidence)
    return ctx.passed(f"offline address book {first.get('name')} has a live generation server", evidence)
