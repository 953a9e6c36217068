"""Every OS base machine through the real scan path: the simulator over loopback, exready's own scan
(pypsrp underneath, the dialect chosen from the handshake), each host's answer read from its machine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pypsrp.powershell import PowerShell, RunspacePool
from tests_sim_support import PASSWORD, USER, wsman_for
from typer.testing import CliRunner

from scanner.checks.catalog import load_catalog
from scanner.cli import build_app
from scanner.model.facts import FactStatus
from scanner.model.verdict import Status
from scanner.probes import build_collector_script
from scanner.report.json_report import read_json_report
from scanner.simulator import SimulatorThread, build_site
from scanner.simulator.osbase import base_names, resolve_os

pytestmark = pytest.mark.simulator

NAMES = base_names()
# (PowerShell, CLR, PSRP, envelope KB, build, Server Core) of each base, from its documented sources
EXPECTED: dict[str, tuple[str, str, str, int, int, bool]] = {
    "ws2008r2sp1": ("2.0", "2.0.50727.5420", "2.1", 150, 7601, False),
    "ws2008r2sp1-core": ("2.0", "2.0.50727.5420", "2.1", 150, 7601, True),
    "ws2008r2sp1-wmf4": ("4.0", "4.0.30319.34209", "2.2", 500, 7601, False),
    "ws2012": ("3.0", "4.0.30319.17929", "2.2", 500, 9200, False),
    "ws2012r2": ("4.0", "4.0.30319.34014", "2.2", 500, 9600, False),
    "ws2012r2-core": ("4.0", "4.0.30319.34014", "2.2", 500, 9600, True),
    "ws2016": ("5.1.14393.0", "4.0.30319.42000", "2.3", 500, 14393, False),
    "ws2016-core": ("5.1.14393.0", "4.0.30319.42000", "2.3", 500, 14393, True),
    "ws2019": ("5.1.17763.1", "4.0.30319.42000", "2.3", 500, 17763, False),
    "ws2019-core": ("5.1.17763.1", "4.0.30319.42000", "2.3", 500, 17763, True),
    "ws2022": ("5.1.20348.1", "4.0.30319.42000", "2.3", 500, 20348, False),
    "ws2022-core": ("5.1.20348.1", "4.0.30319.42000", "2.3", 500, 20348, True),
    "ws2025": ("5.1.26100.1", "4.0.30319.42000", "2.3", 500, 26100, False),
    "ws2025-core": ("5.1.26100.1", "4.0.30319.42000", "2.3", 500, 26100, True),
}


def _host_name(base: str) -> str:
    return "OS-" + base.upper().replace("-", "")[:12]


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatorThread]:
    doc = {
        "name": "os-bases", "seed": 1, "domain": {"dns": "contoso.test", "netbios": "CONTOSO"},
        "credentials": {"username": USER, "password": PASSWORD},
        "defaults": {"schemes": ["http"], "auth": ["negotiate"]},
        "ad_sites": [{"name": "Paris", "pattern": "X{n:02d}", "addresses": "127.45.1.0/24", "count": 0}],
        "hosts": [{"name": _host_name(b), "os": b, "address": f"127.45.2.{i}"} for i, b in enumerate(NAMES, 1)],
    }
    with SimulatorThread(build_site(doc), tmp_path_factory.mktemp("sim")) as running:
        yield running


@pytest.fixture(scope="module")
def scanned(sim: SimulatorThread, tmp_path_factory: pytest.TempPathFactory) -> Any:
    out = tmp_path_factory.mktemp("out")
    inventory = sim.write_inventory(out / "inventory.csv")
    result = CliRunner().invoke(build_app(), [
        "scan", "--inventory", str(inventory), "--user", f"CONTOSO\\{USER}", "--deadline", "20",
        "--json", str(out / "r.json"), "--csv", str(out / "m.csv"),
    ], env={"EXREADY_PASSWORD": PASSWORD})
    assert (out / "r.json").is_file(), result.output
    return read_json_report(Path(out / "r.json"))


def test_every_supported_windows_has_a_base_machine() -> None:
    assert set(NAMES) == set(EXPECTED)


@pytest.mark.parametrize("base", NAMES)
def test_each_base_machine_is_what_its_release_ships(sim: SimulatorThread, base: str) -> None:
    m = sim.host(_host_name(base)).machine
    got = (m.ps_version, m.clr_version, m.psrp_protocol, m.max_envelope_kb, m.os_build, m.server_core)
    assert got == EXPECTED[base]
    cache = m.reg("HKLM", "SOFTWARE\\Microsoft\\ServerManager\\ServicingStorage\\ServerComponentCache")
    assert (cache is None) == base.startswith("ws2008r2")  # 2008 R2 keeps no Server Manager component cache


@pytest.mark.parametrize("base", NAMES)
def test_each_base_is_scanned_ok_with_the_facts_of_its_windows(scanned: Any, base: str) -> None:
    name = _host_name(base)
    outcome = next(o for o in scanned.outcomes if o.host.name == name)
    assert outcome.kind.value == "ok", outcome.detail
    facts = outcome.facts.facts
    ps, clr, _, _, build, core = EXPECTED[base]
    assert facts["ps.version"].value == ps and facts["ps.clr_version"].value == clr
    assert facts["os.current_build"].value == str(build)
    assert facts["os.installation_type"].value == ("Server Core" if core else "Server")
    features = facts["windows.features"]
    assert features.status is FactStatus.PRESENT
    if base.startswith("ws2008r2"):  # the 2008 R2 names, read through Win32_ServerFeature
        assert "Web-Net-Ext" in features.value and "Web-Net-Ext45" not in features.value
    else:
        assert "Web-Net-Ext45" in features.value and "Web-Net-Ext" not in features.value


@pytest.mark.parametrize("base", NAMES)
def test_no_feature_rule_is_unknown_for_lack_of_a_feature_store(scanned: Any, base: str) -> None:
    catalog = load_catalog()
    feature_rules = {r.id for r in catalog.rules if "windows.features" in r.meta.facts}
    verdicts = [v for v in scanned.verdicts[_host_name(base)] if v.rule_id in feature_rules]
    assert verdicts
    unknown = [(v.rule_id, v.detail) for v in verdicts if v.status is Status.UNKNOWN]
    assert unknown == []


def test_a_powershell_2_machine_fails_the_ps3_collector_as_windows_does(sim: SimulatorThread) -> None:
    host = sim.host(_host_name("ws2008r2sp1"))
    with wsman_for(sim, host) as wsman, RunspacePool(wsman) as pool:
        ps = PowerShell(pool)
        ps.add_script(build_collector_script("ps3"))
        ps.invoke()
        assert ps.had_errors and ps.output == []
        message = str(ps.streams.error[0])
        assert "The term 'ConvertTo-Json' is not recognized as the name of a cmdlet, function, script file, " \
               "or operable program." in message
        ps2 = PowerShell(pool)
        ps2.add_script(build_collector_script("ps2"))
        out = ps2.invoke()
        assert not ps2.had_errors and len(out) == 1 and '"ps.version":{"status":"present","value":"2.0"}' in out[0]


@pytest.fixture(scope="module")
def scanned_se(sim: SimulatorThread, tmp_path_factory: pytest.TempPathFactory) -> Any:
    out = tmp_path_factory.mktemp("out-se")
    inventory = sim.write_inventory(out / "inventory.csv")
    result = CliRunner().invoke(build_app(), [
        "scan", "--inventory", str(inventory), "--user", f"CONTOSO\\{USER}", "--deadline", "20",
        "--exchange", "se", "--json", str(out / "r.json"),
    ], env={"EXREADY_PASSWORD": PASSWORD})
    assert (out / "r.json").is_file(), result.output
    return read_json_report(Path(out / "r.json"))


def _verdict(report: Any, base: str, rule_id: str) -> Any:
    return next(v for v in report.verdicts[_host_name(base)] if v.rule_id == rule_id)


@pytest.mark.parametrize(("base", "se", "ex2013"), [
    ("ws2025", Status.PASS, Status.FAIL), ("ws2025-core", Status.PASS, Status.FAIL),
    ("ws2022", Status.PASS, Status.FAIL), ("ws2019", Status.PASS, Status.FAIL),
    ("ws2016", Status.FAIL, Status.FAIL), ("ws2012r2", Status.FAIL, Status.PASS),
])
def test_windows_server_2025_hosts_exchange_se_through_the_scan(scanned: Any, scanned_se: Any, base: str,
                                                                se: Status, ex2013: Status) -> None:
    assert scanned_se.info.exchange_version == "SE"
    assert _verdict(scanned_se, base, "ValidOSVersion").status is se
    assert _verdict(scanned, base, "ValidOSVersion").status is ex2013


def test_windows_server_2025_ships_dotnet_481_enough_for_se(scanned_se: Any) -> None:
    for base in ("ws2025", "ws2025-core"):
        outcome = next(o for o in scanned_se.outcomes if o.host.name == _host_name(base))
        assert outcome.facts.facts["dotnet.release"].value == 533325
        assert _verdict(scanned_se, base, "MinimumFrameworkNotInstalled").status is Status.PASS
    core = _verdict(scanned_se, "ws2025-core", "IsServerCoreInstalled")
    assert core.status is Status.NOT_APPLICABLE and "Exchange SE supports Server Core" in core.detail


@pytest.mark.parametrize(("caption", "edition"), [("Windows Server 2025 Datacenter", "ServerDatacenter"),
                                                  ("Windows Server 2025 Standard", "ServerStandard")])
def test_a_windows_server_2025_caption_names_the_2025_base(caption: str, edition: str) -> None:
    assert resolve_os(caption) == ("ws2025", caption, edition)
