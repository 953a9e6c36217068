r"""Setup reads the IIS component DWORD HttpLogging under InetStp\Components; missing or 0 means the
Web-Http-Logging feature is not installed.
"""

from __future__ import annotations

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="LonghornHttpLogging",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="IIS HTTP Logging is not installed",
        fr="La journalisation HTTP IIS n'est pas installée",
    ),
    remediation=Text(
        en=("Add the Web-Http-Logging Windows feature (Install-WindowsFeature Web-Http-Logging), then scan again."),
        fr=(
            "Ajoutez la fonctionnalité Windows Web-Http-Logging (Install-WindowsFeature "
            "Web-Http-Logging), puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/prerequisites",
    facts=("iis.components",),
)


def evaluate(ctx: RuleContext) -> Verdict:
    return common.judge_iis_component(ctx, "HttpLogging", "Web-Http-Logging")
