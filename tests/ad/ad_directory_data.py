"""Test directory content: a minimal Exchange schema extension, OUs, ~200 computers, two sites with
subnets, an Exchange organisation (2013 servers and a legacy 2003 server) and RUS objects.

The schema objects marked REAL carry the governsID/attributeID/schemaIDGUID that Exchange's own
schema uses; those marked TEST use made-up numbers in the Exchange arc (tools match on
lDAPDisplayName, so the numbers do not matter here). Requires "dsdb:schema update allowed = true"
and a Schema Admins bind.
"""

from __future__ import annotations

import ssl
import uuid
from dataclasses import dataclass, field
from typing import Any

import ldap3
from ad_samba import SambaDC

NOW_FILETIME_EPOCH = 11644473600  # seconds between 1601-01-01 and 1970-01-01

# (cn, lDAPDisplayName, attributeID, attributeSyntax, oMSyntax, extra)
EXCHANGE_ATTRIBUTES: tuple[tuple[str, str, str, str, str, dict[str, Any]], ...] = (
    (
        "ms-Exch-Schema-Version-Pt",
        "msExchSchemaVersionPt",
        "1.2.840.113556.1.4.7000.102.97",
        "2.5.5.9",
        "2",
        {"rangeLower": "1", "rangeUpper": "15312", "schemaIDGUID": "5f8198d5-e7c9-4560-b166-08dc7cfc17c1"},
    ),  # REAL
    (
        "ms-Exch-Current-Server-Roles",
        "msExchCurrentServerRoles",
        "1.2.840.113556.1.4.7000.102.99001",
        "2.5.5.9",
        "2",
        {},
    ),  # TEST
    ("ms-Exch-Version", "msExchVersion", "1.2.840.113556.1.4.7000.102.99002", "2.5.5.16", "65", {}),  # TEST
    (
        "ms-Exch-Product-ID",
        "msExchProductID",
        "1.2.840.113556.1.4.7000.102.99003",
        "2.5.5.12",
        "64",
        {},
    ),  # TEST
    (
        "ms-Exch-Domain-Link",
        "msExchDomainLink",
        "1.2.840.113556.1.4.7000.102.99005",
        "2.5.5.1",
        "127",
        {"oMObjectClass": b"\x2b\x0c\x02\x87\x73\x1c\x00\x85\x4a"},
    ),  # TEST, DN syntax
)

