r"""Setup reads the IIS component DWORD HttpCompressionDynamic under InetStp\Components; missing or 0
means the Web-Dyn-Compression feature is not installed.
"""

from __future__ import annotations

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="LonghornIIS7HttpCompressionDynamicNotInstalled",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="IIS Dynamic Content Compression is not installed",
        fr="La compression de contenu dynamique IIS n'est pas installée",
    ),
    remediation=Text(
        en=(
            "Add the Web-Dyn-Compression Windows feature (Install-WindowsFeature Web-Dyn-Compression), then scan again."
        ),
        fr=(
            "Ajoutez la fonctionnalité Windows Web-Dyn-Compression (Install-WindowsFeature "
            "Web-Dyn-Compression), puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/iis-7-component-not-installed-longhorniis7httpcompressiondynamicnotinstalled-exchange-2013-help",
    facts=("iis.components",),
)


def evaluate(ctx: RuleContext) -> Verdict:
    return common.judge_iis_component(ctx, "HttpCompressionDynamic", "Web-Dyn-Compression")
