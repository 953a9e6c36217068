"""Setup reads Win32_ComputerSystem.DomainRole: 0 (standalone workstation) or 2 (standalone server)
fails.
"""

from __future__ import annotations

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="ComputerNotPartofDomain",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="The computer is not joined to an Active Directory domain",
        fr="L'ordinateur n'est pas joint à un domaine Active Directory",
    ),
    remediation=Text(
        en="Join the server to the Active Directory domain, restart, then scan again.",
        fr="Joignez le serveur au domaine Active Directory, redémarrez, puis relancez l'analyse.",
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/deployment-ref/ms-exch-setupreadiness-computernotpartofdomain",
    facts=("computer.domain_role",),
)

STANDALONE = (0, 2)  # standalone workstation, standalone server


def evaluate(ctx: RuleContext) -> Verdict:
    role, evidence = common.domain_role(ctx)
    if role in STANDALONE:
        return ctx.failed(f"not joined to a domain ({common.domain_role_text(role)})", evidence)
    return ctx.passed(f"domain member ({common.domain_role_text(role)})", evidence)
