"""The organisation facts (scanner.facts.keys.ORG_FACTS), read once per sweep from one DC.

Each fact is read on its own: a fact the account may not read becomes UNREADABLE (its rules turn
UNKNOWN) while the others stay usable. "absent" means AD was read and the thing is not there (no
Exchange schema, no organisation). Attributes that only exist with the Exchange schema are asked for
only when the schema defines them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from scanner.directory.catalog_org import read_catalog_org_facts
from scanner.directory.connection import DirectoryConnection, first_int, first_str
from scanner.directory.filters import all_of, bit_and
from scanner.directory.setup_org import read_setup_org_facts
from scanner.directory.sites import rdn_value
from scanner.errors import DirectoryAuthError, DirectoryQueryError
from scanner.facts.lifecycle import lifecycle
from scanner.facts.version import Version
from scanner.model.facts import Fact, FactStatus, OrgFacts
from scanner.model.host import Host

FLAG_CR_NTDS_DOMAIN = 0x2  # crossRef systemFlags: this partition is an AD domain
EXCHANGE_ATTRIBUTES = ("msExchCurrentServerRoles", "msExchDomainLink")
MESO_CN = "Microsoft Exchange System Objects"

_SERIAL = re.compile(r"Version\s+(\d+)\.(\d+)\s*\(Build\s+(\d+)(?:\.(\d+))?", re.IGNORECASE)


def version_from_serial(serial: str | None) -> str | None:
    """ "Version 15.0 (Build 31497.2)" -> "15.0.1497.2". From Exchange 2007 on, serialNumber shows the
    build plus 30000 (some builds plus 10000); 2000/2003 ("Version 6.5 (Build 7638.2: ...)") do not."""
    if not serial:
        return None
    m = _SERIAL.search(serial)
    if m is None:
        return None
    major, minor, build = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if major >= 8:
        if build >= 30000:
            build -= 30000
        elif build >= 10000:
            build -= 10000
    revision = m.group(4)
    return f"{major}.{minor}.{build}" + (f".{int(revision)}" if revision is not None else "")


def version_from_number(number: int | None) -> str | None:
    """AD versionNumber = 0x70008000 | major<<22 | minor<<16 | build (no revision)."""
    if number is None or number < 0x70008000:
        return None
    return f"{(number >> 22) & 63}.{(number >> 16) & 63}.{number & 0x7FFF}"


def _present(name: str, value: Any) -> Fact:
    return Fact(name, FactStatus.PRESENT, value)


def _absent(name: str) -> Fact:
    return Fact(name, FactStatus.ABSENT)


def _unreadable(name: str, exc: Exception) -> Fact:
    return Fact(name, FactStatus.UNREADABLE, error=str(exc))


def read_org_facts(directory: DirectoryConnection, computers: Iterable[Host] = ()) -> OrgFacts:
    """Every ORG_FACTS key. ``computers``: the discovered hosts, saved as ad.computers."""
    try:
        exchange_attrs = directory.present_attributes(EXCHANGE_ATTRIBUTES)
    except (DirectoryQueryError, DirectoryAuthError):
        exchange_attrs = set()  # schema unreadable: ask only for attributes every AD has
    facts = _each(directory, exchange_attrs)
    facts.update(read_catalog_org_facts(directory))  # CATALOG_ORG_FACTS, for the catalog's other AD rules
    computers = tuple(computers)
    facts.update(read_setup_org_facts(directory, computers))  # SETUP_ORG_FACTS: DNS zones, site DCs, ACLs
    facts["ad.computers"] = _present(
        "ad.computers",
        [{"name": h.name, "dn": h.source, "site": h.site, "is_dc": h.is_dc, "is_rodc": h.is_rodc}
         for h in computers],
    )
    return OrgFacts(facts=facts, source=directory.url)


def _each(directory: DirectoryConnection, exchange_attrs: set[str]) -> dict[str, Fact]:
    out: dict[str, Fact] = {}
    readers = (
        ("ad.forest", lambda: read_forest(directory)),
        ("ad.domains", lambda: read_domains(directory)),
        ("ad.exchange_schema_version", lambda: read_schema_version(directory)),
    )
    for name, reader in readers:
        out[name] = _fact(name, reader)
    org = _fact("ad.exchange_org", lambda: read_org(directory))
    out["ad.exchange_org"] = org
    org_dn = org.value["dn"] if org.present else None
    if org.status is FactStatus.UNREADABLE:
        out["ad.exchange_servers"] = Fact(
            "ad.exchange_servers",
            FactStatus.UNREADABLE,
            error=f"the organisation could not be read: {org.error}",
        )
    else:
        out["ad.exchange_servers"] = _fact(
            "ad.exchange_servers", lambda: read_exchange_servers(directory, org_dn, exchange_attrs)
        )
    out["ad.rus"] = _fact("ad.rus", lambda: read_rus(directory, exchange_attrs))
    return out


def _fact(name: str, reader: Any) -> Fact:
    """Run one reader: a value is PRESENT, None is ABSENT, a query/rights error is UNREADABLE.
    DirectoryUnreachable propagates: a DC that went away fails the run, not one fact."""
    try:
        value = reader()
    except (DirectoryQueryError, DirectoryAuthError) as exc:
        return _unreadable(name, exc)
    return _absent(name) if value is None else _present(name, value)


# ---- readers ------------------------------------------------------------------------------------


def _partitions(directory: DirectoryConnection) -> str:
    return f"CN=Partitions,{directory.root.config_nc}"


def read_forest(directory: DirectoryConnection) -> dict[str, Any]:
    root = directory.root
    partitions = directory.read(_partitions(directory), ["msDS-Behavior-Version"]) or {}
    level = first_int(partitions, "msDS-Behavior-Version")
    if level is None:
        level = root.forest_functionality
    dns_name = None
    for _, attrs in directory.search(
        _partitions(directory),
        all_of("(objectClass=crossRef)", bit_and("systemFlags", FLAG_CR_NTDS_DOMAIN)),
        ["nCName", "dnsRoot"],
        one_level=True,
    ):
        if (first_str(attrs, "nCName") or "").lower() == root.root_domain_nc.lower():
            dns_name = first_str(attrs, "dnsRoot")
    if dns_name is None:
        dns_name = _dns_from_dn(root.root_domain_nc)
    master, master_site = read_schema_master(directory)
    return {
        "dns_name": dns_name,
        "dn": root.root_domain_nc,
        "functional_level": level,
        "schema_master": master,
        "schema_master_site": master_site,  # read from the FSMO owner's DN: no need to discover the DC
    }


def read_schema_master(directory: DirectoryConnection) -> tuple[str, str | None]:
    """The DNS name of the DC holding the schema FSMO, and its AD site. fSMORoleOwner points at its
    NTDS Settings object: CN=NTDS Settings,CN=<server>,CN=Servers,CN=<site>,CN=Sites,<config NC>."""
    schema = directory.read(directory.root.schema_nc, ["fSMORoleOwner"]) or {}
    owner = first_str(schema, "fSMORoleOwner") or ""
    server_dn = owner.split(",", 1)[1] if owner.upper().startswith("CN=NTDS SETTINGS,") else owner
    if not server_dn:
        return "", None
    parts = server_dn.split(",")
    site = parts[2].split("=", 1)[1] if len(parts) > 3 and parts[1].upper() == "CN=SERVERS" else None
    server = directory.read(server_dn, ["dNSHostName"]) or {}
    return first_str(server, "dNSHostName") or rdn_value(server_dn), site


def read_domains(directory: DirectoryConnection) -> list[dict[str, Any]]:
    domains = []
    entries = directory.search(
        _partitions(directory),
        all_of("(objectClass=crossRef)", bit_and("systemFlags", FLAG_CR_NTDS_DOMAIN)),
        ["nCName", "dnsRoot", "nETBIOSName"],
        one_level=True,
    )
    for _, attrs in sorted(entries, key=lambda e: (first_str(e[1], "dnsRoot") or "").lower()):
        nc = first_str(attrs, "nCName")
        if not nc:
            continue
        domain: dict[str, Any] = {
            "dns_name": first_str(attrs, "dnsRoot") or _dns_from_dn(nc),
            "dn": nc,
            "netbios": first_str(attrs, "nETBIOSName"),
            "functional_level": None,
            "mesos_object_version": None,
        }
        try:
            head = directory.read(nc, ["msDS-Behavior-Version"]) or {}
            domain["functional_level"] = first_int(head, "msDS-Behavior-Version")
            meso = directory.read(f"CN={MESO_CN},{nc}", ["objectVersion"])
            domain["mesos_object_version"] = first_int(meso, "objectVersion") if meso is not None else None
        except DirectoryQueryError as exc:
            # another domain of the forest, not held by this DC: say so instead of "not prepared"
            domain["error"] = str(exc)
        domains.append(domain)
    return domains


def read_schema_version(directory: DirectoryConnection) -> int | None:
    attrs = directory.read(f"CN=ms-Exch-Schema-Version-Pt,{directory.root.schema_nc}", ["rangeUpper"])
    return first_int(attrs, "rangeUpper") if attrs is not None else None


def _exchange_services(directory: DirectoryConnection) -> str:
    return f"CN=Microsoft Exchange,CN=Services,{directory.root.config_nc}"


def read_org(directory: DirectoryConnection) -> dict[str, Any] | None:
    entries = directory.search(
        _exchange_services(directory),
        "(objectClass=msExchOrganizationContainer)",
        ["cn", "objectVersion"],
        one_level=True,
        missing_ok=True,
    )
    if not entries:
        return None
    dn, attrs = sorted(entries)[0]
    return {
        "name": first_str(attrs, "cn") or rdn_value(dn),
        "dn": dn,
        "object_version": first_int(attrs, "objectVersion"),
    }


def read_exchange_servers(
    directory: DirectoryConnection, org_dn: str | None, exchange_attrs: set[str]
) -> list[dict[str, Any]]:
    if org_dn is None:
        return []
    attributes = ["cn", "serialNumber", "versionNumber"]
    if "msExchCurrentServerRoles" in exchange_attrs:
        attributes.append("msExchCurrentServerRoles")
    entries = directory.search(
        f"CN=Administrative Groups,{org_dn}",
        "(objectClass=msExchExchangeServer)",
        attributes,
        missing_ok=True,
    )
    servers = []
    today = datetime.now(UTC).date()
    for dn, attrs in entries:
        serial = first_str(attrs, "serialNumber") or ""
        number = first_int(attrs, "versionNumber")
        version = version_from_serial(serial) or version_from_number(number)
        life = lifecycle(Version.try_parse(version), today)
        servers.append(
            {
                "name": (first_str(attrs, "cn") or rdn_value(dn)).upper(),
                "dn": dn,
                "serial_number": serial,
                "roles": first_int(attrs, "msExchCurrentServerRoles") or 0,
                "version": version,
                "version_number": number,
                # the product and whether Microsoft still supports it, on the day AD was read
                **(life.as_fact() if life is not None else {"product": None, "end_of_support": None,
                                                            "supported": None}),
            }
        )
    return sorted(servers, key=lambda s: s["name"])


def read_rus(directory: DirectoryConnection, exchange_attrs: set[str]) -> list[dict[str, Any]]:
    attributes = ["cn"]
    if "msExchDomainLink" in exchange_attrs:
        attributes.append("msExchDomainLink")
    entries = directory.search(
        _exchange_services(directory), "(objectClass=msExchAddressListService)", attributes, missing_ok=True
    )
    return sorted(
        (
            {
                "name": first_str(a, "cn") or rdn_value(dn),
                "dn": dn,
                "domain_link": first_str(a, "msExchDomainLink"),
            }
            for dn, a in entries
        ),
        key=lambda r: r["name"],
    )


def _dns_from_dn(dn: str) -> str:
    return ".".join(part.split("=", 1)[1] for part in dn.split(",") if part.strip().upper().startswith("DC="))
