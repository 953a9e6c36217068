"""Setup stops when the COM+ Event System service (EventSystem) is not running."""

from __future__ import annotations

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="EventSystemStopped",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="The COM+ Event System service is not running",
        fr="Le service Système d'événements COM+ n'est pas démarré",
    ),
    remediation=Text(
        en=("Start the COM+ Event System service (EventSystem) and set it to start automatically, then scan again."),
        fr=(
            "Démarrez le service Système d'événements COM+ (EventSystem) et réglez-le en démarrage "
            "automatique, puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/the-com-event-system-service-must-be-started-before-setup-can-continue-eventsystemstopped-exchange-2013-help",
    facts=("services.status",),
)

SERVICE = "EventSystem"


def evaluate(ctx: RuleContext) -> Verdict:
    state = common.service_status(ctx, SERVICE)
    evidence = {"service": SERVICE, "status": state or "not installed"}
    if state is None:
        return ctx.failed(f"COM+ Event System service ({SERVICE}) not installed", evidence)
    if state.casefold() != "running":
        return ctx.failed(f"COM+ Event System service ({SERVICE}) is {state}", evidence)
    return ctx.passed(f"{SERVICE} is running", evidence)
