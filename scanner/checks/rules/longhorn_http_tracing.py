r"""Setup reads the IIS component DWORD HttpTracing under InetStp\Components; missing or 0 means the
Web-Http-Tracing feature is not installed.
"""

from __future__ import annotations

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="LonghornHttpTracing",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="IIS Tracing is not installed",
        fr="Le suivi IIS n'est pas installé",
    ),
    remediation=Text(
        en=("Add the Web-Http-Tracing Windows feature (Install-WindowsFeature Web-Http-Tracing), then scan again."),
        fr=(
            "Ajoutez la fonctionnalité Windows Web-Http-Tracing (Install-WindowsFeature "
            "Web-Http-Tracing), puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/prerequisites",
    facts=("iis.components",),
)


def evaluate(ctx: RuleContext) -> Verdict:
    return common.judge_iis_component(ctx, "HttpTracing", "Web-Http-Tracing")