# (cn, lDAPDisplayName, governsID, subClassOf, possSuperiors, mayContain, extra)
EXCHANGE_CLASSES: tuple[tuple[str, str, str, str, list[str], list[str], dict[str, Any]], ...] = (
    (
        "ms-Exch-Organization-Container",
        "msExchOrganizationContainer",
        "1.2.840.113556.1.5.7000.62.50020",
        "container",
        ["msExchConfigurationContainer", "container"],
        ["objectVersion", "msExchVersion", "msExchProductID"],
        {"schemaIDGUID": "366a319c-a982-11d2-a9ff-00c04f8eedd8"},
    ),  # REAL
    (
        "ms-Exch-Admin-Group-Container",
        "msExchAdminGroupContainer",
        "1.2.840.113556.1.5.7000.62.50019",
        "container",
        ["msExchOrganizationContainer"],
        [],
        {"schemaIDGUID": "e7a44058-a980-11d2-a9ff-00c04f8eedd8"},
    ),  # REAL
    (
        "ms-Exch-Admin-Group",
        "msExchAdminGroup",
        "1.2.840.113556.1.5.7000.62.50011",
        "top",
        ["msExchAdminGroupContainer"],
        ["msExchVersion"],
        {"schemaIDGUID": "e768a58e-a980-11d2-a9ff-00c04f8eedd8"},
    ),  # REAL
    (
        "ms-Exch-Servers-Container",
        "msExchServersContainer",
        "1.2.840.113556.1.5.7000.62.50013",
        "container",
        ["msExchAdminGroup"],
        [],
        {"schemaIDGUID": "346e5cba-a982-11d2-a9ff-00c04f8eedd8"},
    ),  # REAL
    (
        "ms-Exch-Exchange-Server",
        "msExchExchangeServer",
        "1.2.840.113556.1.5.7000.62.50009",
        "server",
        ["msExchServersContainer"],
        [
            "msExchCurrentServerRoles",
            "msExchVersion",
            "msExchProductID",
            "networkAddress",
            "versionNumber",
            "serialNumber",
        ],
        {"schemaIDGUID": "01a9aa9c-a981-11d2-a9ff-00c04f8eedd8"},
    ),  # REAL
    (
        "ms-Exch-Container",
        "msExchContainer",
        "1.2.840.113556.1.5.7000.62.50010",
        "container",
        ["msExchOrganizationContainer", "msExchAdminGroup", "container"],
        [],
        {"schemaIDGUID": "006c91da-a981-11d2-a9ff-00c04f8eedd8"},
    ),  # REAL
    (
        "ms-Exch-Address-List-Service-Container",
        "msExchAddressListServiceContainer",
        "1.2.840.113556.1.5.7000.62.13",
        "container",
        ["msExchContainer"],
        [],
        {"schemaIDGUID": "b1fce95a-1d44-11d3-aa5e-00c04f8eedd8"},
    ),  # REAL
    (
        "ms-Exch-Address-List-Service",
        "msExchAddressListService",
        "1.2.840.113556.1.5.7000.62.2",
        "top",
        ["msExchAddressListServiceContainer", "container"],
        ["msExchVersion", "msExchDomainLink"],
        {"schemaIDGUID": "e6a2c260-a980-11d2-a9ff-00c04f8eedd8"},
    ),  # REAL
    (
        "ms-Exch-System-Objects-Container",
        "msExchSystemObjectsContainer",
        "1.2.840.113556.1.5.7000.62.99001",
        "container",
        ["domainDNS"],
        ["objectVersion"],
        {},
    ),  # TEST
)


def _add(conn: ldap3.Connection, dn: str, object_class: str | list[str], attrs: dict[str, Any]) -> None:
    conn.add(dn, object_class, attrs)
    if conn.result["result"] not in (0, 68):  # success, entryAlreadyExists
        raise AssertionError(f"add {dn}: {conn.result['description']} {conn.result['message']}")


def schema_update_now(conn: ldap3.Connection) -> None:
    """rootDSE schemaUpdateNow (ldap3 refuses an empty DN unless check_names is off)."""
    old = conn.check_names
    conn.check_names = False
    try:
        conn.modify("", {"schemaUpdateNow": [(ldap3.MODIFY_REPLACE, ["1"])]})
    finally:
        conn.check_names = old


def extend_schema(dc: SambaDC) -> None:
    conn = dc.connect()
    try:
        for cn, name, oid, syntax, om_syntax, extra in EXCHANGE_ATTRIBUTES:
            attrs: dict[str, Any] = {
                "cn": cn,
                "lDAPDisplayName": name,
                "attributeID": oid,
                "attributeSyntax": syntax,
                "oMSyntax": om_syntax,
                "isSingleValued": "TRUE",
                "adminDisplayName": cn,
                "showInAdvancedViewOnly": "TRUE",
                "searchFlags": "0",
            }
            for key, value in extra.items():
                attrs[key] = uuid.UUID(value).bytes_le if key == "schemaIDGUID" else value
            _add(conn, f"CN={cn},{dc.schema_dn}", ["top", "attributeSchema"], attrs)
        schema_update_now(conn)
        for cn, name, oid, superclass, superiors, may, extra in EXCHANGE_CLASSES:
            attrs = {
                "cn": cn,
                "lDAPDisplayName": name,
                "governsID": oid,
                "subClassOf": superclass,
                "objectClassCategory": "1",
                "rDNAttID": "cn",
                "possSuperiors": superiors,
                "adminDisplayName": cn,
                "showInAdvancedViewOnly": "TRUE",
                "defaultSecurityDescriptor": "D:(A;;RPLCLORC;;;AU)",
            }
            if may:
                attrs["mayContain"] = may
            for key, value in extra.items():
                attrs[key] = uuid.UUID(value).bytes_le if key == "schemaIDGUID" else value
            _add(conn, f"CN={cn},{dc.schema_dn}", ["top", "classSchema"], attrs)
        schema_update_now(conn)
    finally:
        conn.unbind()


