r"""Setup stops when a role subkey under ExchangeServer\\v14 (AdminTools, HubTransportRole, MailboxRole,
UnifiedMessagingRole, ClientAccessRole, Hygiene) has an UnpackedVersion.
"""

from __future__ import annotations

from scanner.checks.common import judge_legacy_install
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="Exchange2013AnyOnExchange2010Server",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013",),
    title=Text(
        en="Exchange 2010 is installed on this server",
        fr="Exchange 2010 est installé sur ce serveur",
    ),
    remediation=Text(
        en=(
            "Exchange 2013 cannot be installed on an Exchange 2010 server: use another server, or "
            "remove Exchange 2010 from this one first."
        ),
        fr=(
            "Exchange 2013 ne peut pas être installé sur un serveur Exchange 2010 : utilisez un autre"
            " serveur, ou supprimez d'abord Exchange 2010 de celui-ci."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/exchange-2013-prerequisites-exchange-2013-help",
    facts=("exchange.legacy_roles",),
)

REGISTRY = r"HKLM\SOFTWARE\Microsoft\ExchangeServer\\v14"


def evaluate(ctx: RuleContext) -> Verdict:
    return judge_legacy_install(ctx, "2010", REGISTRY)
