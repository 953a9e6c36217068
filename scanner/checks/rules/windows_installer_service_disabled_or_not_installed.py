"""Setup stops when msiserver's Start value is missing, 0 or 4."""

from __future__ import annotations

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="WindowsInstallerServiceDisabledOrNotInstalled",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="The Windows Installer service is missing or disabled",
        fr="Le service Windows Installer est absent ou désactivé",
    ),
    remediation=Text(
        en="Set the Windows Installer service (msiserver) to manual start, then scan again.",
        fr=("Réglez le service Windows Installer (msiserver) en démarrage manuel, puis relancez l'analyse."),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/prerequisites",
    facts=("services.start",),
)

SERVICE = "msiserver"
FAILURE = "the Windows Installer service is missing or disabled"


def evaluate(ctx: RuleContext) -> Verdict:
    return common.judge_service_start(ctx, SERVICE, FAILURE, common.missing_or_disabled)
