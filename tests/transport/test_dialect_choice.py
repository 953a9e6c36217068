"""exready's own transport reads each host's PSRP handshake and runs the collector dialect it calls for:
a Windows PowerShell 2.0 host (WinRM 2.0, protocol 2.1, 150 KB envelopes) and a PowerShell 5.1 host, in
the fleet simulator on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from scanner.checks.catalog import load_catalog
from scanner.collect.runner import SweepLimits
from scanner.collect.session import CollectorSession, collector_for
from scanner.credentials import Credentials, Secret
from scanner.evaluate.engine import EvaluationParams
from scanner.facts.parse import parse_collector_output
from scanner.inventory.file import load_inventory
from scanner.model.host import AuthMethod, Host, Scheme
from scanner.model.outcome import OutcomeKind
from scanner.pipeline import ScanRequest, scan
from scanner.probes.collector import build_collector_script, dialect_for
from scanner.simulator import SimulatorThread, build_site
from scanner.simulator.profiles import baseline_document, features_2008r2_ready
from scanner.transport.settings import TransportSettings
from scanner.transport.winrm import HostSession, RemoteVersions

USER = "svc-dialect"
PASSWORD = "Dialect-Pass-7!"  # noqa: S105 - the simulated lab's account


def features_2016() -> dict[str, bool | None]:
    """The baseline's features on Windows Server 2016, which has no Server-Gui-Mgmt-Infra feature."""
    return {**baseline_document()["facts"]["windows.features"], "Server-Gui-Mgmt-Infra": None}


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatorThread]:
    doc = {
        "name": "dialects", "domain": {"dns": "contoso.test", "netbios": "CONTOSO"},
        "credentials": {"username": USER, "password": PASSWORD},
        "defaults": {"schemes": ["http"], "auth": ["negotiate"]},
        "baseline": baseline_document(),
        "hosts": [
            {"name": "R2-PS2", "address": "127.62.0.1", "os": "Windows Server 2008 R2 Enterprise",
             "ps_version": "2.0",
             "facts": {"os.current_build": "7601", "windows.features": features_2008r2_ready(),
                       "netfx3.http_activation": True}},
            {"name": "S16-PS51", "address": "127.62.0.2", "ps_version": "5.1.14393.0",
             "facts": {"os.current_build": "14393", "windows.features": features_2016()}},
            {"name": "R2-PS4", "address": "127.62.0.3", "ps_version": "4.0"},
        ],
    }
    with SimulatorThread(build_site(doc), tmp_path_factory.mktemp("sim")) as running:
        yield running


def _settings() -> TransportSettings:
    return TransportSettings(credentials=Credentials(f"CONTOSO\\{USER}", Secret(PASSWORD)),
                             scheme=Scheme.HTTP, auth=AuthMethod.NEGOTIATE, deadline=30.0)


def _host(sim: SimulatorThread, name: str) -> Host:
    h = sim.host(name)
    return Host(name=h.name, fqdn=h.fqdn, address=h.address, port=h.http_port)


