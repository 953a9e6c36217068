"""Setup stops when the server's domain is in mixed mode (nTMixedDomain = 1 on the domain head)."""

from __future__ import annotations

from collections.abc import Mapping

from scanner.checks.context import FactUnavailable, RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import UnknownReason, Verdict

META = RuleMeta(
    id="LocalDomainModeMixed",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013",),
    title=Text(
        en="The server's domain is in mixed mode",
        fr="Le domaine de ce serveur est en mode mixte",
    ),
    remediation=Text(
        en=(
            "Raise the domain to native mode (a domain functional level of Windows Server 2003 or "
            "later), then scan again."
        ),
        fr=(
            "Passez le domaine en mode natif (niveau fonctionnel Windows Server 2003 ou ultérieur), "
            "puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/active-directory-domain-is-mixed-mode-localdomainmodemixed-exchange-2013-help",
    facts=("computer.domain", "ad.domain_modes"),
)


def evaluate(ctx: RuleContext) -> Verdict:
    modes = [m for m in ctx.value("ad.domain_modes") or [] if isinstance(m, Mapping)]

    name = str(ctx.value("computer.domain")).strip().rstrip(".").casefold()
    entry = next((m for m in modes if str(m.get("domain") or "").casefold() == name), None)
    if entry is None:
        raise FactUnavailable(UnknownReason.FACT_MISSING, "ad.domain_modes", "the domain is not in the forest read")
    mixed = entry.get("mixed")
    evidence = {"domain": entry.get("domain"), "nTMixedDomain": mixed}
    if mixed is None and entry.get("error"):
        raise FactUnavailable(UnknownReason.FACT_UNREADABLE, "ad.domain_modes", str(entry.get("error")))
    if mixed == 1:
        return ctx.failed(f"{entry.get('domain')} is in mixed mode (nTMixedDomain 1)", evidence)
    return ctx.passed(f"{entry.get('domain')} is in native mode", evidence)