# --- accounts ----------------------------------------------------------------------------------------

READER = "svc-exready"  # an ordinary domain user: discovery needs no admin rights
READER_PASSWORD = "Read-Only-Scan-7"  # noqa: S105 - throwaway test DC
LOCKED = "locked-user"
LOCKOUT_THRESHOLD = 3


def _user(conn: ldap3.Connection, dc: SambaDC, name: str, password: str) -> None:
    dn = f"CN={name},CN=Users,{dc.base_dn}"
    _add(conn, dn, "user", {"sAMAccountName": name, "userPrincipalName": f"{name}@{dc.dns_domain}"})
    conn.modify(
        dn,
        {
            "unicodePwd": [(ldap3.MODIFY_REPLACE, [f'"{password}"'.encode("utf-16-le")])],
            "userAccountControl": [(ldap3.MODIFY_REPLACE, ["512"])],
        },
    )  # NORMAL_ACCOUNT, enabled
    if conn.result["result"] != 0:
        raise AssertionError(f"set password of {name}: {conn.result['message']}")


def create_accounts(dc: SambaDC) -> None:
    """A reader account, and an account locked out by real failed binds (lockout threshold 3)."""
    conn = dc.connect()
    try:
        conn.modify(dc.base_dn, {"lockoutThreshold": [(ldap3.MODIFY_REPLACE, [str(LOCKOUT_THRESHOLD)])]})
        _user(conn, dc, READER, READER_PASSWORD)
        _user(conn, dc, LOCKED, READER_PASSWORD)
    finally:
        conn.unbind()
    server = ldap3.Server(dc.ip, port=636, use_ssl=True, tls=ldap3.Tls(validate=ssl.CERT_NONE), get_info=ldap3.NONE)
    for attempt in range(LOCKOUT_THRESHOLD):
        ldap3.Connection(server, f"{LOCKED}@{dc.dns_domain}", f"wrong-{attempt}").bind()


# --- computers, OUs, sites ----------------------------------------------------------------------------

HQ_SITE = "Default-First-Site-Name"
BRANCH_SITE = "Branch-Office"
LAB_SITE = "Branch-Lab"
SUBNETS = {"127.10.0.0/16": HQ_SITE, "127.20.0.0/16": BRANCH_SITE, "127.20.5.0/24": LAB_SITE}
OUS = ("OU=Servers", "OU=Branch", "OU=Workstations", "OU=Linux", "OU=Retired")
STALE_DAYS = 90


@dataclass(frozen=True)
class Computer:
    name: str
    ou: str
    os: str | None
    disabled: bool = False
    last_logon_days: int | None = 2  # days ago; None: never logged on
    is_dc: bool = False
    address: str | None = None  # what the test hosts file maps the FQDN to

    @property
    def fqdn(self) -> str:
        return f"{self.name.lower()}.corp.example.test"


@dataclass(frozen=True)
class Population:
    computers: tuple[Computer, ...]
    expected_site: dict[str, str | None] = field(default_factory=dict)  # included name -> site


