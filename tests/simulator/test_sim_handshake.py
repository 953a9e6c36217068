"""Each simulated host's PSRP handshake, its envelope limit and its Basic accounts, against the unmodified
pypsrp client (and psrpcore as an independent decoder of the raw exchange).

The expected values of the 2.1 and 2.3 handshakes are those of real hosts, as recorded in pypsrp's
public test data (jborean93/pypsrp, tests/tests_pypsrp/responses/test_psrp_run_protocol_version_2.1.yml:
Windows Server 2008 R2 SP1 with WinRM 2.0; ..._2.2.yml: Windows Server 2012 R2, PowerShell 4.0;
..._2.3.yml: Windows Server 2016). Only the values are here.
"""

from __future__ import annotations

import base64
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import psrpcore
import pytest
from psrpcore.types import PSVersion, RunspacePoolState
from pypsrp.exceptions import AuthenticationError, WinRMTransportError
from pypsrp.powershell import PowerShell, RunspacePool
from pypsrp.wsman import NAMESPACES, OptionSet, SelectorSet, WSMan
from tests_sim_support import PASSWORD, USER, fast, verify_fqdn, wsman_for

from scanner.simulator import SimulatorThread, build_site
from scanner.simulator.profiles import baseline_document, features_2008r2_ready

# The server's side of the real 2.1 exchange (test_psrp_run_protocol_version_2.1.yml), field by field.
REAL_2_1_SESSION_CAPABILITY = {"protocolversion": "2.1", "PSVersion": "2.0", "SerializationVersion": "1.1.0.1"}
REAL_2_1_PS_VERSION_TABLE = {  # in the recorded order
    "WSManStackVersion": "2.0",
    "PSCompatibleVersions": ["1.0", "2.0"],
    "SerializationVersion": "1.1.0.1",
    "BuildVersion": "6.1.7601.17514",
    "PSVersion": "2.0",
    "CLRVersion": "2.0.50727.5420",
    "PSRemotingProtocolVersion": "2.1",
}  # no PSEdition: it came with PowerShell 5.1
REAL_2_1_RUNSPACE_STATE = RunspacePoolState.Opened  # RUNSPACEPOOL_STATE RunspaceState 2
REAL_2_1_CREATE_BODY = ["ResourceCreated"]  # WinRM 2.0 answers Create with the reference alone

# The same from the real 2.3 exchange (test_psrp_run_protocol_version_2.3.yml, PowerShell 5.1.14393.2248);
# the simulated host runs 5.1.14393.0, so its own build takes the place of the recorded one.
REAL_2_3_SESSION_CAPABILITY = {"protocolversion": "2.3", "PSVersion": "2.0", "SerializationVersion": "1.1.0.1"}
REAL_2_3_PS_VERSION_TABLE = {
    "PSVersion": "5.1.14393.0",
    "PSEdition": "Desktop",
    "PSCompatibleVersions": ["1.0", "2.0", "3.0", "4.0", "5.0", "5.1.14393.0"],
    "CLRVersion": "4.0.30319.42000",
    "BuildVersion": "10.0.14393.0",
    "WSManStackVersion": "3.0",
    "PSRemotingProtocolVersion": "2.3",
    "SerializationVersion": "1.1.0.1",
}
# The same from the real 2.2 exchange (test_psrp_run_protocol_version_2.2.yml, Windows Server 2012 R2 with
# PowerShell 4.0): PSVersion says 2.0, the real version is in PSCompatibleVersions, and the remote debugger's
# state comes beside the table. The simulated host's BuildVersion is 4.0's RTM one (recorded: 6.3.9600.18968).
REAL_2_2_SESSION_CAPABILITY = {"protocolversion": "2.2", "PSVersion": "2.0", "SerializationVersion": "1.1.0.1"}
REAL_2_2_PRIVATE_DATA_KEYS = ["DebugMode", "DebugStop", "PSVersionTable", "DebugBreakpointCount"]
REAL_2_2_DEBUG = {"DebugMode": 1, "DebugStop": False, "DebugBreakpointCount": 0}
REAL_2_2_PS_VERSION_TABLE = {
    "PSVersion": "2.0",
    "PSCompatibleVersions": ["1.0", "2.0", "3.0", "4.0"],
    "BuildVersion": "6.3.9600.16384",
    "CLRVersion": "4.0.30319.42000",
    "WSManStackVersion": "3.0",
    "PSRemotingProtocolVersion": "2.2",
    "SerializationVersion": "1.1.0.1",
}
REAL_2_3_SHELL_FIELDS = [
    "ShellId", "ResourceUri", "Owner", "ClientIP", "ProcessId", "IdleTimeOut", "InputStreams", "OutputStreams",
    "MaxIdleTimeOut", "Locale", "DataLocale", "CompressionMode", "ProfileLoaded", "Encoding", "BufferMode",
    "State", "ShellRunTime", "ShellInactivity",
]

