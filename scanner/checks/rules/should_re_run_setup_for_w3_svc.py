"""Setup stops unless W3SVC's Start value is 2 (automatic)."""

from __future__ import annotations

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="ShouldReRunSetupForW3SVC",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="The World Wide Web Publishing Service is not set to start automatically",
        fr="Le service de publication World Wide Web n'est pas en démarrage automatique",
    ),
    remediation=Text(
        en=("Set the World Wide Web Publishing Service (W3SVC) to start automatically, then scan again."),
        fr=(
            "Réglez le service de publication World Wide Web (W3SVC) en démarrage automatique, puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/the-world-wide-web-publishing-service-is-disabled-or-missing-shouldrerunsetupforw3svc-exchange-2013-help",
    facts=("services.start",),
)

SERVICE = "W3SVC"
FAILURE = "the World Wide Web Publishing Service is not set to start automatically"


def evaluate(ctx: RuleContext) -> Verdict:
    return common.judge_service_start(ctx, SERVICE, FAILURE, common.not_automatic)
