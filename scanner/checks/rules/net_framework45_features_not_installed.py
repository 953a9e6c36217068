"""Setup asks Get-WindowsFeature whether NET-Framework-45-Features is installed and fails when it is
not. Checked on Windows Server 2012 and later only.
"""

from __future__ import annotations

from typing import Any

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="NETFramework45FeaturesNotInstalled",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019"),
    title=Text(
        en="The .NET Framework 4.5 Features are not installed",
        fr="Les fonctionnalités .NET Framework 4.5 ne sont pas installées",
    ),
    remediation=Text(
        en=(
            "Add the NET-Framework-45-Features Windows feature (Install-WindowsFeature "
            "NET-Framework-45-Features), then scan again."
        ),
        fr=(
            "Ajoutez la fonctionnalité Windows NET-Framework-45-Features (Install-WindowsFeature "
            "NET-Framework-45-Features), puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/prerequisites",
    facts=("os.current_build", "windows.features"),
)

FEATURE = "NET-Framework-45-Features"


def evaluate(ctx: RuleContext) -> Verdict:
    evidence: dict[str, Any] = {"feature": FEATURE, "source": "Get-WindowsFeature"}
    build = common.os_build(ctx)
    evidence["os_build"] = build
    if not (common.at_least_nt62(build)):
        return ctx.not_applicable(
            f"checked on Windows Server 2012 and later only; this is {common.windows_name(build)}", evidence
        )
    installed = common.feature_installed(ctx, FEATURE)
    evidence["installed"] = installed
    if not installed:
        return ctx.failed("NET-Framework-45-Features is not installed", evidence)
    return ctx.passed("NET-Framework-45-Features is installed", evidence)
