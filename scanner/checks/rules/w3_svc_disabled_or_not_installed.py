"""Setup stops when W3SVC's Start value is missing (Setup reads it as 0), 0 or 4 (disabled)."""

from __future__ import annotations

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="W3SVCDisabledOrNotInstalled",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="The World Wide Web Publishing Service is missing or disabled",
        fr="Le service de publication World Wide Web est absent ou désactivé",
    ),
    remediation=Text(
        en=(
            "Install the Web Server (IIS) role and set the World Wide Web Publishing Service (W3SVC) "
            "to start automatically, then scan again."
        ),
        fr=(
            "Installez le rôle Serveur Web (IIS) et réglez le service de publication World Wide Web "
            "(W3SVC) en démarrage automatique, puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/the-world-wide-web-publishing-service-is-disabled-or-missing-w3svcdisabledornotinstalled-exchange-2013-help",
    facts=("services.start",),
)

SERVICE = "W3SVC"
FAILURE = "IIS (World Wide Web Publishing Service) is missing or disabled"


def evaluate(ctx: RuleContext) -> Verdict:
    return common.judge_service_start(ctx, SERVICE, FAILURE, common.missing_or_disabled)
