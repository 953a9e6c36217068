"""Setup asks Get-WindowsFeature whether RSAT-Clustering-PowerShell is installed and fails when it is
not. Checked on Windows Server 2012 and later only.
"""

from __future__ import annotations

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

FEATURE = "RSAT-Clustering-PowerShell"

META = RuleMeta(
    id="RsatClusteringPowerShellInstalled",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="The Failover Cluster Module for Windows PowerShell is not installed",
        fr="Le module de cluster de basculement pour Windows PowerShell n'est pas installé",
    ),
    remediation=common.add_feature_remediation(FEATURE),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/prerequisites",
    facts=("os.current_build", "windows.features"),
)


def evaluate(ctx: RuleContext) -> Verdict:
    return common.judge_feature(ctx, FEATURE, only=common.FROM_2012)
