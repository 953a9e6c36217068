"""Exchange 2000 or 2003 servers in the organisation: no later version can join it. Setup looks for any
Exchange server object under the organisation's administrative groups whose serialNumber says
"Version 6" (6.0 is Exchange 2000, 6.5 is Exchange 2003)."""

from __future__ import annotations

from scanner.checks.context import RuleContext
from scanner.checks.org_common import LEGACY_SERIAL, exchange_servers, has_org, server_label, with_serial
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="Exchange2000or2003PresentInOrg",
    severity=Severity.ERROR,
    scope=Scope.ORG,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="Exchange 2000 or Exchange 2003 servers are still part of the organisation",
        fr="Des serveurs Exchange 2000 ou Exchange 2003 font encore partie de l'organisation",
    ),
    remediation=Text(
        en="Move mailboxes and connectors off the listed Exchange 2000/2003 servers to a version that can "
        "coexist with them, then uninstall those servers properly (or remove their leftover objects) before "
        "installing this version.",
        fr="Déplacez les boîtes aux lettres et les connecteurs des serveurs Exchange 2000/2003 indiqués "
        "vers une version qui peut cohabiter avec eux, puis désinstallez proprement ces serveurs (ou "
        "supprimez leurs objets résiduels) avant d'installer cette version.",
    ),
    help_url="https://learn.microsoft.com/exchange/can-t-install-exchange-2013-in-a-forest-containing-exchange-2000"
    "-or-exchange-2003-servers-exchange-2013-help",
    facts=("ad.exchange_org", "ad.exchange_servers"),
)


def evaluate(ctx: RuleContext) -> Verdict:
    if not has_org(ctx):
        return ctx.not_applicable("no Exchange organisation in Active Directory yet")
    legacy = with_serial(exchange_servers(ctx), LEGACY_SERIAL)
    evidence = {
        "legacy_servers": [server_label(s) for s in legacy],
        "dns": [str(s.get("dn")) for s in legacy],
    }
    if legacy:
        return ctx.failed(
            f"{len(legacy)} Exchange 2000/2003 server(s): {', '.join(evidence['legacy_servers'])}", evidence
        )
    return ctx.passed("no Exchange 2000/2003 server in the organisation", evidence)
