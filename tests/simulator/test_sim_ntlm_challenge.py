"""A simulated host's NTLM CHALLENGE names it as a Windows server does (MS-NLMP 2.2.1.2, 2.2.2.1): a
domain member its NetBIOS domain (TargetName, NTLMSSP_TARGET_TYPE_DOMAIN) and, in TargetInfo, its
NetBIOS and DNS names, its domain's and its forest's; a workgroup machine itself in every name pair
(NTLMSSP_TARGET_TYPE_SERVER, no forest); and the Version its OS build gives. And NTLM still logs on,
sealed over HTTP and with channel binding over HTTPS, on every OS profile."""

from __future__ import annotations

import base64
import http.client
from collections.abc import Iterator

import pytest
import spnego
from pypsrp.powershell import PowerShell, RunspacePool
from spnego._ntlm_raw.messages import AvId, Challenge, NegotiateFlags
from tests_sim_support import PASSWORD, USER, answer_of, wsman_for

from scanner.probes import build_collector_script
from scanner.probes.collector import dialect_for
from scanner.simulator import SimHost, SimulatorThread, build_site

pytestmark = pytest.mark.simulator

# OS profile -> the Version its CHALLENGE carries (major, minor, build): Operating System Version,
# https://learn.microsoft.com/en-us/windows/win32/sysinfo/operating-system-version , builds from
# https://learn.microsoft.com/en-us/windows/release-health/windows-server-release-info
OS_VERSIONS = {
    "ws2008r2sp1": (6, 1, 7601),
    "ws2012": (6, 2, 9200),
    "ws2012r2": (6, 3, 9600),
    "ws2016": (10, 0, 14393),
    "ws2019": (10, 0, 17763),
    "ws2022": (10, 0, 20348),
    "ws2025": (10, 0, 26100),
}


def _host_name(os_name: str) -> str:
    return "N-" + os_name.upper().replace("WS", "")


def site_document() -> dict[str, object]:
    hosts: list[dict[str, object]] = [
        {"name": _host_name(os_name), "address": f"127.51.1.{i}", "os": os_name}
        for i, os_name in enumerate(OS_VERSIONS, start=1)
    ]
    hosts.append({"name": "N-WORKGROUP", "address": "127.51.1.100", "os": "ws2019",
                  "facts": {"computer.domain_role": 2}, "absent": ["computer.domain", "computer.ad_site"]})
    hosts.append({"name": "N-CHILD", "address": "127.51.1.101", "os": "ws2016",
                  "facts": {"computer.domain": "emea.contoso.test"}})
    return {
        "name": "ntlm-challenge",
        "seed": 5,
        "domain": {"dns": "contoso.test", "netbios": "CONTOSO"},
        "credentials": {"username": USER, "password": PASSWORD},
        "defaults": {"schemes": ["http", "https"], "auth": ["negotiate"]},
        "baseline": {"os": "ws2019"},
        "ad_sites": [{"name": "Paris", "pattern": "NPAR{n:02d}", "addresses": "127.51.2.0/24", "count": 0}],
        "hosts": hosts,
    }


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatorThread]:
    with SimulatorThread(build_site(site_document()), tmp_path_factory.mktemp("sim"), strict_cbt=True) as running:
        yield running


def challenge_of(host: SimHost) -> Challenge:
    """What the host answers to an NTLM NEGOTIATE posted to /wsman, as nxc and ntlm-info probes ask."""
    negotiate = spnego.client(USER, PASSWORD, protocol="ntlm").step()
    assert negotiate is not None
    conn = http.client.HTTPConnection(host.address, host.http_port, timeout=10)
    try:
        conn.request("POST", "/wsman", headers={
            "Authorization": "Negotiate " + base64.b64encode(negotiate).decode(), "Content-Length": "0",
            "Content-Type": "application/soap+xml;charset=UTF-8"})
        resp = conn.getresponse()
        resp.read()
        header = resp.getheader("WWW-Authenticate") or ""
    finally:
        conn.close()
    assert resp.status == 401
    scheme, _, token = header.partition(" ")
    assert scheme == "Negotiate"
    return Challenge.unpack(base64.b64decode(token))


