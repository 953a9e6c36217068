"""Setup asks Get-WindowsFeature whether RSAT-Clustering-Mgmt is installed and fails when it is not.
Checked on Windows Server 2012 and later only.
"""

from __future__ import annotations

from typing import Any

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="RsatClusteringMgmtInstalled",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019"),
    title=Text(
        en="The Failover Cluster Manager feature is not installed",
        fr="La fonctionnalité Gestionnaire du cluster de basculement n'est pas installée",
    ),
    remediation=Text(
        en=(
            "Add the RSAT-Clustering-Mgmt Windows feature (Install-WindowsFeature "
            "RSAT-Clustering-Mgmt), then scan again."
        ),
        fr=(
            "Ajoutez la fonctionnalité Windows RSAT-Clustering-Mgmt (Install-WindowsFeature "
            "RSAT-Clustering-Mgmt), puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/prerequisites",
    facts=("os.current_build", "windows.features"),
)

FEATURE = "RSAT-Clustering-Mgmt"


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
        return ctx.failed("RSAT-Clustering-Mgmt is not installed", evidence)
    return ctx.passed("RSAT-Clustering-Mgmt is installed", evidence)
