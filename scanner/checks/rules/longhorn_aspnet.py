r"""Setup reads the IIS component DWORD ASPNET under InetStp\Components; missing or 0 means the Web-Asp-
Net feature is not installed. Checked on Windows Server 2008 R2 only.
"""

from __future__ import annotations

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="LonghornASPNET",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013",),
    title=Text(
        en="IIS ASP.NET is not installed",
        fr="ASP.NET pour IIS n'est pas installé",
    ),
    remediation=Text(
        en=("Add the Web-Asp-Net Windows feature (Install-WindowsFeature Web-Asp-Net), then scan again."),
        fr=(
            "Ajoutez la fonctionnalité Windows Web-Asp-Net (Install-WindowsFeature Web-Asp-Net), puis"
            " relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/exchange-2013-prerequisites-exchange-2013-help",
    facts=("os.current_build", "iis.components"),
)


def evaluate(ctx: RuleContext) -> Verdict:
    return common.judge_iis_component(ctx, "ASPNET", "Web-Asp-Net", only_nt61=True)
