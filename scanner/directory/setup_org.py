"""Organisation facts for Setup rules that used to be out of reach (scanner.facts.keys.SETUP_ORG_FACTS), read
with the same connection as scanner.directory.org, each on its own (a read the bind account may not make
leaves that fact UNREADABLE). All traffic goes to the DC exready already talks to.

- ad.dns_zones: the Active Directory-integrated DNS zones and, in each, the nodes named like the sweep's
  computers with their record types (HostRecordMissing). Zones live under CN=MicrosoftDNS in the
  DomainDnsZones and ForestDnsZones application partitions, and (Windows 2000 style) under CN=System of
  each domain; a node's dnsRecord values are DNS_RPC_RECORD structures whose bytes 2-3 are the record
  type ([MS-DNSP] 2.3.2.2).
- ad.site_dcs: every domain controller's NTDS Settings object under CN=Sites: its site, whether it is a
  global catalog (options bit 1, NTDSDSA_OPT_IS_GC) and whether it is read-only (objectCategory
  nTDSDSARO) ([MS-ADTS] 6.1.1.2.2.1.2.1.1) (DomainControllerIsOutOfSite).
- ad.admin_group_acl: the SE_DACL_PROTECTED bit (0x1000 of the security descriptor's Control field,
  [MS-DTYP] 2.4.6) of the organisation's administrative groups, and of the object Exchange 2013 Setup reads
  for InhBlockPublicFolderTree. The DACL is read with the LDAP_SERVER_SD_FLAGS control asking for the DACL
  only, which a reader account may read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ldap3.protocol.microsoft import security_descriptor_control

from scanner.directory.connection import DirectoryConnection, all_str, first_int, first_str
from scanner.directory.sites import rdn_value
from scanner.errors import DirectoryAuthError, DirectoryQueryError
from scanner.model.facts import Fact, FactStatus
from scanner.model.host import Host

FLAG_CR_NTDS_DOMAIN = 0x2
NTDSDSA_OPT_IS_GC = 0x1
SE_DACL_PROTECTED = 0x1000
DACL_SECURITY_INFORMATION = 0x4
DNS_PAGE = 500
SKIPPED_ZONES = ("RootDNSServers", "..TrustAnchors")


def _fact(name: str, reader: Callable[[], Any]) -> Fact:
    try:
        value = reader()
    except (DirectoryQueryError, DirectoryAuthError) as exc:
        return Fact(name, FactStatus.UNREADABLE, error=str(exc))
    return Fact(name, FactStatus.ABSENT) if value is None else Fact(name, FactStatus.PRESENT, value)


def _domain_ncs(directory: DirectoryConnection) -> list[str]:
    entries = directory.search(f"CN=Partitions,{directory.root.config_nc}", "(objectClass=crossRef)",
                               ["nCName", "systemFlags"], one_level=True)
    return sorted(nc for _, a in entries
                  if (nc := first_str(a, "nCName")) and (first_int(a, "systemFlags") or 0) & FLAG_CR_NTDS_DOMAIN)


# ---- DNS ------------------------------------------------------------------------------------------


def record_types(values: Iterable[bytes]) -> list[int]:
    """The record types of a node's dnsRecord values (DNS_RPC_RECORD: DataLength, Type, ...); type 0 is a
    tombstone."""
    return sorted({int.from_bytes(v[2:4], "little") for v in values if len(v) >= 4})


def _zone_containers(directory: DirectoryConnection) -> list[tuple[str, str]]:
    """(partition label, CN=MicrosoftDNS,... DN) for every place AD-integrated zones can be."""
    root = directory.root.root_domain_nc
    places = [("ForestDnsZones", f"CN=MicrosoftDNS,DC=ForestDnsZones,{root}")]
    for nc in _domain_ncs(directory):
        places.append(("DomainDnsZones", f"CN=MicrosoftDNS,DC=DomainDnsZones,{nc}"))
        places.append(("System", f"CN=MicrosoftDNS,CN=System,{nc}"))
    return places


def read_dns_zones(directory: DirectoryConnection, computers: Iterable[Host]) -> list[dict[str, Any]]:
    """Each forward zone, with the nodes whose first label is one of the computers' short names."""
    names = {h.name.casefold() for h in computers}
    zones: list[dict[str, Any]] = []
    for partition, container in _zone_containers(directory):
        try:
            found = directory.search(container, "(objectClass=dnsZone)", ["name"], one_level=True, missing_ok=True)
        except DirectoryQueryError:
            continue  # a partition this DC does not hold (another domain's DomainDnsZones)
        for dn, attrs in sorted(found):
            zone = first_str(attrs, "name") or rdn_value(dn)
            if zone in SKIPPED_ZONES or zone.casefold().endswith(".arpa"):
                continue
            nodes: dict[str, list[int]] = {}
            if names:
                for node_dn, node in directory.paged(dn, "(objectClass=dnsNode)", ["name", "dnsRecord"],
                                                     page_size=DNS_PAGE, one_level=True):
                    label = (first_str(node, "name") or rdn_value(node_dn)).casefold()
                    if label.split(".", 1)[0] in names:
                        raw = next((v for k, v in node.items() if k.lower() == "dnsrecord"), [])
                        nodes[label] = record_types(raw)
            zones.append({"zone": zone.casefold(), "partition": partition, "dn": dn, "nodes": nodes})
    return zones


