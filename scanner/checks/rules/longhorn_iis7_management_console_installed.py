r"""Setup reads the IIS component DWORD ManagementConsole under InetStp\Components; missing or 0 means
the Web-Mgmt-Console feature is not installed.

Exchange 2019 on Server Core: not applicable. Documented: Microsoft's 2019 Server Core prerequisite
list omits Web-Mgmt-Console. Seen: the 2019 CU8 Setup log (CSS-Exchange ExchangeSetup_NoPerm.log)
evaluates the setting ServerGuiShellInstalled inside this rule, before IIS7ManagementConsole.
Inferred: Setup skips the console test when there is no desktop shell.
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
    versions=("2013", "2016", "2019", "SE"),
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
    help_url=common.PREREQUISITES_2019,
    facts=("iis.components", "os.installation_type"),
)


def evaluate(ctx: RuleContext) -> Verdict:
    exempt = common.core_2019_exemption(ctx, "the IIS Management Console (Web-Mgmt-Console)")
    if exempt is not None:
        return exempt
    return common.judge_iis_component(ctx, "ManagementConsole", "Web-Mgmt-Console")
