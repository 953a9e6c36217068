"""Exchange SE verdicts from the Exchange server objects of a real directory (the Samba DC): which older
servers block SE or sit below the builds supported beside it, whether a server can be upgraded in place,
and the support status of every server, read over LDAPS as a scan reads them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from ad_directory_data import ADMIN_GROUP, ORG_NAME, READER, READER_PASSWORD, _add
from conftest import PopulatedDC

from scanner.checks import RuleContext, load_catalog
from scanner.credentials import Credentials, Secret
from scanner.directory.settings import AdSettings, BindSettings, DiscoverySettings, parse_dc_url
from scanner.evaluate import run_rule
from scanner.inventory.ad import discover_hosts
from scanner.model.facts import Fact, FactStatus, HostFacts, OrgFacts
from scanner.model.host import Host
from scanner.model.verdict import Status, Verdict

pytestmark = pytest.mark.samba

# Exchange 2016 CU22, 2016 CU23, 2019 CU13, 2019 CU14 and SE RTM beside the directory's 2013 and 2003 servers
ADDED = (
    ("EX16CU22", "Version 15.1 (Build 32375.7)"),
    ("EX16CU23", "Version 15.1 (Build 32507.6)"),
    ("EX19CU13", "Version 15.2 (Build 31258.12)"),
    ("EX19CU14", "Version 15.2 (Build 31544.4)"),
    ("SE01", "Version 15.2 (Build 32562.17)"),
)


@pytest.fixture(scope="module")
def org(samba: PopulatedDC) -> Iterator[OrgFacts]:
    dc = samba.dc
    servers = (f"CN=Servers,CN={ADMIN_GROUP},CN=Administrative Groups,CN={ORG_NAME},"
               f"CN=Microsoft Exchange,CN=Services,{dc.config_dn}")
    conn = dc.connect()
    added = []
    try:
        for name, serial in ADDED:
            dn = f"CN={name},{servers}"
            _add(conn, dn, ["top", "server", "msExchExchangeServer"],
                 {"serialNumber": serial, "msExchCurrentServerRoles": "16439",
                  "networkAddress": [f"ncacn_ip_tcp:{name.lower()}.{dc.dns_domain}"]})
            added.append(dn)
        bind = BindSettings(parse_dc_url(f"ldaps://{dc.ip}"),
                            Credentials(f"{READER}@{dc.dns_domain}", Secret(READER_PASSWORD)),
                            ca_file=dc.ca_file, tls_name=dc.tls_name, connect_timeout=5, receive_timeout=10)
        yield discover_hosts(AdSettings(bind, DiscoverySettings(use_dns=False))).org
    finally:
        for dn in added:  # the session's directory is shared: leave it as it was
            conn.delete(dn)
        conn.unbind()


def judge(rule_id: str, org: OrgFacts, host: str = "EX01", facts: dict[str, Any] | None = None) -> Verdict:
    host_facts = None
    if facts is not None:
        host_facts = HostFacts(host, {n: Fact(n, FactStatus.PRESENT, v) for n, v in facts.items()}, "test")
    ctx = RuleContext(rule_id=rule_id, host=Host(host), host_facts=host_facts, org=org, exchange_version="SE")
    return run_rule(load_catalog().rule(rule_id), ctx)


def test_each_server_object_carries_its_product_and_support_status(org: OrgFacts) -> None:
    servers = {s["name"]: s for s in org.facts["ad.exchange_servers"].value}
    got = {n: (s["product"], s["supported"]) for n, s in servers.items()}
    assert got == {
        "HQSRV001": ("Exchange 2013", False), "HQSRV002": ("Exchange 2013", False),
        "HQSRV003": ("Exchange 2013", False), "EXOLD01": ("Exchange 2000/2003", False),
        "EX16CU22": ("Exchange 2016", False), "EX16CU23": ("Exchange 2016", False),
        "EX19CU13": ("Exchange 2019", False), "EX19CU14": ("Exchange 2019", False),
        "SE01": ("Exchange SE", True),
    }
    assert servers["SE01"]["end_of_support"] is None and servers["SE01"]["version"] == "15.2.2562.17"
    assert servers["EX16CU23"]["end_of_support"] == "2025-10-14"


def test_the_exchange_2013_servers_block_se(org: OrgFacts) -> None:
    v = judge("ExreadySeExchange2013Block", org)
    assert v.status is Status.FAIL
    assert [s.split(" ")[0] for s in v.evidence["exchange_2013_servers"]] == ["HQSRV001", "HQSRV002", "HQSRV003"]


def test_2016_before_cu23_and_2019_before_cu14_are_below_the_supported_coexistence(org: OrgFacts) -> None:
    v = judge("ExreadySeCoexistenceMinVersion", org)
    assert v.status is Status.WARN
    assert [s.split(" ")[0] for s in v.evidence["below_minimum"]] == ["EX16CU22", "EX19CU13"]


@pytest.mark.parametrize(("host", "status", "path"), [
    ("EX19CU14", Status.PASS, "in-place upgrade"),
    ("EX19CU13", Status.FAIL, "update to CU14/CU15 first, or new server"),
    ("EX16CU23", Status.FAIL, "new server (legacy upgrade)"),
    ("HQSRV002", Status.FAIL, "new server (legacy upgrade)"),
    ("SE01", Status.PASS, "already SE"),
    ("NEWSRV01", Status.PASS, "new installation"),
])
def test_in_place_upgrade_from_the_server_object(org: OrgFacts, host: str, status: Status, path: str) -> None:
    v = judge("ExreadySeInPlaceUpgrade", org, host, {"exchange.v15.roles": [], "computer.name": host})
    assert (v.status, v.evidence["path"]) == (status, path), v.detail


def test_the_support_status_lists_every_server_still_to_go(org: OrgFacts) -> None:
    v = judge("ExreadyExchangeSupportStatus", org)
    assert v.status is Status.WARN
    gone = v.evidence["out_of_support"]
    assert len(gone) == 8 and not any(s.startswith("SE01") for s in gone)