def build_population() -> Population:
    """200 computers. Counts (checked by hand in the tests): see the comments."""
    computers: list[Computer] = []
    # 110 HQ servers HQSRV001..HQSRV110: every 11th disabled (10), every 13th stale (8, one of them
    # also disabled: HQSRV078 ... counted as disabled), HQSRV100..HQSRV102 never logged on.
    for i in range(1, 111):
        disabled = i % 11 == 0
        stale = i % 13 == 0
        last: int | None = 400 if stale else 2
        if i in (100, 101, 102):
            last = None
        address = None if i in (105, 106) else f"127.10.{i // 200}.{i % 200 + 1}"
        os_name = (
            "Windows Server 2012 R2 Standard",
            "Windows Server 2016 Datacenter",
            "Windows Server 2019 Standard",
        )[i % 3]
        computers.append(Computer(f"HQSRV{i:03d}", "OU=Servers", os_name, disabled, last, address=address))
    # 40 branch servers BRSRV001..BRSRV040: 001-010 in the lab subnet, every 20th disabled.
    for i in range(1, 41):
        third = 5 if i <= 10 else 0
        computers.append(
            Computer(
                f"BRSRV{i:03d}",
                "OU=Branch",
                "Windows Server 2012 R2 Datacenter",
                disabled=i % 20 == 0,
                address=f"127.20.{third}.{i + 1}",
            )
        )
    # 30 workstations, 10 Linux machines (one without operatingSystem), 8 retired servers (disabled).
    for i in range(1, 31):
        computers.append(Computer(f"WKS{i:03d}", "OU=Workstations", "Windows 11 Enterprise"))
    for i in range(1, 11):
        computers.append(Computer(f"LNX{i:03d}", "OU=Linux", None if i == 10 else "Ubuntu"))
    for i in range(1, 9):
        computers.append(
            Computer(
                f"OLDSRV{i:03d}",
                "OU=Retired",
                "Windows Server 2008 R2 Standard",
                disabled=True,
                last_logon_days=900,
            )
        )
    # 2 more domain controllers (DC1, the provisioned one, makes 3) and the Exchange servers.
    computers.append(
        Computer("DC2", "OU=Domain Controllers", "Windows Server 2019 Datacenter", is_dc=True, address="127.10.9.2")
    )
    computers.append(
        Computer("DC3", "OU=Domain Controllers", "Windows Server 2016 Datacenter", is_dc=True, address="127.20.9.3")
    )
    assert len(computers) == 200, len(computers)
    return Population(tuple(computers))


def filetime_days_ago(days: int, now: float) -> int:
    return int((now - days * 86400 + NOW_FILETIME_EPOCH) * 10_000_000)


def populate_computers(dc: SambaDC, population: Population, now: float) -> None:
    conn = dc.connect()
    try:
        for ou in OUS:
            _add(conn, f"{ou},{dc.base_dn}", "organizationalUnit", {})
        for c in population.computers:
            uac = (8192 if c.is_dc else 4096) | (2 if c.disabled else 0)
            attrs: dict[str, Any] = {
                "sAMAccountName": c.name + "$",
                "userAccountControl": str(uac),
                "dNSHostName": c.fqdn,
            }
            if c.os:
                attrs["operatingSystem"] = c.os
                attrs["operatingSystemVersion"] = "10.0 (17763)"
            if c.last_logon_days is not None:
                attrs["lastLogonTimestamp"] = str(filetime_days_ago(c.last_logon_days, now))
            _add(conn, f"CN={c.name},{c.ou},{dc.base_dn}", "computer", attrs)
        sites = f"CN=Sites,{dc.config_dn}"
        for site in (BRANCH_SITE, LAB_SITE):
            _add(conn, f"CN={site},{sites}", "site", {})
            _add(conn, f"CN=NTDS Site Settings,CN={site},{sites}", "nTDSSiteSettings", {})
            _add(conn, f"CN=Servers,CN={site},{sites}", "serversContainer", {})
        for subnet, site in SUBNETS.items():
            _add(conn, f"CN={subnet},CN=Subnets,{sites}", "subnet", {"siteObject": f"CN={site},{sites}"})
    finally:
        conn.unbind()


# --- the Exchange organisation ------------------------------------------------------------------------

