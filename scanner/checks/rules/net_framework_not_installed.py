"""On Windows Server 2008 R2 Setup asks Server Manager whether the NET-Framework feature is installed
(Get-WindowsFeature NET-Framework) and refuses to go on without it; on later Windows it does not ask. (Setup
behaviour: Exchange 2013 CU23 readiness engine; the 2016/2019 Setup logs show the rule evaluated too,
where it can only pass. Prerequisite: Microsoft's Exchange 2013 prerequisites page, Windows Server 2008
R2 SP1 feature list.)
"""

from __future__ import annotations

from scanner.checks import common, setup_common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

FEATURE = "NET-Framework"

META = RuleMeta(
    id="NETFrameworkNotInstalled",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en=".NET Framework 3.5.1 feature (NET-Framework) is missing on Windows Server 2008 R2",
        fr="La fonctionnalité .NET Framework 3.5.1 (NET-Framework) est absente de Windows Server 2008 R2",
    ),
    remediation=setup_common.add_2008r2_feature_remediation(FEATURE),
    help_url=setup_common.PREREQUISITES_2013,
    facts=("os.current_build", "windows.features"),
)


def evaluate(ctx: RuleContext) -> Verdict:
    return common.judge_feature(ctx, FEATURE, only=setup_common.ONLY_2008R2)
