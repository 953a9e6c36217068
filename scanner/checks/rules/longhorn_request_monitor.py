r"""Setup reads the IIS component DWORD RequestMonitor under InetStp\Components; missing or 0 means the
Web-Request-Monitor feature is not installed.
"""

from __future__ import annotations

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="LonghornRequestMonitor",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="IIS Request Monitor is not installed",
        fr="L'analyseur de requêtes IIS n'est pas installé",
    ),
    remediation=Text(
        en=(
            "Add the Web-Request-Monitor Windows feature (Install-WindowsFeature Web-Request-Monitor), then scan again."
        ),
        fr=(
            "Ajoutez la fonctionnalité Windows Web-Request-Monitor (Install-WindowsFeature "
            "Web-Request-Monitor), puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/prerequisites",
    facts=("iis.components",),
)


def evaluate(ctx: RuleContext) -> Verdict:
    return common.judge_iis_component(ctx, "RequestMonitor", "Web-Request-Monitor")
