"""Setup stops when the forest root domain is in mixed mode (nTMixedDomain = 1 on the domain head)."""

from __future__ import annotations

from scanner.checks import org_common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="RootDomainModeMixed",
    severity=Severity.ERROR,
    scope=Scope.ORG,
    versions=("2013", "2016", "2019", "SE"),  # the 2016/2019 Setup logs show the rule evaluated
    title=Text(
        en="The forest root domain is in mixed mode",
        fr="Le domaine racine de la forêt est en mode mixte",
    ),
    remediation=org_common.NATIVE_MODE_REMEDIATION,
    help_url="https://learn.microsoft.com/exchange/active-directory-domain-is-mixed-mode-rootdomainmodemixed-exchange-2013-help",
    facts=("ad.forest", "ad.domain_modes"),
)


def evaluate(ctx: RuleContext) -> Verdict:
    modes = org_common.domain_modes(ctx)
    root = str(ctx.value("ad.forest").get("dn") or "").casefold()
    return org_common.judge_domain_mode(ctx, modes, "dn", root)