ORG_NAME = "Contoso"
ADMIN_GROUP = "Exchange Administrative Group (FYDIBOHF23SPDLT)"
LEGACY_ADMIN_GROUP = "First Administrative Group"
ORG_OBJECT_VERSION = 16133
MESO_OBJECT_VERSION = 13237
SCHEMA_RANGE_UPPER = 15312

# name, msExchCurrentServerRoles (None: attribute not set), serialNumber, admin group
EXCHANGE_SERVERS: tuple[tuple[str, int | None, str, str], ...] = (
    ("HQSRV001", 16385, "Version 15.0 (Build 31497.2)", ADMIN_GROUP),  # 2013 CAS (Cafe + FrontendTransport)
    ("HQSRV002", 54, "Version 15.0 (Build 31497.2)", ADMIN_GROUP),  # 2013 Mailbox
    ("HQSRV003", 16439, "Version 15.0 (Build 31473.3)", ADMIN_GROUP),  # 2013 multi-role
    ("EXOLD01", None, "Version 6.5 (Build 7638.2: Service Pack 2)", LEGACY_ADMIN_GROUP),  # Exchange 2003
)


def create_exchange_org(dc: SambaDC) -> None:
    conn = dc.connect()  # a new connection: the schema changed since the last one
    try:
        mx = f"CN=Microsoft Exchange,CN=Services,{dc.config_dn}"
        org = f"CN={ORG_NAME},{mx}"
        version = "4535486012416"
        objects: list[tuple[str, list[str], dict[str, Any]]] = [
            (mx, ["top", "container", "msExchConfigurationContainer"], {}),
            (
                org,
                ["top", "container", "msExchOrganizationContainer"],
                {"objectVersion": str(ORG_OBJECT_VERSION), "msExchVersion": version},
            ),
            (f"CN=Administrative Groups,{org}", ["top", "container", "msExchAdminGroupContainer"], {}),
            (f"CN=Address Lists Container,{org}", ["top", "container", "msExchContainer"], {}),
            (
                f"CN=Recipient Update Services,CN=Address Lists Container,{org}",
                ["top", "container", "msExchAddressListServiceContainer"],
                {},
            ),
            (
                f"CN=Recipient Update Service (Enterprise Configuration),CN=Recipient Update Services,"
                f"CN=Address Lists Container,{org}",
                ["top", "msExchAddressListService"],
                {},
            ),
            (
                f"CN=Recipient Update Service ({dc.netbios_domain}),CN=Recipient Update Services,"
                f"CN=Address Lists Container,{org}",
                ["top", "msExchAddressListService"],
                {"msExchDomainLink": dc.base_dn},
            ),
            (
                f"CN=Microsoft Exchange System Objects,{dc.base_dn}",
                ["top", "container", "msExchSystemObjectsContainer"],
                {"objectVersion": str(MESO_OBJECT_VERSION)},
            ),
        ]
        for group in (ADMIN_GROUP, LEGACY_ADMIN_GROUP):
            ag = f"CN={group},CN=Administrative Groups,{org}"
            objects.append((ag, ["top", "msExchAdminGroup"], {}))
            objects.append((f"CN=Servers,{ag}", ["top", "container", "msExchServersContainer"], {}))
        for name, roles, serial, group in EXCHANGE_SERVERS:
            attrs: dict[str, Any] = {
                "serialNumber": serial,
                "networkAddress": [f"ncacn_ip_tcp:{name.lower()}.{dc.dns_domain}"],
            }
            if roles is not None:
                attrs["msExchCurrentServerRoles"] = str(roles)
            objects.append(
                (
                    f"CN={name},CN=Servers,CN={group},CN=Administrative Groups,{org}",
                    ["top", "server", "msExchExchangeServer"],
                    attrs,
                )
            )
        for dn, classes, attrs in objects:
            _add(conn, dn, classes, attrs)
    finally:
        conn.unbind()
