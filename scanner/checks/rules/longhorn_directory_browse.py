r"""Setup reads the IIS component DWORD DirectoryBrowse under InetStp\Components; missing or 0 means the
Web-Dir-Browsing feature is not installed.
"""

from __future__ import annotations

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="LonghornDirectoryBrowse",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="IIS Directory Browsing is not installed",
        fr="L'exploration de répertoire IIS n'est pas installée",
    ),
    remediation=Text(
        en=("Add the Web-Dir-Browsing Windows feature (Install-WindowsFeature Web-Dir-Browsing), then scan again."),
        fr=(
            "Ajoutez la fonctionnalité Windows Web-Dir-Browsing (Install-WindowsFeature "
            "Web-Dir-Browsing), puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/prerequisites",
    facts=("iis.components",),
)


def evaluate(ctx: RuleContext) -> Verdict:
    return common.judge_iis_component(ctx, "DirectoryBrowse", "Web-Dir-Browsing")
