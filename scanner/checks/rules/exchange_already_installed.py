"""Setup stops when the Exchange Setup key records a legacy build (NewestBuild below 10000) together
with a Services value: leftovers of an Exchange 2000/2003-era installation.
"""

from __future__ import annotations

from typing import Any

from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="ExchangeAlreadyInstalled",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="Components of an earlier Exchange installation are present",
        fr="Des composants d'une installation Exchange antérieure sont présents",
    ),
    remediation=Text(
        en=("Remove the earlier Exchange installation completely (or use a clean server), then scan again."),
        fr=(
            "Supprimez complètement l'installation Exchange antérieure (ou utilisez un serveur "
            "vierge), puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/the-local-computer-is-already-running-exchange-server-exchangealreadyinstalled-exchange-2013-help",
    facts=("exchange.setup",),
)

REGISTRY = r"HKLM\SOFTWARE\Microsoft\ExchangeServer\v15\Setup"


def evaluate(ctx: RuleContext) -> Verdict:
    setup = ctx.optional("exchange.setup")
    evidence: dict[str, Any] = {"registry": REGISTRY}
    if setup is None:
        return ctx.passed("no Exchange Setup key", evidence)
    newest, services = setup.get("newest_build"), setup.get("services")
    evidence.update({"newest_build": newest, "services": services})
    if newest is not None and int(newest) < 10000 and services is not None:
        return ctx.failed(
            f"legacy Exchange installation recorded (NewestBuild {newest}, Services {services})", evidence
        )
    return ctx.passed("no legacy Exchange installation recorded", evidence)