# ---- domain controllers by site ---------------------------------------------------------------------


def read_site_dcs(directory: DirectoryConnection) -> list[dict[str, Any]]:
    entries = directory.search(f"CN=Sites,{directory.root.config_nc}",
                               "(|(objectCategory=nTDSDSA)(objectCategory=nTDSDSARO))",
                               ["options", "objectCategory", "msDS-hasDomainNCs", "hasMasterNCs"])
    out: list[dict[str, Any]] = []
    for dn, attrs in entries:
        parts = dn.split(",")  # CN=NTDS Settings,CN=<server>,CN=Servers,CN=<site>,CN=Sites,...
        if len(parts) < 5 or parts[2].strip().upper() != "CN=SERVERS":
            continue
        server_dn = dn.split(",", 1)[1]
        server = directory.read(server_dn, ["dNSHostName"]) or {}
        category = (first_str(attrs, "objectCategory") or "").upper()
        domain = first_str(attrs, "msDS-hasDomainNCs")
        if domain is None:
            domain = next((nc for nc in all_str(attrs, "hasMasterNCs")
                           if not nc.upper().startswith(("CN=CONFIGURATION", "CN=SCHEMA", "DC=DOMAINDNSZONES",
                                                         "DC=FORESTDNSZONES"))), None)
        out.append({
            "server": rdn_value(server_dn).upper(),
            "dns_host_name": first_str(server, "dNSHostName"),
            "site": rdn_value(",".join(parts[3:])),
            "gc": bool((first_int(attrs, "options") or 0) & NTDSDSA_OPT_IS_GC),
            "read_only": category.startswith("CN=NTDS-DSA-RO"),
            "domain": domain,
        })
    return sorted(out, key=lambda d: (str(d["site"]), str(d["server"])))


# ---- administrative groups' DACLs --------------------------------------------------------------------


def dacl_protected(sd: bytes | None) -> bool | None:
    """SE_DACL_PROTECTED from a self-relative security descriptor (Revision, Sbz1, Control LE, ...)."""
    if not sd or len(sd) < 4:
        return None
    return bool(int.from_bytes(sd[2:4], "little") & SE_DACL_PROTECTED)


def _sd_of(attrs: dict[str, list[bytes]]) -> bytes | None:
    values = next((v for k, v in attrs.items() if k.lower() == "ntsecuritydescriptor"), [])
    return values[0] if values else None


def read_admin_group_acl(directory: DirectoryConnection) -> dict[str, Any] | None:
    entries = directory.search(f"CN=Microsoft Exchange,CN=Services,{directory.root.config_nc}",
                               "(objectClass=msExchOrganizationContainer)", ["cn"], one_level=True, missing_ok=True)
    if not entries:
        return None
    org = sorted(entries)[0][0]
    controls = security_descriptor_control(sdflags=DACL_SECURITY_INFORMATION)
    groups = directory.search(f"CN=Administrative Groups,{org}", "(objectCategory=msExchAdminGroup)",
                              ["cn", "nTSecurityDescriptor"], one_level=True, missing_ok=True, controls=controls)
    admin_groups = [{"dn": dn, "name": first_str(a, "cn") or rdn_value(dn), "dacl_protected": dacl_protected(_sd_of(a))}
                    for dn, a in groups]
    # Exchange 2013 Setup's own lookup: the first admin group under "CN=Administrative Groups," + the first
    # admin group's DN (a container that an organisation does not normally have)
    lookup: dict[str, Any] = {"base": None, "found": None, "dacl_protected": None}
    if groups:
        base = f"CN=Administrative Groups,{groups[0][0]}"
        lookup["base"] = base
        inner = directory.search(base, "(objectCategory=msExchAdminGroup)", ["cn", "nTSecurityDescriptor"],
                                 one_level=True, missing_ok=True, controls=controls)
        if inner:
            lookup["found"] = inner[0][0]
            lookup["dacl_protected"] = dacl_protected(_sd_of(inner[0][1]))
    return {"organization": org, "admin_groups": admin_groups, "setup_lookup": lookup}


def read_setup_org_facts(directory: DirectoryConnection, computers: Iterable[Host] = ()) -> dict[str, Fact]:
    """Every SETUP_ORG_FACTS key, each read on its own."""
    hosts = tuple(computers)
    readers: dict[str, Callable[[], Any]] = {
        "ad.dns_zones": lambda: read_dns_zones(directory, hosts),
        "ad.site_dcs": lambda: read_site_dcs(directory),
        "ad.admin_group_acl": lambda: read_admin_group_acl(directory),
    }
    return {name: _fact(name, reader) for name, reader in readers.items()}
