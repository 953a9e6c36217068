"""Setup asks Get-WindowsFeature whether RSAT-Clustering is installed and fails when it is not."""

from __future__ import annotations

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

FEATURE = "RSAT-Clustering"

META = RuleMeta(
    id="RsatClusteringInstalled",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="The Failover Clustering Tools feature is not installed",
        fr="La fonctionnalité Outils de clustering de basculement n'est pas installée",
    ),
    remediation=common.add_feature_remediation(FEATURE),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/prerequisites",
    facts=("windows.features",),
)


def evaluate(ctx: RuleContext) -> Verdict:
    return common.judge_feature(ctx, FEATURE)