POWERSHELL = "http://schemas.microsoft.com/powershell/Microsoft.PowerShell"
RSP = NAMESPACES["rsp"]


def features_2016() -> dict[str, bool | None]:
    """The baseline's features on Windows Server 2016, which has no Server-Gui-Mgmt-Infra feature."""
    return {**baseline_document()["facts"]["windows.features"], "Server-Gui-Mgmt-Infra": None}


def _rsp(name: str) -> str:
    return f"{{{RSP}}}{name}"


def site_document(local: bool = True) -> dict[str, Any]:
    base = baseline_document()
    return {
        "name": "handshakes",
        "domain": {"dns": "contoso.test", "netbios": "CONTOSO"},
        "credentials": {"username": USER, "password": PASSWORD, "local": local},
        "defaults": {"schemes": ["http", "https"], "auth": ["negotiate", "basic"]},
        "baseline": base,
        "hosts": [
            {"name": "R2-PS2", "address": "127.44.0.1", "os": "Windows Server 2008 R2 Enterprise",
             "ps_version": "2.0",
             "facts": {"os.current_build": "7601", "windows.features": features_2008r2_ready(),
                       "netfx3.http_activation": True}},
            {"name": "R2-PS4", "address": "127.44.0.2", "ps_version": "4.0"},
            {"name": "S16-PS51", "address": "127.44.0.3", "os": "Windows Server 2016 Standard",
             "ps_version": "5.1.14393.0", "facts": {"os.current_build": "14393", "windows.features": features_2016()}},
        ],
    }


@pytest.fixture(scope="module")
def hs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatorThread]:
    with SimulatorThread(build_site(site_document()), tmp_path_factory.mktemp("hs")) as running:
        yield running


def _text(value: Any) -> Any:
    if isinstance(value, PSVersion):
        return str(value)
    if isinstance(value, list):
        return [_text(v) for v in value]
    return value


def raw_open(wsman: WSMan) -> tuple[ET.Element, list[Any]]:
    """Create a runspace pool by hand (psrpcore's client builds the creationXml) and read the host's
    opening messages back through psrpcore: the Create answer's body, and the events in order."""
    pool = psrpcore.ClientRunspacePool()
    pool.open()
    payload = pool.data_to_send()
    assert payload is not None
    shell_id = str(pool.runspace_pool_id).upper()
    shell = ET.Element(_rsp("Shell"), ShellId=shell_id)
    ET.SubElement(shell, _rsp("InputStreams")).text = "stdin pr"
    ET.SubElement(shell, _rsp("OutputStreams")).text = "stdout"
    creation = ET.SubElement(shell, "{http://schemas.microsoft.com/powershell}creationXml")
    creation.text = base64.b64encode(payload.data).decode()
    options = OptionSet()
    options.add_option("protocolversion", "2.3", {"MustComply": "true"})
    body = wsman.create(POWERSHELL, shell, option_set=options)
    events: list[Any] = []
    selectors = SelectorSet()
    selectors.add_option("ShellId", shell_id)
    while not any(isinstance(e, psrpcore.RunspacePoolStateEvent) for e in events):
        receive = ET.Element(_rsp("Receive"))
        ET.SubElement(receive, _rsp("DesiredStream")).text = "stdout"
        answer = wsman.receive(POWERSHELL, receive, option_set=None, selector_set=selectors)
        for stream in answer.findall("rsp:ReceiveResponse/rsp:Stream", NAMESPACES):
            pool.receive_data(psrpcore.PSRPPayload(base64.b64decode(stream.text or ""),
                                                   psrpcore.StreamType.default, None))
            while (event := pool.next_event()) is not None:
                events.append(event)
    wsman.delete(POWERSHELL, selector_set=selectors)
    return body, events


def _handshake(events: list[Any]) -> tuple[dict[str, str], dict[str, Any], Any]:
    cap = next(e for e in events if isinstance(e, psrpcore.SessionCapabilityEvent))
    data = next(e for e in events if isinstance(e, psrpcore.ApplicationPrivateDataEvent))
    state = next(e for e in events if isinstance(e, psrpcore.RunspacePoolStateEvent))
    capability = {"protocolversion": str(cap.protocol_version), "PSVersion": str(cap.ps_version),
                  "SerializationVersion": str(cap.serialization_version)}
    table = {str(k): _text(v) for k, v in data.data["PSVersionTable"].items()}
    return capability, table, state.state


