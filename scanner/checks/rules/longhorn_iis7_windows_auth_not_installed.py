r"""Setup reads the IIS component DWORD WindowsAuthentication under InetStp\Components; missing or 0
means the Web-Windows-Auth feature is not installed.
"""

from __future__ import annotations

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="LonghornIIS7WindowsAuthNotInstalled",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="IIS Windows Authentication is not installed",
        fr="L'authentification Windows IIS n'est pas installée",
    ),
    remediation=Text(
        en=("Add the Web-Windows-Auth Windows feature (Install-WindowsFeature Web-Windows-Auth), then scan again."),
        fr=(
            "Ajoutez la fonctionnalité Windows Web-Windows-Auth (Install-WindowsFeature "
            "Web-Windows-Auth), puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/iis-7-component-not-installed-longhorniis7windowsauthnotinstalled-exchange-2013-help",
    facts=("iis.components",),
)


def evaluate(ctx: RuleContext) -> Verdict:
    return common.judge_iis_component(ctx, "WindowsAuthentication", "Web-Windows-Auth")
