r"""Setup reads the IIS component DWORD HttpCompressionStatic under InetStp\Components; missing or 0
means the Web-Stat-Compression feature is not installed.
"""

from __future__ import annotations

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="LonghornIIS7HttpCompressionStaticNotInstalled",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="IIS Static Content Compression is not installed",
        fr="La compression de contenu statique IIS n'est pas installée",
    ),
    remediation=Text(
        en=(
            "Add the Web-Stat-Compression Windows feature (Install-WindowsFeature "
            "Web-Stat-Compression), then scan again."
        ),
        fr=(
            "Ajoutez la fonctionnalité Windows Web-Stat-Compression (Install-WindowsFeature "
            "Web-Stat-Compression), puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/iis-7-component-not-installed-longhorniis7httpcompressionstaticnotinstalled-exchange-2013-help",
    facts=("iis.components",),
)


def evaluate(ctx: RuleContext) -> Verdict:
    return common.judge_iis_component(ctx, "HttpCompressionStatic", "Web-Stat-Compression")
