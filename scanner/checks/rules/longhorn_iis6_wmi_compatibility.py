r"""Setup reads the IIS component DWORD WMICompatibility under InetStp\Components; missing or 0 means
the Web-WMI feature is not installed.
"""

from __future__ import annotations

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="LonghornIIS6WMICompatibility",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="IIS 6 WMI Compatibility is not installed",
        fr="La compatibilité WMI IIS 6 n'est pas installée",
    ),
    remediation=Text(
        en="Add the Web-WMI Windows feature (Install-WindowsFeature Web-WMI), then scan again.",
        fr=("Ajoutez la fonctionnalité Windows Web-WMI (Install-WindowsFeature Web-WMI), puis relancez l'analyse."),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/prerequisites",
    facts=("iis.components",),
)


def evaluate(ctx: RuleContext) -> Verdict:
    return common.judge_iis_component(ctx, "WMICompatibility", "Web-WMI")
