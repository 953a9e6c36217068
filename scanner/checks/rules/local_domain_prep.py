"""When this server's domain still needs /PrepareDomain (its Microsoft Exchange System Objects
objectVersion below the target CU's), Setup needs its account in that domain's Domain Admins (-512)
or in Enterprise Admins.
"""

from __future__ import annotations

from typing import Any

from scanner.checks import common
from scanner.checks import installer_common as ic
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="LocalDomainPrep",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="This server's domain must be prepared and the installing account may not do it",
        fr=("Le domaine de ce serveur doit être préparé et le compte d'installation n'en a pas le droit"),
    ),
    remediation=Text(
        en=(
            "Run Setup /PrepareDomain in this domain with a Domain Admin of the domain (or an "
            "Enterprise Admin), or give the installing account those rights."
        ),
        fr=(
            "Lancez Setup /PrepareDomain dans ce domaine avec un administrateur du domaine (ou un "
            "administrateur de l'entreprise), ou donnez ces droits au compte d'installation."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/the-local-domain-needs-to-be-updated-localdomainprep-exchange-2013-help",
    facts=("computer.domain", "ad.computers", "ad.domains", "installer.account"),
)


def evaluate(ctx: RuleContext) -> Verdict:
    domain = ic.host_domain(ctx)
    name = str(domain.get("dns_name"))
    need = common.target(ctx).ad_levels.meso_object_version
    meso = domain.get("mesos_object_version")
    evidence: dict[str, Any] = {"domain": name, "mesos_object_version": meso, "needed": need}
    if isinstance(meso, int) and meso >= need:
        return ctx.passed(f"domain {name} is already prepared for the target CU", evidence)
    acct = ic.account(ctx)
    admin_of = [str(d).casefold() for d in acct.get("domain_admin_of") or []]
    evidence.update(
        {
            "account": ic.label(acct),
            "domain_admin_of": acct.get("domain_admin_of"),
            "enterprise_admins": acct.get("enterprise_admins"),
        }
    )
    if name.casefold() in admin_of or acct.get("enterprise_admins"):
        return ctx.passed(f"{ic.label(acct)} may prepare {name}", evidence)
    return ctx.failed(
        f"/PrepareDomain is due for {name} and {ic.label(acct)} is neither a Domain Admin of it nor "
        "an Enterprise Admin",
        evidence,
    )
