"""Client Access (Cafe) role already installed. Setup looks only at Active Directory: a server object named
like this computer whose msExchCurrentServerRoles has bit 1 (2013 CU23 engine: settings ServerAlreadyExists
and CafeRoleInstalled). Judged like its four siblings (Mailbox, ClientAccess, UnifiedMessaging, Bridgehead
RoleAlreadyExists): without AD, a configured local v15\\CafeRole key fails (the installation that wrote it
created the AD object Setup will find), anything else is UNKNOWN, because Setup's answer is in AD; with AD,
the local key tells a real installation from a stale object."""

from __future__ import annotations

from scanner.checks import org_common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="CafeRoleAlreadyExists",
    severity=Severity.ERROR,
    scope=Scope.ORG,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="The Client Access server role is already installed on this computer",
        fr="Le rôle serveur d'accès au client est déjà installé sur cet ordinateur",
    ),
    remediation=Text(
        en="If the role is really installed, there is nothing to install. If Active Directory keeps a stale "
        "server object from a failed or removed installation, recover the server with Setup "
        "/Mode:RecoverServer or remove the stale object, then scan again.",
        fr="Si le rôle est réellement installé, il n'y a rien à installer. Si Active Directory conserve un "
        "objet serveur obsolète issu d'une installation échouée ou supprimée, récupérez le serveur avec "
        "Setup /Mode:RecoverServer ou supprimez l'objet obsolète, puis relancez l'analyse.",
    ),
    help_url="https://learn.microsoft.com/exchange/client-access-server-role-is-already-installed-exchange-2013-help",
    facts=org_common.ROLE_ALREADY_EXISTS_FACTS,
)

CAFE_BIT = 1
ROLE_KEY = "CafeRole"


def evaluate(ctx: RuleContext) -> Verdict:
    return org_common.role_already_exists(ctx, CAFE_BIT, ROLE_KEY, "Client Access")
