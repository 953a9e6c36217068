r"""Setup reads the IIS component DWORD NetFxExtensibility under InetStp\Components; missing or 0 means
the Web-Net-Ext feature is not installed. Checked on Windows Server 2008 R2 only.
"""

from __future__ import annotations

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="LonghornIIS7NetExt",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013",),
    title=Text(
        en="IIS .NET Extensibility is not installed",
        fr="L'extensibilité .NET d'IIS n'est pas installée",
    ),
    remediation=Text(
        en=("Add the Web-Net-Ext Windows feature (Install-WindowsFeature Web-Net-Ext), then scan again."),
        fr=(
            "Ajoutez la fonctionnalité Windows Web-Net-Ext (Install-WindowsFeature Web-Net-Ext), puis"
            " relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/iis-7-net-extensibility-component-is-required-longhorniis7netext-exchange-2013-help",
    facts=("os.current_build", "iis.components"),
)


def evaluate(ctx: RuleContext) -> Verdict:
    return common.judge_iis_component(ctx, "NetFxExtensibility", "Web-Net-Ext", only_nt61=True)
