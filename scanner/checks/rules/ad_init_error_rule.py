"""Setup's Active Directory initialisation fails when a domain holds more than one Microsoft Exchange
System Objects container (objectCategory msExchSystemObjectsContainer); exready counts them in this
server's domain.
"""

from __future__ import annotations

from collections.abc import Mapping

from scanner.checks import org_common
from scanner.checks.context import FactUnavailable, RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import UnknownReason, Verdict

META = RuleMeta(
    id="AdInitErrorRule",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="This server's domain has more than one Microsoft Exchange System Objects container",
        fr="Le domaine de ce serveur contient plusieurs conteneurs Microsoft Exchange System Objects",
    ),
    remediation=Text(
        en=(
            "Keep the Microsoft Exchange System Objects container that holds the Exchange objects and"
            " remove the duplicate (often a CNF: replication conflict object) after checking its "
            "content, then scan again."
        ),
        fr=(
            "Conservez le conteneur Microsoft Exchange System Objects qui contient les objets "
            "Exchange et supprimez le doublon (souvent un objet de conflit de réplication CNF:) après"
            " en avoir vérifié le contenu, puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/deployment-ref/ms-exch-setupreadiness-adiniterrorrule",
    facts=("computer.domain", "ad.computers", "ad.meso_containers"),
)


def evaluate(ctx: RuleContext) -> Verdict:
    domain = org_common.required_ad_domain(ctx)[0]
    entries = [e for e in ctx.value("ad.meso_containers") or [] if isinstance(e, Mapping)]
    entry = next((e for e in entries if str(e.get("domain") or "").casefold() == domain), None)
    if entry is None:
        raise FactUnavailable(
            UnknownReason.FACT_MISSING,
            "ad.meso_containers",
            f"domain {domain} is not a domain of the forest exready read",
        )
    count = entry.get("count")
    if not isinstance(count, int):
        raise FactUnavailable(
            UnknownReason.FACT_UNREADABLE,
            "ad.meso_containers",
            f"the containers of {domain} could not be counted: {entry.get('error')}",
        )
    evidence = {"domain": domain, "count": count, "containers": entry.get("dns")}
    if count > 1:
        return ctx.failed(f"{count} Microsoft Exchange System Objects containers in {domain}", evidence)
    return ctx.passed(f"{count} Microsoft Exchange System Objects container(s) in {domain}", evidence)
