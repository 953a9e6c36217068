"""Setup stops when the IIS SMTP service (SMTPSVC) is installed."""

from __future__ import annotations

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="SMTPSvcInstalled",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="The IIS SMTP service is installed",
        fr="Le service SMTP d'IIS est installé",
    ),
    remediation=Text(
        en="Remove the SMTP Server feature (IIS SMTP service); Exchange brings its own transport.",
        fr=("Supprimez la fonctionnalité Serveur SMTP (service SMTP d'IIS) ; Exchange fournit son propre transport."),
    ),
    help_url="https://learn.microsoft.com/exchange/the-simple-mail-transport-protocol-is-currently-installed-smtpsvcinstalled-exchange-2013-help",
    facts=("services.start",),
)

SERVICE = "SMTPSVC"
FAILURE = "the IIS SMTP service is installed"


def evaluate(ctx: RuleContext) -> Verdict:
    return common.judge_service_start(ctx, SERVICE, FAILURE, common.installed)
