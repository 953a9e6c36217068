"""Setup warns when no Exchange server with the Client Access role (bit 4) is in this server's AD site
(msExchServerSite).
"""

from __future__ import annotations

from scanner.checks import org_common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="ClientAccessRoleNotPresentInSite",
    severity=Severity.WARNING,
    scope=Scope.HOST,
    versions=("2013",),
    title=Text(
        en="No Client Access server in this server's AD site",
        fr="Aucun serveur accès au client dans le site AD de ce serveur",
    ),
    remediation=Text(
        en=(
            "Plan a Client Access server in this site: mail flow and client access of the site's "
            "mailboxes depend on one."
        ),
        fr=(
            "Prévoyez un serveur accès au client dans ce site : le flux de messagerie et l'accès "
            "client des boîtes aux lettres du site en dépendent."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/client-access-role-not-detected-in-local-site-clientaccessrolenotpresentinsite-exchange-2013-help",
    facts=("computer.ad_site", "ad.exchange_servers", "ad.exchange_server_sites"),
)

ROLE_BIT = 4


def evaluate(ctx: RuleContext) -> Verdict:
    return org_common.role_in_site(ctx, ROLE_BIT, "Client Access")
