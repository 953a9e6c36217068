"""ClientAccessRoleAlreadyExists: Setup blocks the Mailbox install when a server object named like this
computer, under the Exchange organisation in Active Directory, has bit 4 (Client Access (back end)) in
msExchCurrentServerRoles. The local v15\\ClientAccessRole key tells a real installation apart from a stale
AD object."""

from __future__ import annotations

from scanner.checks import org_common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="ClientAccessRoleAlreadyExists",
    severity=Severity.ERROR,
    scope=Scope.ORG,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="The back-end Client Access component is already recorded in Active Directory for this computer",
        fr="Le composant d'accès au client (serveur principal) est déjà enregistré dans Active Directory "
        "pour cet ordinateur",
    ),
    remediation=org_common.ROLE_ALREADY_EXISTS_REMEDIATION,
    help_url="https://learn.microsoft.com/exchange/exchange-2013-readiness-checks-exchange-2013-help",
    facts=org_common.ROLE_ALREADY_EXISTS_FACTS,
)

ROLE_BIT = 4
ROLE_KEY = "ClientAccessRole"


def evaluate(ctx: RuleContext) -> Verdict:
    return org_common.role_already_exists(ctx, ROLE_BIT, ROLE_KEY, "Client Access (back end)")
