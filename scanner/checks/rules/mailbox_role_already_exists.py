"""MailboxRoleAlreadyExists: Setup blocks the Mailbox install when a server object named like this
computer, under the Exchange organisation in Active Directory, has bit 2 (Mailbox) in
msExchCurrentServerRoles. The local v15\\MailboxRole key tells a real installation apart from a stale
AD object."""

from __future__ import annotations

from scanner.checks.context import RuleContext
from scanner.checks.org_common import role_already_exists
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="MailboxRoleAlreadyExists",
    severity=Severity.ERROR,
    scope=Scope.ORG,
    versions=("2013", "2016", "2019"),
    title=Text(
        en="The Mailbox server role is already recorded in Active Directory for this computer",
        fr="Le rôle serveur de boîtes aux lettres est déjà enregistré dans Active Directory pour cet "
        "ordinateur",
    ),
    remediation=Text(
        en="If the role is really installed on this computer there is nothing to install. If Active "
        "Directory keeps the server object of a failed or removed installation, run Setup "
        "/Mode:RecoverServer on this computer or remove the stale object, then scan again.",
        fr="Si le rôle est réellement installé sur cet ordinateur, il n'y a rien à installer. Si Active "
        "Directory conserve l'objet serveur d'une installation échouée ou supprimée, lancez Setup "
        "/Mode:RecoverServer sur cet ordinateur ou supprimez l'objet obsolète, puis relancez l'analyse.",
    ),
    help_url="https://learn.microsoft.com/exchange/exchange-2013-readiness-checks-exchange-2013-help",
    facts=("computer.name", "exchange.v15.roles", "ad.exchange_org", "ad.exchange_servers"),
)

ROLE_BIT = 2
ROLE_KEY = "MailboxRole"


def evaluate(ctx: RuleContext) -> Verdict:
    return role_already_exists(ctx, ROLE_BIT, ROLE_KEY, "Mailbox")
