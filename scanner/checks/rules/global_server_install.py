"""Setup needs to write to the organisation container: Organization Management or Enterprise Admins
pass; otherwise the server must be pre-provisioned, and then a Server Management member passes,
while other delegated accounts depend on the server object's ACL (not judged).
"""

from __future__ import annotations

from typing import Any

from scanner.checks import installer_common as ic
from scanner.checks import org_common
from scanner.checks.context import FactUnavailable, RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import UnknownReason, Verdict

META = RuleMeta(
    id="GlobalServerInstall",
    severity=Severity.ERROR,
    scope=Scope.ORG,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="The installing account cannot write to the Exchange organisation container",
        fr="Le compte d'installation ne peut pas écrire dans le conteneur de l'organisation Exchange",
    ),
    remediation=Text(
        en=(
            "Install with an account in Organization Management (or Enterprise Admins), or "
            "pre-provision the server (Setup /NewProvisionedServer) and install with a member of "
            "Server Management."
        ),
        fr=(
            "Installez avec un compte membre de Organization Management (ou des Administrateurs de "
            "l'entreprise), ou pré-approvisionnez le serveur (Setup /NewProvisionedServer) et "
            "installez avec un membre de Server Management."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/deployment-ref/ms-exch-setupreadiness-globalserverinstall",
    facts=("ad.exchange_servers", "installer.account"),
)


def evaluate(ctx: RuleContext) -> Verdict:
    acct = ic.account(ctx)
    evidence: dict[str, Any] = {
        "account": ic.label(acct),
        "organization_management": acct.get("organization_management"),
        "enterprise_admins": acct.get("enterprise_admins"),
        "server_management": acct.get("server_management"),
    }
    if acct.get("organization_management") or acct.get("enterprise_admins"):
        return ctx.passed(f"{ic.label(acct)} may write to the organisation container", evidence)
    provisioned = [s for s in org_common.exchange_servers(ctx) if str(s.get("name") or "").upper() == ctx.short_name]
    evidence["provisioned_server_object"] = bool(provisioned)
    if not provisioned:
        return ctx.failed(
            f"{ic.label(acct)} is not in Organization Management and {ctx.short_name} is not pre-provisioned", evidence
        )
    if acct.get("server_management"):
        return ctx.passed(f"pre-provisioned server and {ic.label(acct)} is in Server Management", evidence)
    raise FactUnavailable(
        UnknownReason.FACT_MISSING,
        "installer.account",
        "delegated install on a pre-provisioned server: it depends on the account's effective "
        "rights on the server object, which exready does not read",
    )
