"""Setup stops when the forest root domain is in mixed mode (nTMixedDomain = 1 on the domain head)."""

from __future__ import annotations

from collections.abc import Mapping

from scanner.checks.context import FactUnavailable, RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import UnknownReason, Verdict

META = RuleMeta(
    id="RootDomainModeMixed",
    severity=Severity.ERROR,
    scope=Scope.ORG,
    versions=("2013",),
    title=Text(
        en="The forest root domain is in mixed mode",
        fr="Le domaine racine de la forêt est en mode mixte",
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
    help_url="https://learn.microsoft.com/exchange/active-directory-domain-is-mixed-mode-rootdomainmodemixed-exchange-2013-help",
    facts=("ad.forest", "ad.domain_modes"),
)


def evaluate(ctx: RuleContext) -> Verdict:
    modes = [m for m in ctx.value("ad.domain_modes") or [] if isinstance(m, Mapping)]

    root = str(ctx.value("ad.forest").get("dn") or "").casefold()
    entry = next((m for m in modes if str(m.get("dn") or "").casefold() == root), None)
    if entry is None:
        raise FactUnavailable(UnknownReason.FACT_MISSING, "ad.domain_modes", "the domain is not in the forest read")
    mixed = entry.get("mixed")
    evidence = {"domain": entry.get("domain"), "nTMixedDomain": mixed}
    if mixed is None and entry.get("error"):
        raise FactUnavailable(UnknownReason.FACT_UNREADABLE, "ad.domain_modes", str(entry.get("error")))
    if mixed == 1:
        return ctx.failed(f"{entry.get('domain')} is in mixed mode (nTMixedDomain 1)", evidence)
    return ctx.passed(f"{entry.get('domain')} is in native mode", evidence)
