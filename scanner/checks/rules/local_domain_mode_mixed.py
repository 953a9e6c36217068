"""Setup stops when the server's domain is in mixed mode (nTMixedDomain = 1 on the domain head)."""

from __future__ import annotations

from scanner.checks import org_common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="LocalDomainModeMixed",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),  # the 2016/2019 Setup logs show the rule evaluated
    title=Text(
        en="The server's domain is in mixed mode",
        fr="Le domaine de ce serveur est en mode mixte",
    ),
    remediation=org_common.NATIVE_MODE_REMEDIATION,
    help_url="https://learn.microsoft.com/exchange/active-directory-domain-is-mixed-mode-localdomainmodemixed-exchange-2013-help",
    facts=("computer.domain", "ad.computers", "ad.domain_modes"),
)


def evaluate(ctx: RuleContext) -> Verdict:
    modes = org_common.domain_modes(ctx)
    name = org_common.required_ad_domain(ctx)[0]
    return org_common.judge_domain_mode(ctx, modes, "domain", name)
