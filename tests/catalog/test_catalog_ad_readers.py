"""The Active Directory readers behind the catalog (installer account, extra organisation facts), on ldap3's
mock strategy: what they ask for and how they turn answers into facts."""

from __future__ import annotations

import struct
from typing import Any

import ldap3
import pytest

from scanner.credentials import Credentials, Secret
from scanner.directory.catalog_org import read_catalog_org_facts
from scanner.directory.connection import DirectoryConnection, RootDse
from scanner.directory.installer import read_installer_facts, sid_to_str, split_account
from scanner.directory.settings import BindSettings, parse_dc_url
from scanner.model.facts import FactStatus

BASE = "DC=corp,DC=test"
CONFIG = f"CN=Configuration,{BASE}"
SCHEMA = f"CN=Schema,{CONFIG}"
DOMAIN_SID = "S-1-5-21-1111-2222-3333"
SECRET = "Mock-Secret-1"  # noqa: S105 - a mock directory's password


def sid_bytes(text: str) -> bytes:
    parts = [int(p) for p in text.split("-")[1:]]
    revision, authority, subs = parts[0], parts[1], parts[2:]
    return bytes([revision, len(subs)]) + authority.to_bytes(6, "big") + struct.pack(f"<{len(subs)}I", *subs)


def directory(extra: list[tuple[str, dict[str, Any]]]) -> DirectoryConnection:
    server = ldap3.Server("mock-dc", get_info=ldap3.NONE)
    conn = ldap3.Connection(server, user=f"CN=svc,{BASE}", password=SECRET, client_strategy=ldap3.MOCK_SYNC)
    conn.strategy.add_entry(f"CN=svc,{BASE}", {"userPassword": SECRET, "objectClass": "user"})
    conn.strategy.add_entry(BASE, {"objectClass": "domainDNS", "objectSid": sid_bytes(DOMAIN_SID),
                                   "nTMixedDomain": "0"})
    conn.strategy.add_entry(f"CN=Partitions,{CONFIG}", {"objectClass": "crossRefContainer"})
    conn.strategy.add_entry(f"CN=CORP,CN=Partitions,{CONFIG}", {
        "objectClass": "crossRef", "nCName": BASE, "dnsRoot": "corp.test", "nETBIOSName": "CORP", "systemFlags": "3"})
    for dn, attrs in extra:
        conn.strategy.add_entry(dn, attrs)
    conn.bind()
    settings = BindSettings(parse_dc_url("ldaps://dc1.corp.test"), Credentials("svc@corp.test", Secret(SECRET)))
    return DirectoryConnection(conn=conn, settings=settings, root=RootDse(BASE, CONFIG, SCHEMA, BASE))


EXCHANGE = f"CN=Microsoft Exchange,CN=Services,{CONFIG}"
ORG_MGMT = f"CN=Organization Management,OU=Microsoft Exchange Security Groups,{BASE}"


def user(name: str, rid: int, groups: list[str]) -> tuple[str, dict[str, Any]]:
    return f"CN={name},CN=Users,{BASE}", {
        "objectClass": ["user"], "objectCategory": "person", "sAMAccountName": name,
        "userPrincipalName": f"{name}@corp.test", "objectSid": sid_bytes(f"{DOMAIN_SID}-{rid}"),
        "tokenGroups": [sid_bytes(g) for g in groups]}


ENTRIES: list[tuple[str, dict[str, Any]]] = [
    (EXCHANGE, {"objectClass": "msExchConfigurationContainer", "otherWellKnownObjects": [
        f"B:32:C262A929D691B74A9E068728F8F842EA:{ORG_MGMT}"]}),
    (ORG_MGMT, {"objectClass": "group", "objectSid": sid_bytes(f"{DOMAIN_SID}-1120")}),
    user("exsetup", 1108, [f"{DOMAIN_SID}-512", f"{DOMAIN_SID}-518", f"{DOMAIN_SID}-519", f"{DOMAIN_SID}-1120"]),
    user("helpdesk", 2001, [f"{DOMAIN_SID}-513"]),
]


