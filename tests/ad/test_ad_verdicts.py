"""Verdicts judged on organisation facts read from the real Samba AD DC of tests/ad/conftest.py with the
ordinary reader account, as a scan would read them: what Setup would say about this forest."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from ad_directory_data import READER, READER_PASSWORD
from ad_samba import SambaDC

from scanner.checks import RuleContext, load_catalog
from scanner.credentials import Credentials, Secret
from scanner.directory.connection import open_directory
from scanner.directory.org import read_org_facts
from scanner.directory.settings import AdSettings, BindSettings, DiscoverySettings, parse_dc_url
from scanner.evaluate import run_rule
from scanner.inventory.ad import discover_hosts
from scanner.model.facts import Fact, FactStatus, HostFacts, OrgFacts
from scanner.model.host import Host
from scanner.model.verdict import Status, Verdict

pytestmark = pytest.mark.samba


def reader_bind(dc: SambaDC) -> BindSettings:
    return BindSettings(parse_dc_url(f"ldaps://{dc.ip}"), Credentials(f"{READER}@{dc.dns_domain}",
                                                                       Secret(READER_PASSWORD)),
                        ca_file=dc.ca_file, tls_name=dc.tls_name, connect_timeout=5, receive_timeout=10)


def org_of(dc: SambaDC, computers: tuple[Host, ...] = ()) -> OrgFacts:
    with open_directory(reader_bind(dc)) as directory:
        return read_org_facts(directory, computers)


def judge(rule_id: str, org: OrgFacts, host: Mapping[str, Any] | None = None, version: str = "2013",
          name: str = "EX01") -> Verdict:
    facts = {n: Fact(n, FactStatus.PRESENT, v) for n, v in (host or {}).items()}
    ctx = RuleContext(rule_id=rule_id, host=Host(name), host_facts=HostFacts(name, facts, "test"), org=org,
                      exchange_version=version)
    return run_rule(load_catalog().rule(rule_id), ctx)


# ---- the words of the verdicts --------------------------------------------------------------------


@pytest.mark.parametrize("rule_id", ["ServerFQDNMatchesSMTPPolicy", "SmtpAddressLiteral", "OffLineABServerDeleted"])
def test_an_organisation_without_policies_is_not_called_missing(samba: Any, rule_id: str) -> None:
    # the fixture's organisation Contoso has servers but no recipient policy and no offline address book
    org = org_of(samba.dc)
    assert org.get("ad.exchange_org").present
    v = judge(rule_id, org, {"computer.name": "EX01", "computer.domain": samba.dc.dns_domain})
    assert v.status is Status.NOT_APPLICABLE
    assert "no Exchange organisation" not in v.detail
    assert "Contoso" in v.detail


def test_a_samba_schema_master_is_not_called_windows(samba: Any) -> None:
    v = judge("SchemaFSMONotWin2003SPn", org_of(samba.dc))
    assert v.status is Status.PASS
    assert "Windows 4." not in v.detail and "on Windows" not in v.detail
    assert "Samba" in v.detail, v.detail


# ---- forest functional level --------------------------------------------------------------------


def test_a_2008_r2_forest_blocks_exchange_2019_but_not_2016(samba: Any) -> None:
    org = org_of(samba.dc)
    assert org.get("ad.forest").value["functional_level"] == 4  # Samba provisions a 2008 R2 forest
    assert judge("ForestLevelNotWin2003Native", org, version="2019").status is Status.PASS
    for rule_id in ("ForestLevelNotWin2012R2", "MsDSBehaviorVersionRequirement"):
        v = judge(rule_id, org, version="2019")
        assert v.status is Status.FAIL, (rule_id, v.detail)
        assert "Windows Server 2008 R2" in v.detail and "Windows Server 2012 R2" in v.detail
    assert judge("MsDSBehaviorVersionRequirement", org, version="2016").status is Status.PASS
    roles = load_catalog().roles_of
    assert "Mailbox" in roles("2019", "ForestLevelNotWin2012R2")
    assert "Mailbox" in roles("2016", "MsDSBehaviorVersionRequirement")


# ---- the computer's AD domain, not its DNS suffix ---------------------------------------------------


def discovered_org(dc: SambaDC) -> OrgFacts:
    return discover_hosts(AdSettings(reader_bind(dc), DiscoverySettings(use_dns=False))).org


def test_domain_prep_reads_the_domain_of_the_computer_object(samba: Any) -> None:
    # HQSRV001 is a computer of the forest root domain; a disjoint primary DNS suffix names no AD domain
    org = discovered_org(samba.dc)
    host = {"computer.name": "HQSRV001", "computer.domain": "dmz.example.net"}
    v = judge("DomainPrepRequired", org, host, name="HQSRV001")
    assert v.status is Status.PASS, v.detail
    assert v.evidence["domain"] == samba.dc.dns_domain
    assert v.evidence["domain_source"].startswith("computer object CN=HQSRV001,OU=Servers")



# ---- rules that were out of reach, judged from the DC --------------------------------------------------


def test_host_record_from_the_ad_integrated_zone(samba: Any) -> None:
    # Samba provisions its internal DNS: the DC's own A record is in DomainDnsZones; the computers added over
    # LDAP were never registered
    org = org_of(samba.dc, (Host("DC1"), Host("HQSRV001")))
    zones = {z["zone"]: z for z in org.get("ad.dns_zones").value}
    assert samba.dc.dns_domain in zones
    v = judge("HostRecordMissing", org, {"computer.name": "DC1", "computer.domain": samba.dc.dns_domain}, name="DC1")
    assert v.status is Status.PASS, v.detail
    assert v.evidence["partition"] == "DomainDnsZones" and 1 in v.evidence["record_types"]
    v = judge("HostRecordMissing", org, {"computer.name": "HQSRV001", "computer.domain": samba.dc.dns_domain},
              name="HQSRV001")
    assert v.status is Status.WARN and "no record" in v.detail


def test_a_writable_global_catalog_in_the_hosts_site(samba: Any) -> None:
    from ad_directory_data import BRANCH_SITE

    org = org_of(samba.dc)
    dcs = org.get("ad.site_dcs").value
    assert [(d["server"], d["gc"], d["read_only"]) for d in dcs] == [("DC1", True, False)]
    here = judge("DomainControllerIsOutOfSite", org, {"computer.ad_site": dcs[0]["site"]})
    assert here.status is Status.PASS
    branch = judge("DomainControllerIsOutOfSite", org, {"computer.ad_site": BRANCH_SITE})
    assert branch.status is Status.FAIL and BRANCH_SITE in branch.detail


def test_inheritance_on_the_administrative_groups_is_read_with_the_reader_account(samba: Any) -> None:
    org = org_of(samba.dc)
    acl = org.get("ad.admin_group_acl").value
    assert {g["name"]: g["dacl_protected"] for g in acl["admin_groups"]} == {
        "Exchange Administrative Group (FYDIBOHF23SPDLT)": False, "First Administrative Group": False}
    assert acl["setup_lookup"]["found"] is None  # the container Setup searches does not exist
    v = judge("InhBlockPublicFolderTree", org)
    assert v.status is Status.PASS, v.detail


# ---- read-only domain controllers ---------------------------------------------------------------------


def test_discovery_reports_a_read_only_dc_as_such(samba: Any) -> None:
    # a computer account as a read-only DC has it (WORKSTATION_TRUST_ACCOUNT | PARTIAL_SECRETS_ACCOUNT; the DC
    # gives it the Read-only Domain Controllers primary group), in its own OU, removed afterwards
    dc = samba.dc
    ou = f"OU=ReadOnlyTest,{dc.base_dn}"
    rodc = f"CN=RODC01,{ou}"
    conn = dc.connect()
    try:
        conn.add(ou, "organizationalUnit", {})
        conn.add(rodc, "computer", {"sAMAccountName": "RODC01$", "userAccountControl": str(0x04001000),
                                     "dNSHostName": f"rodc01.{dc.dns_domain}",
                                     "operatingSystem": "Windows Server 2019 Standard"})
        assert conn.result["result"] == 0, conn.result
        inventory = discover_hosts(AdSettings(reader_bind(dc), DiscoverySettings(use_dns=False)))
    finally:
        conn.delete(rodc)
        conn.delete(ou)
        conn.unbind()
    host = next(h for h in inventory.hosts if h.name == "RODC01")
    assert host.is_dc and host.is_rodc
    entry = next(c for c in inventory.org.get("ad.computers").value if c["name"] == "RODC01")
    assert entry["is_rodc"] is True
    assert not any(h.is_rodc for h in inventory.hosts if h.name != "RODC01")
    v = judge("ComputerRODC", inventory.org, {"computer.name": "RODC01", "computer.domain_role": 4}, name="RODC01")
    assert v.status is Status.FAIL, v.detail
