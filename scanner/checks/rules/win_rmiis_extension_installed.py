"""Setup asks Get-WindowsFeature whether WinRM-IIS-Ext is installed and fails when it is (it conflicts
with Exchange).
"""

from __future__ import annotations

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="WinRMIISExtensionInstalled",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="The WinRM IIS Extension feature is installed and conflicts with Exchange",
        fr="La fonctionnalité Extension IIS de WinRM est installée et entre en conflit avec Exchange",
    ),
    remediation=Text(
        en=("Remove the WinRM-IIS-Ext feature (Uninstall-WindowsFeature WinRM-IIS-Ext), then scan again."),
        fr=(
            "Supprimez la fonctionnalité WinRM-IIS-Ext (Uninstall-WindowsFeature WinRM-IIS-Ext), puis"
            " relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/prerequisites",
    facts=("windows.features",),
)

FEATURE = "WinRM-IIS-Ext"


def evaluate(ctx: RuleContext) -> Verdict:
    return common.judge_feature(ctx, FEATURE, unwanted=True)
