"""Setup warns when no DNS host record answers for this computer's fully qualified name.

Setup's own test (2013 CU23 engine, a warning for every role but Edge) is a DNS query from the server at
install time. exready sends no traffic from the server; it reads the same record where an Active Directory
DNS server keeps it: the dnsNode named after the computer in the AD-integrated zone that holds its
primary DNS suffix (DomainDnsZones, ForestDnsZones or the domain's CN=System), over LDAP to the DC it
already reads. A node with an A or AAAA record passes; no node, or only a tombstone, warns. Inferred: an
AD-integrated zone answers DNS from those objects; a zone kept on another DNS server is not visible to
exready, and the verdict then says so (unknown) instead of guessing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.checks.context import FactUnavailable, RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import UnknownReason, Verdict

META = RuleMeta(
    id="HostRecordMissing",
    severity=Severity.WARNING,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="No DNS host record for this server in its Active Directory DNS zone",
        fr="Aucun enregistrement DNS d'hôte pour ce serveur dans sa zone DNS Active Directory",
    ),
    remediation=Text(
        en="Register the server's host (A) record in DNS (ipconfig /registerdns on the server, or add it in the "
        "DNS console), wait for replication, then scan again.",
        fr="Enregistrez l'enregistrement d'hôte (A) du serveur dans le DNS (ipconfig /registerdns sur le serveur, "
        "ou ajoutez-le dans la console DNS), attendez la réplication, puis relancez l'analyse.",
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/deployment-ref/host-record-not-in-dns",
    facts=("computer.name", "computer.domain", "ad.dns_zones"),
)

ADDRESS_TYPES = {1: "A", 28: "AAAA"}


def evaluate(ctx: RuleContext) -> Verdict:
    suffix = ctx.optional("computer.domain")
    if not suffix:
        return ctx.not_applicable("no primary DNS suffix: FqdnMissing and ComputerNotPartofDomain report it")
    fqdn = f"{ctx.short_name}.{str(suffix).strip().rstrip('.')}".casefold()
    zones = [z for z in ctx.value("ad.dns_zones") or [] if isinstance(z, Mapping)]
    covering = [z for z in zones if fqdn.endswith("." + str(z.get("zone") or "").casefold())]
    if not covering:
        raise FactUnavailable(
            UnknownReason.FACT_MISSING, "ad.dns_zones",
            f"no Active Directory-integrated DNS zone holds {fqdn}: its DNS server is not one exready reads",
        )
    zone = max(covering, key=lambda z: len(str(z.get("zone"))))
    name = fqdn[: -len(str(zone["zone"])) - 1]
    nodes = zone.get("nodes") if isinstance(zone.get("nodes"), Mapping) else {}
    types = [int(t) for t in nodes.get(name, [])] if isinstance(nodes, Mapping) else []
    evidence: dict[str, Any] = {"fqdn": fqdn, "zone": zone.get("zone"), "partition": zone.get("partition"),
                                "node": name, "record_types": types}
    found = sorted({ADDRESS_TYPES[t] for t in types if t in ADDRESS_TYPES})
    if found:
        return ctx.passed(f"{fqdn} has {'/'.join(found)} record(s) in zone {zone.get('zone')}", evidence)
    what = "only a tombstone" if types else "no record"
    return ctx.warned(f"{what} for {fqdn} in the AD-integrated zone {zone.get('zone')}", evidence)