class Recorder:
    """A script choice that remembers what each handshake said."""

    def __init__(self, pad_to: int = 0) -> None:
        self.seen: list[RemoteVersions] = []
        self.sent: list[str] = []
        self.pad_to = pad_to

    def __call__(self, remote: RemoteVersions) -> str:
        self.seen.append(remote)
        script = collector_for(remote)
        if self.pad_to:
            script += "\n" + "# padding that makes the CREATE_PIPELINE larger than one envelope\n" * (
                self.pad_to // 66)
        self.sent.append(script)
        return script


@pytest.mark.simulator
@pytest.mark.parametrize(("name", "expected", "dialect"), [
    ("R2-PS2", RemoteVersions("2.1", "2.0", "2.0.50727.5420", ("1.0", "2.0")), "ps2"),
    # PowerShell 4.0 says PSVersion 2.0; its own version is in PSCompatibleVersions
    ("R2-PS4", RemoteVersions("2.2", "2.0", "4.0.30319.42000", ("1.0", "2.0", "3.0", "4.0")), "ps3"),
    ("S16-PS51", RemoteVersions("2.3", "5.1.14393.0", "4.0.30319.42000",
                                ("1.0", "2.0", "3.0", "4.0", "5.0", "5.1.14393.0")), "ps3"),
])
def test_the_handshake_chooses_the_dialect(sim: SimulatorThread, name: str, expected: RemoteVersions,
                                           dialect: str) -> None:
    chooser = Recorder()
    answer = HostSession(_host(sim, name), _settings(), chooser).run()
    assert chooser.seen == [expected]
    assert answer.remote == expected
    assert dialect_for(answer.remote.powershell) == dialect
    # the marker line names the dialect sent: "# exready-collector <version> <dialect>"
    assert chooser.sent[0].splitlines()[0].split()[-1] == dialect
    assert answer.output  # the host answered the script chosen for it


@pytest.mark.simulator
@pytest.mark.parametrize(("name", "ps", "protocol"), [("R2-PS2", "2.0", "2.1"), ("R2-PS4", "4.0", "2.2"),
                                                        ("S16-PS51", "5.1.14393.0", "2.3")])
def test_the_outcome_records_what_the_handshake_said(sim: SimulatorThread, name: str, ps: str,
                                                     protocol: str) -> None:
    outcome = CollectorSession(_host(sim, name), _settings(), collector_for, parse_collector_output).run_outcome()
    assert outcome.kind is OutcomeKind.OK, outcome.reason
    assert (outcome.ps_version, outcome.psrp_protocol) == (ps, protocol)


@pytest.mark.simulator
def test_the_collector_goes_to_a_winrm2_host_within_its_150_kb_envelopes(sim: SimulatorThread) -> None:
    before = sim.stats().host("R2-PS2")
    for pad in (0, 400_000):  # the collector itself, and one far larger than an envelope
        answer = HostSession(_host(sim, "R2-PS2"), _settings(), Recorder(pad_to=pad)).run()
        assert answer.output
    after = sim.stats().host("R2-PS2")
    assert after.envelopes_refused == before.envelopes_refused
    assert after.scripts_run == before.scripts_run + 2


def test_the_host_s_powershell_from_what_its_handshake_said() -> None:
    assert RemoteVersions("2.1").powershell == "2.0"  # protocol 2.1: the PowerShell 2.0 engine
    assert RemoteVersions("2.1", "2.0", None, ("1.0", "2.0")).powershell == "2.0"
    assert RemoteVersions("2.3").powershell is None
    assert RemoteVersions("2.2", "2.0", None, ("1.0", "2.0", "3.0")).powershell == "3.0"
    assert RemoteVersions("2.2", "2.0", None, ("1.0", "2.0", "3.0", "4.0")).powershell == "4.0"
    assert RemoteVersions("2.3", "5.1.14393.0", None, ("1.0", "5.0", "5.1.14393.0")).powershell == "5.1.14393.0"
    assert RemoteVersions("2.2", "2.0").powershell is None  # a 2.2 engine is 3.0 or later: not 2.0
    assert RemoteVersions("2.2", "4.0", None, ("bad",)).powershell == "4.0"
    assert dialect_for(RemoteVersions("2.1").powershell) == "ps2"
    assert dialect_for(RemoteVersions("2.3").powershell) == "ps3"
    assert dialect_for(None) == "ps3"


def test_each_dialect_s_script_is_built_once_per_process() -> None:
    assert build_collector_script("ps2") is build_collector_script("ps2")
    assert build_collector_script("ps3") is build_collector_script("ps3")
    assert collector_for(RemoteVersions("2.1")) is build_collector_script("ps2")
    assert build_collector_script("ps2") != build_collector_script("ps3")


def test_the_choice_travels_to_worker_processes_by_name() -> None:
    import pickle

    assert pickle.loads(pickle.dumps(collector_for)) is collector_for  # noqa: S301 - our own bytes


@pytest.mark.simulator
def test_our_http_layer_reports_a_refused_envelope_as_such(sim: SimulatorThread) -> None:
    """A client that sends a WinRM 2.0 host more than its 150 KB: HTTP 413, named for what it is."""
    from pypsrp.powershell import PowerShell, RunspacePool
    from pypsrp.wsman import WSMan

    from scanner.transport.failures import classify
    from scanner.transport.http import WinRMHttpTransport
    from scanner.transport.sockets import SocketWatch

    h = sim.host("R2-PS2")
    assert h.address is not None and h.http_port is not None
    wsman = WSMan(h.address, port=h.http_port, username=USER, password=None, ssl=False, auth="negotiate",
                  max_envelope_size=512000)
    wsman.transport = WinRMHttpTransport(  # type: ignore[assignment]
        h.address, h.http_port, https=False, path="wsman", auth="negotiate", username=f"CONTOSO\\{USER}",
        password=PASSWORD, tls=None, connection_timeout=5, read_timeout=30, watch=SocketWatch())
    before = sim.stats().host("R2-PS2").envelopes_refused
    try:
        with RunspacePool(wsman) as pool:
            ps = PowerShell(pool)
            ps.add_script(Recorder(pad_to=300_000)(RemoteVersions("2.1")))
            with pytest.raises(Exception) as info:
                ps.invoke()
    finally:
        wsman.close()
    err = classify(info.value, "run")
    assert "HTTP 413" in str(err) and "MaxEnvelopeSize" in str(err)
    assert sim.stats().host("R2-PS2").envelopes_refused == before + 1


@pytest.fixture(scope="module")
def basic_sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatorThread]:
    """HTTPS hosts with Basic, and a site whose account is a domain account."""
    doc = {
        "name": "basic", "domain": {"dns": "contoso.test", "netbios": "CONTOSO"},
        "credentials": {"username": USER, "password": PASSWORD},
        "defaults": {"schemes": ["https"], "auth": ["negotiate", "basic"]},
        "baseline": baseline_document(),
        "hosts": [{"name": "TLS-PS2", "address": "127.62.1.1", "ps_version": "2.0"}],
    }
    with SimulatorThread(build_site(doc), tmp_path_factory.mktemp("sim")) as running:
        yield running


