"""Setup asks Get-WindowsFeature whether Web-ISAPI-Ext is installed and fails when it is not."""

from __future__ import annotations

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

FEATURE = "Web-ISAPI-Ext"

META = RuleMeta(
    id="WebISAPIExtNotInstalled",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="IIS ISAPI Extensions are not installed",
        fr="Les extensions ISAPI d'IIS ne sont pas installées",
    ),
    remediation=common.add_feature_remediation(FEATURE),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/prerequisites",
    facts=("windows.features",),
)


def evaluate(ctx: RuleContext) -> Verdict:
    return common.judge_feature(ctx, FEATURE)