def _names(challenge: Challenge) -> dict[str, object]:
    info = challenge.target_info
    assert info is not None
    return {
        "target": challenge.target_name,
        "order": [int(k) for k in info if k != AvId.eol],  # MsvAvEOL ends every list
        "nb_domain": info.get(AvId.nb_domain_name),
        "nb_computer": info.get(AvId.nb_computer_name),
        "dns_domain": info.get(AvId.dns_domain_name),
        "dns_computer": info.get(AvId.dns_computer_name),
        "dns_tree": info.get(AvId.dns_tree_name),
    }


@pytest.mark.parametrize("os_name", list(OS_VERSIONS))
def test_a_domain_member_names_its_domain_and_forest(sim: SimulatorThread, os_name: str) -> None:
    name = _host_name(os_name)
    challenge = challenge_of(sim.host(name))
    assert _names(challenge) == {
        "target": "CONTOSO",
        # the order Windows writes them, then the timestamp
        "order": [AvId.nb_domain_name, AvId.nb_computer_name, AvId.dns_domain_name, AvId.dns_computer_name,
                  AvId.dns_tree_name, AvId.timestamp],
        "nb_domain": "CONTOSO",
        "nb_computer": name,
        "dns_domain": "contoso.test",
        "dns_computer": f"{name}.contoso.test",
        "dns_tree": "contoso.test",
    }
    assert challenge.flags & NegotiateFlags.target_type_domain
    assert not challenge.flags & NegotiateFlags.target_type_server
    assert challenge.flags & NegotiateFlags.target_info and challenge.flags & NegotiateFlags.request_target
    version = challenge.version
    assert version is not None
    assert (version.major, version.minor, version.build, version.revision) == (*OS_VERSIONS[os_name], 15)


def test_a_workgroup_machine_names_itself(sim: SimulatorThread) -> None:
    challenge = challenge_of(sim.host("N-WORKGROUP"))
    assert _names(challenge) == {
        "target": "N-WORKGROUP",
        "order": [AvId.nb_domain_name, AvId.nb_computer_name, AvId.dns_domain_name, AvId.dns_computer_name,
                  AvId.timestamp],
        "nb_domain": "N-WORKGROUP",
        "nb_computer": "N-WORKGROUP",
        "dns_domain": "N-WORKGROUP",
        "dns_computer": "N-WORKGROUP",
        "dns_tree": None,
    }
    assert challenge.flags & NegotiateFlags.target_type_server
    assert not challenge.flags & NegotiateFlags.target_type_domain
    assert challenge.version is not None and challenge.version.build == 17763


def test_a_child_domain_member_names_its_domain_under_the_forest(sim: SimulatorThread) -> None:
    names = _names(challenge_of(sim.host("N-CHILD")))
    assert (names["target"], names["nb_domain"], names["dns_domain"], names["dns_computer"], names["dns_tree"]) == (
        "EMEA", "EMEA", "emea.contoso.test", "N-CHILD.emea.contoso.test", "contoso.test")


def test_each_negotiate_gets_a_fresh_server_challenge(sim: SimulatorThread) -> None:
    host = sim.host(_host_name("ws2022"))
    assert challenge_of(host).server_challenge != challenge_of(host).server_challenge


@pytest.mark.parametrize("ssl", [False, True], ids=["http-sealed", "https-cbt"])
@pytest.mark.parametrize("os_name", list(OS_VERSIONS))
def test_ntlm_still_logs_on(sim: SimulatorThread, os_name: str, ssl: bool) -> None:
    host = sim.host(_host_name(os_name))
    extra = {"cert_validation": str(sim.ca_file)} if ssl else {}
    with wsman_for(sim, host, ssl=ssl, auth="ntlm", username=f"CONTOSO\\{USER}", encryption="always",
                   **extra) as wsman, RunspacePool(wsman) as pool:
        ps = PowerShell(pool)
        ps.add_script(build_collector_script(dialect_for(host.ps_version)))  # the dialect its PowerShell runs
        assert answer_of(ps.invoke())["facts"]["computer.name"]["value"] == host.name