def test_a_winrm2_host_answers_the_handshake_a_real_2008_r2_host_answers(hs: SimulatorThread) -> None:
    with wsman_for(hs, hs.host("R2-PS2")) as wsman:
        body, events = raw_open(wsman)
    capability, table, state = _handshake(events)
    assert capability == REAL_2_1_SESSION_CAPABILITY
    assert table == REAL_2_1_PS_VERSION_TABLE and list(table) == list(REAL_2_1_PS_VERSION_TABLE)
    assert state == REAL_2_1_RUNSPACE_STATE
    assert [child.tag.rsplit("}", 1)[-1] for child in body] == REAL_2_1_CREATE_BODY
    # order of the opening messages, as recorded: capability and private data, then the pool's state
    kinds = [type(e).__name__ for e in events]
    assert kinds == ["SessionCapabilityEvent", "ApplicationPrivateDataEvent", "RunspacePoolStateEvent"]


def test_a_ps4_host_answers_the_handshake_a_real_2012_r2_host_answers(hs: SimulatorThread) -> None:
    with wsman_for(hs, hs.host("R2-PS4")) as wsman:
        body, events = raw_open(wsman)
    capability, table, state = _handshake(events)
    assert capability == REAL_2_2_SESSION_CAPABILITY
    assert table == REAL_2_2_PS_VERSION_TABLE and list(table) == list(REAL_2_2_PS_VERSION_TABLE)
    data = next(e for e in events if isinstance(e, psrpcore.ApplicationPrivateDataEvent)).data
    assert list(data) == REAL_2_2_PRIVATE_DATA_KEYS
    assert {k: data[k] for k in REAL_2_2_DEBUG} == REAL_2_2_DEBUG
    assert state == RunspacePoolState.Opened
    assert body.find("rsp:Shell", NAMESPACES) is not None


def test_a_ps51_host_answers_the_handshake_a_real_2016_host_answers(hs: SimulatorThread) -> None:
    with wsman_for(hs, hs.host("S16-PS51")) as wsman:
        body, events = raw_open(wsman)
    capability, table, state = _handshake(events)
    assert capability == REAL_2_3_SESSION_CAPABILITY
    assert table == REAL_2_3_PS_VERSION_TABLE and list(table) == list(REAL_2_3_PS_VERSION_TABLE)
    assert state == RunspacePoolState.Opened
    shell = body.find("rsp:Shell", NAMESPACES)
    assert shell is not None
    assert [child.tag.rsplit("}", 1)[-1] for child in shell] == REAL_2_3_SHELL_FIELDS
    assert shell.findtext("rsp:ResourceUri", namespaces=NAMESPACES) == POWERSHELL
    assert shell.findtext("rsp:CompressionMode", namespaces=NAMESPACES) == "NoCompression"


@pytest.mark.parametrize(("host", "protocol", "ps", "clr", "envelope"), [
    ("R2-PS2", "2.1", "2.0", "2.0.50727.5420", 153600),  # pypsrp keeps 150 KB below protocol 2.2
    ("R2-PS4", "2.2", "2.0", "4.0.30319.42000", 512000),  # PowerShell 4.0 says PSVersion 2.0
    ("S16-PS51", "2.3", "5.1.14393.0", "4.0.30319.42000", 512000),
])
def test_pypsrp_reads_each_host_s_versions(hs: SimulatorThread, host: str, protocol: str, ps: str, clr: str,
                                           envelope: int) -> None:
    with wsman_for(hs, hs.host(host)) as wsman, RunspacePool(wsman) as pool:
        assert pool.protocol_version == protocol
        assert pool.application_private_data is not None
        table = pool.application_private_data.data["PSVersionTable"]
        assert (table["PSVersion"], table["CLRVersion"]) == (ps, clr)
        assert wsman.max_envelope_size == envelope
        ps_ = PowerShell(pool)
        ps_.add_script(_collector(host))
        ps_.invoke()
        assert not ps_.had_errors and len(ps_.output) == 1


def _collector(host: str) -> str:
    """A script the simulator answers as the collector, in the dialect the host's PowerShell runs (a
    PowerShell 2.0 host answers the ps3 one with CommandNotFoundException, as Windows does)."""
    return f"# exready-collector 1.2.0 {'ps2' if host == 'R2-PS2' else 'ps3'}\n"


