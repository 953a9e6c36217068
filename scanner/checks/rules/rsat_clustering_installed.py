"""Setup asks Get-WindowsFeature whether RSAT-Clustering is installed and fails when it is not."""

from __future__ import annotations

from typing import Any

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="RsatClusteringInstalled",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019"),
    title=Text(
        en="The Failover Clustering Tools feature is not installed",
        fr="La fonctionnalité Outils de clustering de basculement n'est pas installée",
    ),
    remediation=Text(
        en=("Add the RSAT-Clustering Windows feature (Install-WindowsFeature RSAT-Clustering), then scan again."),
        fr=(
            "Ajoutez la fonctionnalité Windows RSAT-Clustering (Install-WindowsFeature "
            "RSAT-Clustering), puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/prerequisites",
    facts=("windows.features",),
)

FEATURE = "RSAT-Clustering"


def evaluate(ctx: RuleContext) -> Verdict:
    evidence: dict[str, Any] = {"feature": FEATURE, "source": "Get-WindowsFeature"}
    installed = common.feature_installed(ctx, FEATURE)
    evidence["installed"] = installed
    if not installed:
        return ctx.failed("RSAT-Clustering is not installed", evidence)
    return ctx.passed("RSAT-Clustering is installed", evidence)
