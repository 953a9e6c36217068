r"""Setup stops when a role subkey under ExchangeServer\\v14 (AdminTools, HubTransportRole, MailboxRole,
UnifiedMessagingRole, ClientAccessRole, Hygiene) has an UnpackedVersion.
"""

from __future__ import annotations

from typing import Any

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
    entries = [e for e in (ctx.value("exchange.legacy_roles") or []) if str(e.get("product")) == "2010"]
    installed = [e for e in entries if e.get("unpacked_version")]
    evidence: dict[str, Any] = {
        "registry": REGISTRY,
        "role_keys": [{"key": e.get("key"), "unpacked_version": e.get("unpacked_version")} for e in entries],
    }
    if installed:
        keys = ", ".join(f"{e.get('key')} {e.get('unpacked_version')}" for e in installed)
        return ctx.failed(f"Exchange 2010 role(s) installed: {keys}", evidence)
    return ctx.passed("no Exchange 2010 role installed", evidence)
