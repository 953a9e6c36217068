"""On a domain controller of a child domain Setup needs a ready global catalog (NTDS 'Global Catalog
Promotion Complete'). The forest root comes from AD, needed only when the host is a DC.
"""

from __future__ import annotations

from typing import Any

from scanner.checks import org_common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="LocalComputerIsDCInChildDomain",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="This domain controller is in a child domain and is not a ready global catalog",
        fr=("Ce contrôleur de domaine appartient à un domaine enfant et n'est pas un catalogue global prêt"),
    ),
    remediation=Text(
        en=(
            "Make this domain controller a global catalog and wait for it to finish, or install "
            "Exchange on a member server."
        ),
        fr=(
            "Faites de ce contrôleur de domaine un catalogue global et attendez la fin de la "
            "promotion, ou installez Exchange sur un serveur membre."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/the-local-computer-is-a-domain-controller-of-a-child-domain-localcomputerisdcinchilddomain-exchange-2013-help",
    facts=("computer.domain_role", "computer.domain", "computer.gc_ready", "ad.computers", "ad.forest"),
)


def evaluate(ctx: RuleContext) -> Verdict:
    role = int(ctx.value("computer.domain_role"))
    evidence: dict[str, Any] = {"domain_role": role}
    if role not in (4, 5):
        return ctx.not_applicable("not a domain controller", evidence)
    gc = ctx.optional("computer.gc_ready")
    evidence["global_catalog_ready"] = gc
    if gc:
        return ctx.passed("domain controller that is a ready global catalog", evidence)
    # only a DC that is not a ready GC needs the forest root, which AD tells
    domain = org_common.required_ad_domain(ctx)[0]
    forest = ctx.value("ad.forest")
    root = str(forest.get("dns_name") or "").strip().rstrip(".").casefold()
    evidence.update({"domain": domain, "forest_root": root})
    if domain == root:
        return ctx.passed("domain controller of the forest root domain", evidence)
    return ctx.failed(f"domain controller of child domain {domain} that is not a ready global catalog", evidence)
