"""Setup asks Get-WindowsFeature whether Web-Asp-Net45 is installed and fails when it is not. Checked
on Windows Server 2012 and later only.
"""

from __future__ import annotations

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

FEATURE = "Web-Asp-Net45"

META = RuleMeta(
    id="WebASPNET45NotInstalled",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="IIS ASP.NET 4.5 is not installed",
        fr="ASP.NET 4.5 pour IIS n'est pas installé",
    ),
    remediation=common.add_feature_remediation(FEATURE),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/prerequisites",
    facts=("os.current_build", "windows.features"),
)


def evaluate(ctx: RuleContext) -> Verdict:
    return common.judge_feature(ctx, FEATURE, only=common.FROM_2012)