def _basic_settings(sim: SimulatorThread, username: str) -> TransportSettings:
    return TransportSettings(credentials=Credentials(username, Secret(PASSWORD)), scheme=Scheme.HTTPS,
                             auth=AuthMethod.BASIC, ca_file=sim.ca_file, deadline=30.0)


def _https_host(sim: SimulatorThread, name: str) -> Host:
    h = sim.host(name)
    return Host(name=h.name, fqdn=h.fqdn, address=h.address, port=h.https_port)


@pytest.mark.simulator
@pytest.mark.parametrize("username", [f"CONTOSO\\{USER}", f"{USER}@contoso.test"])
def test_basic_with_a_domain_account_fails_and_says_why(basic_sim: SimulatorThread, username: str) -> None:
    outcome = CollectorSession(_https_host(basic_sim, "TLS-PS2"), _basic_settings(basic_sim, username),
                               collector_for, parse_collector_output).run_outcome()
    assert outcome.kind is OutcomeKind.AUTH_FAILED
    assert "local accounts only" in outcome.reason and username not in outcome.reason


@pytest.mark.simulator
def test_negotiate_takes_the_same_domain_account(basic_sim: SimulatorThread) -> None:
    settings = TransportSettings(credentials=Credentials(f"CONTOSO\\{USER}", Secret(PASSWORD)),
                                 scheme=Scheme.HTTPS, auth=AuthMethod.NEGOTIATE, ca_file=basic_sim.ca_file,
                                 deadline=30.0)
    outcome = CollectorSession(_https_host(basic_sim, "TLS-PS2"), settings, collector_for,
                               parse_collector_output).run_outcome()
    assert outcome.kind is OutcomeKind.OK, outcome.reason
    assert (outcome.ps_version, outcome.psrp_protocol) == ("2.0", "2.1")


@pytest.mark.simulator
def test_the_ps3_collector_would_stop_on_a_powershell_2_host(sim: SimulatorThread) -> None:
    """Why the choice matters: Windows PowerShell 2.0 has no ConvertTo-Json, so the ps3 collector stops
    there with CommandNotFoundException; the ps2 one, chosen from the handshake, answers."""
    forced = CollectorSession(_host(sim, "R2-PS2"), _settings(), build_collector_script("ps3"),
                              parse_collector_output).run_outcome()
    assert forced.kind is OutcomeKind.PROBE_ERROR and "ConvertTo-Json" in forced.reason
    chosen = CollectorSession(_host(sim, "R2-PS2"), _settings(), collector_for,
                              parse_collector_output).run_outcome()
    assert chosen.kind is OutcomeKind.OK, chosen.reason


@pytest.mark.simulator
@pytest.mark.parametrize("workers", [1, 2])
def test_a_sweep_sends_each_host_its_dialect(sim: SimulatorThread, tmp_path: Path, workers: int) -> None:
    """The whole scan, in one process and in worker processes (the choice travels to them by name):
    PowerShell 2.0, 4.0 and 5.1 hosts all answer, each having been sent the collector it runs."""
    inventory = load_inventory(sim.write_inventory(tmp_path / "inventory.csv"))
    request = ScanRequest(
        hosts=inventory.hosts, transport=_settings(),
        limits=SweepLimits(concurrency=4, deadline=30.0, grace=2.0, workers=workers),
        params=EvaluationParams(exchange_version="2013"), inventory_source="dialect test site")
    result, stats = asyncio.run(scan(request, load_catalog()))
    seen = {o.host.name: (o.kind, o.ps_version, o.psrp_protocol) for o in result.outcomes}
    assert seen == {"R2-PS2": (OutcomeKind.OK, "2.0", "2.1"), "R2-PS4": (OutcomeKind.OK, "4.0", "2.2"),
                    "S16-PS51": (OutcomeKind.OK, "5.1.14393.0", "2.3")}
    assert stats.workers == workers
