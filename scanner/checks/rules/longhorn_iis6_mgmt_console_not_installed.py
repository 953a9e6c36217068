r"""Setup reads the IIS component DWORD LegacySnapin under InetStp\Components; missing or 0 means the
Web-Lgcy-Mgmt-Console feature is not installed.

Exchange 2013 only. Source: the 2013 CU23 rule engine declares it (Appendix A of the readiness
catalogue). Exchange 2016 and 2019 Setup no longer evaluate it: the 2019 CU8 Setup log of a Mailbox
run (CSS-Exchange Setup/Tests/PrerequisiteCheck/ExchangeSetup_NoPerm.log) evaluates its siblings
LonghornIIS6MetabaseNotInstalled, LonghornIIS6WMICompatibility and LonghornIIS7ManagementConsoleInstalled
and never this rule, and Microsoft's Server Core list for 2019 leaves Web-Lgcy-Mgmt-Console out.
Neither does any 2016/2019 readiness page name it.
"""

from __future__ import annotations

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="LonghornIIS6MgmtConsoleNotInstalled",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013",),
    title=Text(
        en="IIS 6 Management Console is not installed",
        fr="La console de gestion IIS 6 n'est pas installée",
    ),
    remediation=Text(
        en=(
            "Add the Web-Lgcy-Mgmt-Console Windows feature (Install-WindowsFeature "
            "Web-Lgcy-Mgmt-Console), then scan again."
        ),
        fr=(
            "Ajoutez la fonctionnalité Windows Web-Lgcy-Mgmt-Console (Install-WindowsFeature "
            "Web-Lgcy-Mgmt-Console), puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/iis-6-compatibility-components-not-installed-longhorniis6mgmtconsolenotinstalled-exchange-2013-help",
    facts=("iis.components",),
)


def evaluate(ctx: RuleContext) -> Verdict:
    return common.judge_iis_component(ctx, "LegacySnapin", "Web-Lgcy-Mgmt-Console")