def _padded_collector(size: int, host: str = "R2-PS2") -> str:
    return _collector(host) + ("# padding to make the CREATE_PIPELINE large\n" * (size // 45))


def test_a_request_over_150_kb_is_refused_by_a_winrm2_host_with_http_413(hs: SimulatorThread) -> None:
    before = hs.stats().host("R2-PS2").envelopes_refused
    # a client that believes the host takes 500 KB envelopes: its Command carries ~300 KB at once
    with wsman_for(hs, hs.host("R2-PS2"), max_envelope_size=512000) as wsman, RunspacePool(wsman) as pool:
        ps = PowerShell(pool)
        ps.add_script(_padded_collector(300_000))
        with pytest.raises(WinRMTransportError) as info:
            ps.invoke()
        assert info.value.code == 413
    assert hs.stats().host("R2-PS2").envelopes_refused == before + 1


def test_a_large_pipeline_fits_150_kb_envelopes_over_command_and_send(hs: SimulatorThread) -> None:
    before = hs.stats().host("R2-PS2")
    with wsman_for(hs, hs.host("R2-PS2")) as wsman, RunspacePool(wsman) as pool:
        ps = PowerShell(pool)
        ps.add_script(_padded_collector(300_000))  # two envelopes of 150 KB and more: Command, then Send
        ps.invoke()
        assert not ps.had_errors and len(ps.output) == 1
    after = hs.stats().host("R2-PS2")
    assert after.envelopes_refused == before.envelopes_refused
    assert after.scripts_run == before.scripts_run + 1


def test_the_same_request_fits_a_ps51_host_s_500_kb(hs: SimulatorThread) -> None:
    with wsman_for(hs, hs.host("S16-PS51"), max_envelope_size=512000) as wsman, RunspacePool(wsman) as pool:
        ps = PowerShell(pool)
        ps.add_script(_padded_collector(300_000, "S16-PS51"))
        ps.invoke()
        assert not ps.had_errors and len(ps.output) == 1


def test_a_winrm2_host_gives_the_command_an_id_of_its_own(hs: SimulatorThread) -> None:
    with wsman_for(hs, hs.host("R2-PS2")) as wsman, RunspacePool(wsman) as pool:
        ps = PowerShell(pool)
        ps.add_script(_collector("R2-PS2"))
        ps.invoke()
        assert ps._command_id is not None and uuid.UUID(ps._command_id) != uuid.UUID(ps.id)
    with wsman_for(hs, hs.host("S16-PS51")) as wsman, RunspacePool(wsman) as pool:
        ps = PowerShell(pool)
        ps.add_script(_collector("S16-PS51"))
        ps.invoke()
        assert ps._command_id is not None and uuid.UUID(ps._command_id) == uuid.UUID(ps.id)


# -- Basic: local accounts only ----------------------------------------------------------------------


def _basic(sim: SimulatorThread, host: str, username: str) -> list[Any]:
    kwargs = fast(cert_validation=str(sim.ca_file))
    h = sim.host(host)
    with verify_fqdn(WSMan(h.address, port=h.https_port, ssl=True, auth="basic", username=username,
                           password=PASSWORD, **kwargs), h) as wsman, RunspacePool(wsman) as pool:
        ps = PowerShell(pool)
        ps.add_script(_collector(host))
        return list(ps.invoke())


@pytest.mark.parametrize("username", [USER, f".\\{USER}", f"R2-PS2\\{USER}", f"r2-ps2\\{USER.upper()}"])
def test_basic_takes_the_host_s_local_account(hs: SimulatorThread, username: str) -> None:
    assert len(_basic(hs, "R2-PS2", username)) == 1


@pytest.mark.parametrize("username", [f"CONTOSO\\{USER}", f"contoso.test\\{USER}", f"{USER}@contoso.test",
                                      f"{USER}@CONTOSO", f"S16-PS51\\{USER}"])
def test_basic_refuses_a_domain_account_with_401(hs: SimulatorThread, username: str) -> None:
    before = hs.stats().host("R2-PS2").auth_fail
    with pytest.raises(AuthenticationError):
        _basic(hs, "R2-PS2", username)
    assert hs.stats().host("R2-PS2").auth_fail > before


def test_basic_refuses_the_site_s_domain_account_in_any_spelling(tmp_path: Any) -> None:
    with SimulatorThread(build_site(site_document(local=False)), tmp_path / "sim") as sim:
        for username in (USER, f"CONTOSO\\{USER}", f"{USER}@contoso.test"):
            with pytest.raises(AuthenticationError):
                _basic(sim, "S16-PS51", username)
        # the same domain account over Negotiate is welcome
        with wsman_for(sim, sim.host("S16-PS51"), username=f"CONTOSO\\{USER}") as wsman, \
                RunspacePool(wsman) as pool:
            assert pool.protocol_version == "2.3"


def test_a_basic_shell_s_owner_is_the_host_s_local_account(hs: SimulatorThread) -> None:
    h = hs.host("S16-PS51")
    with verify_fqdn(WSMan(h.address, port=h.https_port, ssl=True, auth="basic", username=f".\\{USER}",
                           password=PASSWORD, **fast(cert_validation=str(hs.ca_file))), h) as wsman:
        body, _ = raw_open(wsman)
    # as recorded from a 2016 host (test_psrp_run_protocol_version_2.3.yml): Owner is HOST\account
    assert body.findtext("rsp:Shell/rsp:Owner", namespaces=NAMESPACES) == f"S16-PS51\\{USER}"
