r"""Setup reads the IIS component DWORD HttpRedirect under InetStp\Components; missing or 0 means the
Web-Http-Redirect feature is not installed.
"""

from __future__ import annotations

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="LonghornHttpRedirect",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="IIS HTTP Redirection is not installed",
        fr="La redirection HTTP IIS n'est pas installée",
    ),
    remediation=Text(
        en=("Add the Web-Http-Redirect Windows feature (Install-WindowsFeature Web-Http-Redirect), then scan again."),
        fr=(
            "Ajoutez la fonctionnalité Windows Web-Http-Redirect (Install-WindowsFeature "
            "Web-Http-Redirect), puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/prerequisites",
    facts=("iis.components",),
)


def evaluate(ctx: RuleContext) -> Verdict:
    return common.judge_iis_component(ctx, "HttpRedirect", "Web-Http-Redirect")
