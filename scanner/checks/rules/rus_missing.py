"""Recipient Update Service: in an organisation that still has Exchange 2000/2003 servers (serialNumber
"Version 6.x"), every domain needs a RUS object serving it (msExchDomainLink). Organisation-level; a
warning, not a block. Unknown until Active Directory is read."""

from __future__ import annotations

from typing import Any

from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="RusMissing",
    severity=Severity.WARNING,
    scope=Scope.ORG,
    versions=("2013",),
    title=Text(
        en="A domain has no Recipient Update Service while Exchange 2000/2003 servers remain",
        fr="Un domaine n'a pas de service de mise à jour de destinataires alors que des serveurs "
        "Exchange 2000/2003 subsistent",
    ),
    remediation=Text(
        en="Create a Recipient Update Service for each domain listed (Exchange System Manager on an Exchange "
        "2003 server), or remove the remaining Exchange 2000/2003 servers before installing.",
        fr="Créez un service de mise à jour de destinataires pour chaque domaine indiqué (Exchange System "
        "Manager sur un serveur Exchange 2003), ou retirez les derniers serveurs Exchange 2000/2003 avant "
        "l'installation.",
    ),
    help_url="https://learn.microsoft.com/exchange/cannot-find-a-recipient-update-service-rusmissing-exchange-2013-help",
    facts=("ad.exchange_servers", "ad.rus", "ad.domains"),
)

LEGACY_SERIAL = "Version 6."


def _dn_key(dn: object) -> str:
    return ",".join(p.strip() for p in str(dn).split(",")).casefold()


def evaluate(ctx: RuleContext) -> Verdict:
    servers = ctx.optional("ad.exchange_servers") or []
    legacy = [s for s in servers if LEGACY_SERIAL in str(s.get("serial_number") or "")]
    evidence: dict[str, Any] = {"legacy_servers": [str(s.get("name")) for s in legacy]}
    if not legacy:
        return ctx.passed("no Exchange 2000/2003 server in the organisation", evidence)
    domains = ctx.value("ad.domains")
    rus = ctx.optional("ad.rus") or []
    served = {_dn_key(r.get("domain_link")) for r in rus if r.get("domain_link")}
    unserved = [d for d in domains if _dn_key(d.get("dn")) not in served]
    evidence["rus"] = [{"name": r.get("name"), "domain_link": r.get("domain_link")} for r in rus]
    evidence["domains_without_rus"] = [str(d.get("dns_name") or d.get("dn")) for d in unserved]
    if unserved:
        names = ", ".join(evidence["domains_without_rus"])
        return ctx.warned(
            f"{len(legacy)} Exchange 2000/2003 server(s) and no Recipient Update Service for: {names}",
            evidence,
        )
    return ctx.passed(
        f"every domain has a Recipient Update Service ({len(legacy)} legacy server(s))", evidence
    )
