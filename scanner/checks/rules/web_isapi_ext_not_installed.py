"""Setup asks Get-WindowsFeature whether Web-ISAPI-Ext is installed and fails when it is not."""

from __future__ import annotations

from typing import Any

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="WebISAPIExtNotInstalled",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019"),
    title=Text(
        en="IIS ISAPI Extensions are not installed",
        fr="Les extensions ISAPI d'IIS ne sont pas installées",
    ),
    remediation=Text(
        en=("Add the Web-ISAPI-Ext Windows feature (Install-WindowsFeature Web-ISAPI-Ext), then scan again."),
        fr=(
            "Ajoutez la fonctionnalité Windows Web-ISAPI-Ext (Install-WindowsFeature Web-ISAPI-Ext), "
            "puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/prerequisites",
    facts=("windows.features",),
)

FEATURE = "Web-ISAPI-Ext"


def evaluate(ctx: RuleContext) -> Verdict:
    evidence: dict[str, Any] = {"feature": FEATURE, "source": "Get-WindowsFeature"}
    installed = common.feature_installed(ctx, FEATURE)
    evidence["installed"] = installed
    if not installed:
        return ctx.failed("Web-ISAPI-Ext is not installed", evidence)
    return ctx.passed("Web-ISAPI-Ext is installed", evidence)
