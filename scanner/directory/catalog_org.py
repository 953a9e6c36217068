"""Organisation facts behind the catalog's other Active Directory rules (scanner.facts.keys.CATALOG_ORG_FACTS),
read with the same connection as scanner.directory.org, each on its own: a read the bind account may not
make leaves that one fact UNREADABLE, and an attribute the schema does not define is never asked for.

- ad.adc_connectors: Active Directory Connector objects (Exchange 5.5 era) in the configuration partition.
- ad.meso_containers: how many "Microsoft Exchange System Objects" containers each domain holds.
- ad.domain_modes: nTMixedDomain of each domain head.
- ad.schema_master_os: the schema master's operating system (via its NTDS Settings and serverReference).
- ad.recipient_policy: SMTP proxy templates of the organisation's default recipient policy.
- ad.oabs: offline address books and their generation server (offLineABServer).
- ad.split_permissions: the Exchange Windows Permissions and Exchange Trusted Subsystem groups.
- ad.exchange_server_sites: the AD site of each Exchange server (msExchServerSite).
- ad.rodcs: the short names of read-only domain controllers (nTDSDSARO objects).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scanner.directory.connection import DirectoryConnection, all_str, first_int, first_str
from scanner.directory.sites import rdn_value
from scanner.errors import DirectoryAuthError, DirectoryQueryError
from scanner.model.facts import Fact, FactStatus

FLAG_CR_NTDS_DOMAIN = 0x2
EXCHANGE_WINDOWS_PERMISSIONS = "4C17D0117EBE6642AFAEE03BC66D381F"
EXCHANGE_TRUSTED_SUBSYSTEM = "EA876A58DB6DD04C9006939818F800EB"
OPTIONAL_ATTRIBUTES = ("gatewayProxy", "disabledGatewayProxy", "msExchNonAuthoritativeDomains", "offLineABServer",
                       "msExchServerSite")


def _fact(name: str, reader: Callable[[], Any]) -> Fact:
    try:
        value = reader()
    except (DirectoryQueryError, DirectoryAuthError) as exc:
        return Fact(name, FactStatus.UNREADABLE, error=str(exc))
    return Fact(name, FactStatus.ABSENT) if value is None else Fact(name, FactStatus.PRESENT, value)


def _domains(directory: DirectoryConnection) -> list[tuple[str, str]]:
    entries = directory.search(
        f"CN=Partitions,{directory.root.config_nc}",
        "(objectClass=crossRef)",
        ["nCName", "dnsRoot", "systemFlags"],
        one_level=True,
    )
    out = []
    for _, attrs in entries:
        nc = first_str(attrs, "nCName")
        if nc and (first_int(attrs, "systemFlags") or 0) & FLAG_CR_NTDS_DOMAIN:
            out.append((first_str(attrs, "dnsRoot") or nc, nc))
    return sorted(out)


def _org_dn(directory: DirectoryConnection) -> str | None:
    entries = directory.search(f"CN=Microsoft Exchange,CN=Services,{directory.root.config_nc}",
                               "(objectClass=msExchOrganizationContainer)", ["cn"], one_level=True, missing_ok=True)
    return sorted(entries)[0][0] if entries else None


def read_adc_connectors(directory: DirectoryConnection) -> list[str]:
    entries = directory.search(directory.root.config_nc, "(objectClass=msExchActiveDirectoryConnector)", ["cn"])
    return sorted(dn for dn, _ in entries)


def read_meso_containers(directory: DirectoryConnection) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for dns, nc in _domains(directory):
        try:
            found = directory.search(nc, "(objectCategory=msExchSystemObjectsContainer)", ["objectVersion"])
            out.append({"domain": dns, "count": len(found), "dns": sorted(dn for dn, _ in found)})
        except DirectoryQueryError as exc:  # a domain this DC does not hold
            out.append({"domain": dns, "count": None, "error": str(exc)})
    return out


def read_domain_modes(directory: DirectoryConnection) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for dns, nc in _domains(directory):
        try:
            head = directory.read(nc, ["nTMixedDomain"]) or {}
            out.append({"domain": dns, "dn": nc, "mixed": first_int(head, "nTMixedDomain")})
        except DirectoryQueryError as exc:
            out.append({"domain": dns, "dn": nc, "mixed": None, "error": str(exc)})
    return out


def read_schema_master_os(directory: DirectoryConnection) -> dict[str, Any] | None:
    schema = directory.read(directory.root.schema_nc, ["fSMORoleOwner"]) or {}
    owner = first_str(schema, "fSMORoleOwner") or ""
    server_dn = owner.split(",", 1)[1] if owner.upper().startswith("CN=NTDS SETTINGS,") else ""
    if not server_dn:
        return None
    server = directory.read(server_dn, ["dNSHostName", "serverReference"]) or {}
    computer_dn = first_str(server, "serverReference")
    computer = directory.read(computer_dn, ["operatingSystem", "operatingSystemVersion",
                                            "operatingSystemServicePack"]) or {} if computer_dn else {}
    return {"dns_host_name": first_str(server, "dNSHostName"), "computer": computer_dn,
            "os_name": first_str(computer, "operatingSystem"),
            "os_version": first_str(computer, "operatingSystemVersion"),
            "service_pack": first_str(computer, "operatingSystemServicePack")}


def read_recipient_policy(directory: DirectoryConnection, present: set[str]) -> dict[str, Any] | None:
    org = _org_dn(directory)
    if org is None:
        return None
    attributes = ["cn", *(a for a in ("gatewayProxy", "disabledGatewayProxy", "msExchNonAuthoritativeDomains")
                          if a in present)]
    entries = directory.search(f"CN=Recipient Policies,{org}", "(objectClass=msExchRecipientPolicy)", attributes,
                               one_level=True, missing_ok=True)
    if not entries:
        return None
    # the default policy when there is one (it holds the organisation's primary SMTP domain), else the first
    dn, attrs = next(((d, a) for d, a in sorted(entries) if rdn_value(d).casefold() == "default policy"),
                     sorted(entries)[0])
    return {"name": rdn_value(dn), "gateway_proxy": all_str(attrs, "gatewayProxy"),
            "disabled_gateway_proxy": all_str(attrs, "disabledGatewayProxy"),
            "non_authoritative_domains": all_str(attrs, "msExchNonAuthoritativeDomains")}


def read_oabs(directory: DirectoryConnection, present: set[str]) -> list[dict[str, Any]] | None:
    org = _org_dn(directory)
    if org is None:
        return None
    attributes = ["cn", *(["offLineABServer"] if "offLineABServer" in present else [])]
    entries = directory.search(f"CN=Offline Address Lists,CN=Address Lists Container,{org}",
                               "(objectClass=msExchOAB)", attributes, one_level=True, missing_ok=True)
    return [{"name": first_str(a, "cn") or rdn_value(dn), "offline_ab_servers": all_str(a, "offLineABServer")}
            for dn, a in sorted(entries)]


def _well_known(directory: DirectoryConnection, guid: str) -> str | None:
    exchange = directory.read(f"CN=Microsoft Exchange,CN=Services,{directory.root.config_nc}",
                              ["otherWellKnownObjects"]) or {}
    for text in all_str(exchange, "otherWellKnownObjects"):
        parts = text.split(":", 3)  # B:32:<GUID>:<DN>
        if len(parts) == 4 and parts[2].upper() == guid:
            return parts[3]
    return None


def read_split_permissions(directory: DirectoryConnection) -> dict[str, Any]:
    ewp = _well_known(directory, EXCHANGE_WINDOWS_PERMISSIONS)
    ets = _well_known(directory, EXCHANGE_TRUSTED_SUBSYSTEM)
    member = None
    if ewp and ets:
        member_of = {m.casefold() for m in all_str(directory.read(ets, ["memberOf"]) or {}, "memberOf")}
        member = ewp.casefold() in member_of
    return {"ewp": ewp, "ets": ets, "ets_member_of_ewp": member}


def read_exchange_server_sites(directory: DirectoryConnection, present: set[str]) -> list[dict[str, Any]] | None:
    org = _org_dn(directory)
    if org is None:
        return None
    if "msExchServerSite" not in present:
        raise DirectoryQueryError("the schema has no msExchServerSite attribute")
    entries = directory.search(f"CN=Administrative Groups,{org}", "(objectClass=msExchExchangeServer)",
                               ["cn", "msExchServerSite"], missing_ok=True)
    return sorted(({"name": (first_str(a, "cn") or rdn_value(dn)).upper(),
                    "site": rdn_value(first_str(a, "msExchServerSite") or "") or None} for dn, a in entries),
                  key=lambda s: str(s["name"]))


def read_rodcs(directory: DirectoryConnection) -> list[str]:
    entries = directory.search(f"CN=Sites,{directory.root.config_nc}", "(objectCategory=nTDSDSARO)", ["cn"])
    # CN=NTDS Settings,CN=<server>,CN=Servers,CN=<site>,CN=Sites,...
    return sorted({rdn_value(dn.split(",", 1)[1]).upper() for dn, _ in entries if "," in dn})


def read_catalog_org_facts(directory: DirectoryConnection) -> dict[str, Fact]:
    """Every CATALOG_ORG_FACTS key, each read on its own."""
    try:
        present = directory.present_attributes(OPTIONAL_ATTRIBUTES)
    except (DirectoryQueryError, DirectoryAuthError):
        present = set()
    readers: dict[str, Callable[[], Any]] = {
        "ad.adc_connectors": lambda: read_adc_connectors(directory),
        "ad.meso_containers": lambda: read_meso_containers(directory),
        "ad.domain_modes": lambda: read_domain_modes(directory),
        "ad.schema_master_os": lambda: read_schema_master_os(directory),
        "ad.recipient_policy": lambda: read_recipient_policy(directory, present),
        "ad.oabs": lambda: read_oabs(directory, present),
        "ad.split_permissions": lambda: read_split_permissions(directory),
        "ad.exchange_server_sites": lambda: read_exchange_server_sites(directory, present),
        "ad.rodcs": lambda: read_rodcs(directory),
    }
    return {name: _fact(name, reader) for name, reader in readers.items()}
