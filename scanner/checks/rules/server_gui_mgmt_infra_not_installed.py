"""Setup asks Get-WindowsFeature whether Server-Gui-Mgmt-Infra is installed and fails when it is not.
Checked on Windows Server 2012 and 2012 R2 only.
"""

from __future__ import annotations

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

FEATURE = "Server-Gui-Mgmt-Infra"

META = RuleMeta(
    id="ServerGuiMgmtInfraNotInstalled",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016"),
    title=Text(
        en="The Graphical Management Tools and Infrastructure feature is not installed",
        fr="La fonctionnalité Infrastructure et outils de gestion graphiques n'est pas installée",
    ),
    remediation=common.add_feature_remediation(FEATURE),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/prerequisites",
    facts=("os.current_build", "windows.features"),
)


def evaluate(ctx: RuleContext) -> Verdict:
    return common.judge_feature(ctx, FEATURE, only=common.ONLY_2012_AND_2012R2)
