r"""Setup reads the IIS component DWORD HttpErrors under InetStp\Components; missing or 0 means the Web-
Http-Errors feature is not installed.
"""

from __future__ import annotations

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="LonghornHttpErrors",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="IIS HTTP Errors is not installed",
        fr="Les erreurs HTTP IIS ne sont pas installées",
    ),
    remediation=Text(
        en=("Add the Web-Http-Errors Windows feature (Install-WindowsFeature Web-Http-Errors), then scan again."),
        fr=(
            "Ajoutez la fonctionnalité Windows Web-Http-Errors (Install-WindowsFeature "
            "Web-Http-Errors), puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/prerequisites",
    facts=("iis.components",),
)


def evaluate(ctx: RuleContext) -> Verdict:
    return common.judge_iis_component(ctx, "HttpErrors", "Web-Http-Errors")
