r"""Setup reads the IIS component DWORD ManagementConsole under InetStp\Components; missing or 0 means
the Web-Mgmt-Console feature is not installed.
"""

from __future__ import annotations

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="LonghornIIS7ManagementConsoleInstalled",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019"),
    title=Text(
        en="IIS Management Console is not installed",
        fr="La console de gestion IIS n'est pas installée",
    ),
    remediation=Text(
        en=("Add the Web-Mgmt-Console Windows feature (Install-WindowsFeature Web-Mgmt-Console), then scan again."),
        fr=(
            "Ajoutez la fonctionnalité Windows Web-Mgmt-Console (Install-WindowsFeature "
            "Web-Mgmt-Console), puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/prerequisites",
    facts=("iis.components",),
)


def evaluate(ctx: RuleContext) -> Verdict:
    return common.judge_iis_component(ctx, "ManagementConsole", "Web-Mgmt-Console")
