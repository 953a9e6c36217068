r"""Setup reads the IIS component DWORD AdminService under InetStp\Components; missing or 0 means the
Web-Mgmt-Service feature is not installed.
"""

from __future__ import annotations

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="ManagementServiceInstalled",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="IIS Management Service is not installed",
        fr="Le service de gestion IIS n'est pas installé",
    ),
    remediation=Text(
        en=("Add the Web-Mgmt-Service Windows feature (Install-WindowsFeature Web-Mgmt-Service), then scan again."),
        fr=(
            "Ajoutez la fonctionnalité Windows Web-Mgmt-Service (Install-WindowsFeature "
            "Web-Mgmt-Service), puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/prerequisites",
    facts=("iis.components",),
)


def evaluate(ctx: RuleContext) -> Verdict:
    return common.judge_iis_component(ctx, "AdminService", "Web-Mgmt-Service")
