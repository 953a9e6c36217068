"""Setup asks Get-WindowsFeature whether RSAT-Clustering-Mgmt is installed and fails when it is not.
Checked on Windows Server 2012 and later only.

Exchange 2019 on Server Core: not applicable. Documented: Microsoft's 2019 Server Core prerequisite
list omits RSAT-Clustering-Mgmt (the Failover Cluster Manager console) while listing its siblings
RSAT-Clustering, -CmdInterface and -PowerShell. Inferred: Setup, which supports Server Core for 2019,
does not require the console there (the 2019 CU8 log shows the rule evaluated on a desktop server
only, where it passed).
"""

from __future__ import annotations

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

FEATURE = "RSAT-Clustering-Mgmt"

META = RuleMeta(
    id="RsatClusteringMgmtInstalled",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="The Failover Cluster Manager feature is not installed",
        fr="La fonctionnalité Gestionnaire du cluster de basculement n'est pas installée",
    ),
    remediation=common.add_feature_remediation(FEATURE),
    help_url=common.PREREQUISITES_2019,
    facts=("os.current_build", "windows.features", "os.installation_type"),
)


def evaluate(ctx: RuleContext) -> Verdict:
    exempt = common.core_2019_exemption(ctx, f"the Failover Cluster Manager ({FEATURE})")
    if exempt is not None:
        return exempt
    return common.judge_feature(ctx, FEATURE, only=common.FROM_2012)