def test_sids_and_account_names() -> None:
    assert sid_to_str(sid_bytes("S-1-5-32-544")) == "S-1-5-32-544"
    assert sid_to_str(sid_bytes(f"{DOMAIN_SID}-519")) == f"{DOMAIN_SID}-519"
    assert sid_to_str("s-1-5-18") == "S-1-5-18"
    with pytest.raises(ValueError):
        sid_to_str(b"\x01\x05\x00")
    assert split_account("CORP\\exsetup") == ("CORP", "exsetup", False)
    assert split_account("exsetup@corp.test") == ("corp.test", "exsetup@corp.test", True)
    assert split_account(" exsetup ") == (None, "exsetup", False)


def test_a_privileged_account_has_every_group_setup_asks_for() -> None:
    facts = read_installer_facts(directory(ENTRIES), "CORP\\exsetup")
    fact = facts.get("installer.account")
    assert fact is not None and fact.status is FactStatus.PRESENT
    acct = fact.value
    assert acct["found"] and acct["domain"] == "corp.test" and acct["sid"] == f"{DOMAIN_SID}-1108"
    assert acct["schema_admins"] and acct["enterprise_admins"] and acct["organization_management"]
    assert acct["domain_admin_of"] == ["corp.test"]
    assert acct["server_management"] is None  # no such well-known group in this organisation


def test_a_delegated_account_by_upn_has_none_of_them() -> None:
    acct = read_installer_facts(directory(ENTRIES), "helpdesk@corp.test").facts["installer.account"].value
    assert acct["found"] and acct["groups"] == [f"{DOMAIN_SID}-513"]
    assert not acct["schema_admins"] and not acct["enterprise_admins"] and acct["domain_admin_of"] == []
    assert acct["organization_management"] is False


@pytest.mark.parametrize("name", ["EX01\\Administrator", ".\\setup", "CORP\\nobody"])
def test_local_or_unknown_accounts_are_not_found(name: str) -> None:
    acct = read_installer_facts(directory(ENTRIES), name).facts["installer.account"].value
    assert acct["found"] is False and acct["groups"] == []
    assert acct["prefix"] == name.split("\\")[0]


def test_catalog_org_facts_each_read_on_its_own() -> None:
    org = "CN=Corp,CN=Microsoft Exchange,CN=Services," + CONFIG
    entries: list[tuple[str, dict[str, Any]]] = [
        *ENTRIES,
        (org, {"objectClass": "msExchOrganizationContainer", "cn": "Corp"}),
        (f"CN=ADC1,CN=Active Directory Connections,{EXCHANGE}", {"objectClass": "msExchActiveDirectoryConnector"}),
        (f"CN=Microsoft Exchange System Objects,{BASE}", {"objectClass": "msExchSystemObjectsContainer",
                                                          "objectCategory": "msExchSystemObjectsContainer"}),
        (f"CN=NTDS Settings,CN=DC2,CN=Servers,CN=Paris,CN=Sites,{CONFIG}", {"objectClass": "nTDSDSA",
                                                                            "objectCategory": "nTDSDSARO"}),
    ]
    facts = read_catalog_org_facts(directory(entries))
    assert facts["ad.adc_connectors"].value == [f"CN=ADC1,CN=Active Directory Connections,{EXCHANGE}"]
    assert facts["ad.meso_containers"].value == [
        {"domain": "corp.test", "count": 1, "dns": [f"CN=Microsoft Exchange System Objects,{BASE}"]}]
    assert facts["ad.domain_modes"].value == [{"domain": "corp.test", "dn": BASE, "mixed": 0}]
    assert facts["ad.rodcs"].value == ["DC2"]
    assert facts["ad.split_permissions"].value == {"ewp": None, "ets": None, "ets_member_of_ewp": None}
    assert facts["ad.schema_master_os"].status is FactStatus.ABSENT  # no fSMORoleOwner on the schema here
    assert facts["ad.recipient_policy"].status is FactStatus.ABSENT  # an organisation without policies
    assert set(facts) == {"ad.adc_connectors", "ad.meso_containers", "ad.domain_modes", "ad.schema_master_os",
                          "ad.recipient_policy", "ad.oabs", "ad.split_permissions", "ad.exchange_server_sites",
                          "ad.rodcs"}
    for name, fact in facts.items():
        assert fact.status in (FactStatus.PRESENT, FactStatus.ABSENT, FactStatus.UNREADABLE), name
