"""When no Exchange server with the Front End Transport role (msExchCurrentServerRoles bit 16384)
exists at this version or later, Setup needs its account in Organization Management or Enterprise
Admins.
"""

from __future__ import annotations

from scanner.checks import installer_common as ic
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="DelegatedFrontendTransportFirstInstall",
    severity=Severity.ERROR,
    scope=Scope.ORG,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en=("The first Front End Transport server of this version must be installed by an organisation administrator"),
        fr=(
            "Le premier serveur transport frontal de cette version doit être installé par un "
            "administrateur de l'organisation"
        ),
    ),
    remediation=ic.FIRST_INSTALL_REMEDIATION,
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/deployment-ref/ms-exch-setupreadiness-delegatedfrontendtransportfirstinstall",
    facts=("ad.exchange_servers", "installer.account"),
)

ROLE_BIT = 16384


def evaluate(ctx: RuleContext) -> Verdict:
    return ic.first_install_by_org_admin(ctx, ROLE_BIT, "Front End Transport")
