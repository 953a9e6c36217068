"""Setup stops when the Distributed Transaction Coordinator (MSDTC) is not running."""

from __future__ import annotations

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="MSDTCStopped",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="The Distributed Transaction Coordinator service is not running",
        fr="Le service Coordinateur de transactions distribuées n'est pas démarré",
    ),
    remediation=Text(
        en="Start the Distributed Transaction Coordinator service (MSDTC), then scan again.",
        fr=("Démarrez le service Coordinateur de transactions distribuées (MSDTC), puis relancez l'analyse."),
    ),
    help_url="https://learn.microsoft.com/exchange/msdtcstopped-exchange-2013-help",
    facts=("services.status",),
)

SERVICE = "MSDTC"


def evaluate(ctx: RuleContext) -> Verdict:
    state = common.service_status(ctx, SERVICE)
    evidence = {"service": SERVICE, "status": state or "not installed"}
    if state is None:
        return ctx.failed(f"Distributed Transaction Coordinator service ({SERVICE}) not installed", evidence)
    if state.casefold() != "running":
        return ctx.failed(f"Distributed Transaction Coordinator service ({SERVICE}) is {state}", evidence)
    return ctx.passed(f"{SERVICE} is running", evidence)
