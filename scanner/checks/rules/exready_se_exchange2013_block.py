"""Exchange SE RTM Setup refuses to install into an organisation that still has Exchange 2013 servers
(Microsoft's SE upgrade guidance). The name of the Setup readiness rule behind the block is not published,
so the id is exready's own. Server objects with no roles (msExchCurrentServerRoles 0) are skipped, as
Setup's coexistence rules skip them.
"""

from __future__ import annotations

from typing import Any

from scanner.checks import se_common
from scanner.checks import se_sources as se
from scanner.checks.context import RuleContext
from scanner.checks.org_common import server_label
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="ExreadySeExchange2013Block",
    severity=Severity.ERROR,
    scope=Scope.ORG,
    versions=("SE",),
    title=Text(
        en="Exchange 2013 servers are still in the organisation: Exchange SE Setup refuses to install",
        fr="Des serveurs Exchange 2013 sont encore dans l'organisation : l'installation d'Exchange SE est refusée",
    ),
    remediation=Text(
        en="Move the mailboxes, public folders and connectors off the listed Exchange 2013 servers, uninstall "
        "them (Exchange 2013 left support on 2023-04-11), then scan again. Exchange 2016 CU23 or 2019 "
        "CU14/CU15 servers may stay while SE is added.",
        fr="Déplacez les boîtes aux lettres, dossiers publics et connecteurs des serveurs Exchange 2013 "
        "indiqués, désinstallez-les (Exchange 2013 n'est plus pris en charge depuis le 11/04/2023), puis "
        "relancez l'analyse. Les serveurs Exchange 2016 CU23 ou 2019 CU14/CU15 peuvent rester pendant l'ajout "
        "de SE.",
    ),
    help_url=se.UPGRADE_TO_SE,
    facts=("ad.exchange_servers",),
    sources=(se.BLOCKS_2013, se.LIFECYCLE),
)


def evaluate(ctx: RuleContext) -> Verdict:
    servers = se_common.of_product(se_common.servers_with_roles(ctx), "Exchange 2013")
    evidence: dict[str, Any] = {"exchange_2013_servers": [server_label(s) for s in servers]}
    if not servers:
        return ctx.passed("no Exchange 2013 server in the organisation", evidence)
    return ctx.failed(
        f"{len(servers)} Exchange 2013 server(s) block Exchange SE Setup: "
        f"{', '.join(evidence['exchange_2013_servers'])}",
        evidence,
    )
