"""Setup asks Get-WindowsFeature whether Server-Gui-Mgmt-Infra is installed and fails when it is not.
Checked on Windows Server 2012 and 2012 R2 only.
"""

from __future__ import annotations

from typing import Any

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="ServerGuiMgmtInfraNotInstalled",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016"),
    title=Text(
        en="The Graphical Management Tools and Infrastructure feature is not installed",
        fr="La fonctionnalité Infrastructure et outils de gestion graphiques n'est pas installée",
    ),
    remediation=Text(
        en=(
            "Add the Server-Gui-Mgmt-Infra Windows feature (Install-WindowsFeature "
            "Server-Gui-Mgmt-Infra), then scan again."
        ),
        fr=(
            "Ajoutez la fonctionnalité Windows Server-Gui-Mgmt-Infra (Install-WindowsFeature "
            "Server-Gui-Mgmt-Infra), puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/prerequisites",
    facts=("os.current_build", "windows.features"),
)

FEATURE = "Server-Gui-Mgmt-Infra"


def evaluate(ctx: RuleContext) -> Verdict:
    evidence: dict[str, Any] = {"feature": FEATURE, "source": "Get-WindowsFeature"}
    build = common.os_build(ctx)
    evidence["os_build"] = build
    if build not in (common.BUILD_2012, common.BUILD_2012R2):
        return ctx.not_applicable(
            f"checked on Windows Server 2012 and 2012 R2 only; this is {common.windows_name(build)}", evidence
        )
    installed = common.feature_installed(ctx, FEATURE)
    evidence["installed"] = installed
    if not installed:
        return ctx.failed("Server-Gui-Mgmt-Infra is not installed", evidence)
    return ctx.passed("Server-Gui-Mgmt-Infra is installed", evidence)
