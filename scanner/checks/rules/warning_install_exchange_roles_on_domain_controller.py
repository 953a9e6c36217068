"""Setup warns when DomainRole is 4 or 5 (domain controller)."""

from __future__ import annotations

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="WarningInstallExchangeRolesOnDomainController",
    severity=Severity.WARNING,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="Installing Exchange on a domain controller is not recommended",
        fr="Installer Exchange sur un contrôleur de domaine est déconseillé",
    ),
    remediation=Text(
        en="Install Exchange on a member server rather than a domain controller.",
        fr="Installez Exchange sur un serveur membre plutôt que sur un contrôleur de domaine.",
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/deployment-ref/ms-exch-setupreadiness-warninginstallexchangerolesondomaincontroller",
    facts=("computer.domain_role",),
)

DOMAIN_CONTROLLER = (4, 5)  # backup and primary domain controller


def evaluate(ctx: RuleContext) -> Verdict:
    role, evidence = common.domain_role(ctx)
    if role in DOMAIN_CONTROLLER:
        return ctx.failed(f"this server is a domain controller ({common.domain_role_text(role)})", evidence)
    return ctx.passed(f"not a domain controller ({common.domain_role_text(role)})", evidence)
