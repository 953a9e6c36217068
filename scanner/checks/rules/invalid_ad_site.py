"""Setup asks DsGetSiteName for the computer's site; Netlogon keeps the answer in its SiteName (static)
or DynamicSiteName registry value, read here without a network call.
"""

from __future__ import annotations

from typing import Any

from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="InvalidADSite",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="The computer's Active Directory site cannot be determined",
        fr="Le site Active Directory de l'ordinateur ne peut pas être déterminé",
    ),
    remediation=Text(
        en=(
            "Define an AD site and a subnet that contains this server's address (Active Directory "
            "Sites and Services), wait for replication or restart the Netlogon service, then scan "
            "again."
        ),
        fr=(
            "Définissez un site AD et un sous-réseau contenant l'adresse de ce serveur (Sites et "
            "services Active Directory), attendez la réplication ou redémarrez le service Netlogon, "
            "puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/cannot-determine-the-name-of-the-active-directory-site-invalidadsite-exchange-2013-help",
    facts=("computer.domain_role", "computer.ad_site"),
)

REGISTRY = r"HKLM\SYSTEM\CurrentControlSet\Services\Netlogon\Parameters (SiteName, DynamicSiteName)"


def evaluate(ctx: RuleContext) -> Verdict:
    role = int(ctx.value("computer.domain_role"))
    evidence: dict[str, Any] = {"registry": REGISTRY, "domain_role": role}
    if role in (0, 2):
        return ctx.not_applicable("not a domain member: ComputerNotPartofDomain reports it", evidence)
    site = ctx.optional("computer.ad_site")
    evidence["site"] = site
    if site is None or not str(site).strip():
        return ctx.failed("Netlogon knows no AD site for this computer", evidence)
    return ctx.passed(f"AD site {site}", evidence)
