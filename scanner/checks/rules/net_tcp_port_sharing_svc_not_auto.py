"""Setup stops unless NetTcpPortSharing starts automatically (Start = 2)."""

from __future__ import annotations

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="NetTcpPortSharingSvcNotAuto",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="The Net.Tcp Port Sharing service is not set to start automatically",
        fr="Le service de partage de ports Net.Tcp n'est pas en démarrage automatique",
    ),
    remediation=Text(
        en=("Set the Net.Tcp Port Sharing service (NetTcpPortSharing) to start automatically, then scan again."),
        fr=(
            "Réglez le service de partage de ports Net.Tcp (NetTcpPortSharing) en démarrage "
            "automatique, puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/prerequisites",
    facts=("services.start",),
)

SERVICE = "NetTcpPortSharing"
FAILURE = "the Net.Tcp Port Sharing service is not set to start automatically"


def evaluate(ctx: RuleContext) -> Verdict:
    return common.judge_service_start(ctx, SERVICE, FAILURE, common.not_automatic)
