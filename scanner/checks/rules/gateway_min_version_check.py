"""In Install mode Setup reads the Edge Transport role key of this server under
HKLM\\SOFTWARE\\Microsoft\\ExchangeServer\\v15 ("EdgeTransportRole", "GatewayRole") and refuses to install when the role
is already unpacked and configured at this Setup's build or a later one. (Setup behaviour: Exchange 2013
CU23 readiness engine. Its extra test for a "previous build" left behind is not reproduced.)
"""

from __future__ import annotations

from scanner.checks import setup_common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="GatewayMinVersionCheck",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013",),
    title=Text(
        en="The Edge Transport role is already installed at this build or a later one",
        fr="Le rôle transport Edge est déjà installé à cette version ou à une version ultérieure",
    ),
    remediation=Text(
        en="Nothing to install: the role is already at this build. Target a later cumulative update, or "
        "remove the role before installing it again.",
        fr="Rien à installer : le rôle est déjà à cette version. Visez une mise à jour cumulative "
        "ultérieure, ou supprimez le rôle avant de le réinstaller.",
    ),
    help_url="https://learn.microsoft.com/exchange/exchange-server-build-numbers-and-release-dates-exchange-2013-help",
    facts=("exchange.v15.roles",),
)

KEYS = ("EdgeTransportRole", "GatewayRole")


def evaluate(ctx: RuleContext) -> Verdict:
    return setup_common.judge_min_version(ctx, KEYS, "Edge Transport")
