"""Setup stops when WinRM's Start value is missing, 0 or 4."""

from __future__ import annotations

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="WinRMServiceDisabledOrNotInstalled",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="The Windows Remote Management service is missing or disabled",
        fr="Le service Gestion à distance de Windows est absent ou désactivé",
    ),
    remediation=Text(
        en=("Set the Windows Remote Management service (WinRM) to start automatically, then scan again."),
        fr=(
            "Réglez le service Gestion à distance de Windows (WinRM) en démarrage automatique, puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/prerequisites",
    facts=("services.start",),
)

SERVICE = "WinRM"
FAILURE = "the Windows Remote Management service is missing or disabled"


def evaluate(ctx: RuleContext) -> Verdict:
    return common.judge_service_start(ctx, SERVICE, FAILURE, common.missing_or_disabled)
