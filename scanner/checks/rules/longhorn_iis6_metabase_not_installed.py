r"""Setup reads the IIS component DWORD Metabase under InetStp\Components; missing or 0 means the Web-
Metabase feature is not installed.
"""

from __future__ import annotations

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="LonghornIIS6MetabaseNotInstalled",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="IIS 6 Metabase Compatibility is not installed",
        fr="La compatibilité avec la métabase IIS 6 n'est pas installée",
    ),
    remediation=Text(
        en=("Add the Web-Metabase Windows feature (Install-WindowsFeature Web-Metabase), then scan again."),
        fr=(
            "Ajoutez la fonctionnalité Windows Web-Metabase (Install-WindowsFeature Web-Metabase), "
            "puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/iis-6-compatibility-components-not-installed-longhorniis6metabasenotinstalled-exchange-2013-help",
    facts=("iis.components",),
)


def evaluate(ctx: RuleContext) -> Verdict:
    return common.judge_iis_component(ctx, "Metabase", "Web-Metabase")
