"""Setup asks Get-WindowsFeature whether NET-WCF-HTTP-Activation45 is installed and fails when it is
not. Checked on Windows Server 2012 and later only.
"""

from __future__ import annotations

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

FEATURE = "NET-WCF-HTTP-Activation45"

META = RuleMeta(
    id="WcfHttpActivation45Installed",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="WCF HTTP Activation 4.5 is not installed",
        fr="L'activation HTTP WCF 4.5 n'est pas installée",
    ),
    remediation=common.add_feature_remediation(FEATURE),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/prerequisites",
    facts=("os.current_build", "windows.features"),
)


def evaluate(ctx: RuleContext) -> Verdict:
    return common.judge_feature(ctx, FEATURE, only=common.FROM_2012)
