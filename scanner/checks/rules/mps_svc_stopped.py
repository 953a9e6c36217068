"""Setup warns when the Windows Firewall service (MpsSvc) is not running: its firewall rules would not
apply.
"""

from __future__ import annotations

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="MpsSvcStopped",
    severity=Severity.WARNING,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="The Windows Firewall service is not running",
        fr="Le service Pare-feu Windows n'est pas démarré",
    ),
    remediation=Text(
        en="Start the Windows Firewall service (MpsSvc); Setup adds firewall rules for Exchange.",
        fr=(
            "Démarrez le service Pare-feu Windows (MpsSvc) ; le programme d'installation ajoute des "
            "règles de pare-feu pour Exchange."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/prerequisites",
    facts=("services.status",),
)

SERVICE = "MpsSvc"


def evaluate(ctx: RuleContext) -> Verdict:
    state = common.service_status(ctx, SERVICE)
    evidence = {"service": SERVICE, "status": state or "not installed"}
    if state is None:
        return ctx.failed(f"Windows Firewall service ({SERVICE}) not installed", evidence)
    if state.casefold() != "running":
        return ctx.failed(f"Windows Firewall service ({SERVICE}) is {state}", evidence)
    return ctx.passed(f"{SERVICE} is running", evidence)
