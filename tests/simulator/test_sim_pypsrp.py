"""The unmodified pypsrp client against the simulator: NTLM with message encryption over HTTP, Basic
over HTTPS with the generated CA, RunspacePool + PowerShell and Client.execute_ps."""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET  # noqa: S405 - builds a request, parses our simulator's answer
from typing import Any

import pytest
import requests
from pypsrp.client import Client
from pypsrp.complex_objects import PSInvocationState
from pypsrp.exceptions import AuthenticationError
from pypsrp.powershell import PowerShell, RunspacePool
from pypsrp.wsman import NAMESPACES, WSMan
from tests_sim_support import COLLECTOR, PASSWORD, USER, answer_of, fast, verify_fqdn, wsman_for

from scanner.facts.keys import CATALOG_FACTS, SEED_FACTS
from scanner.simulator import SimulatorThread
from scanner.simulator.profiles import baseline_document

pytestmark = pytest.mark.simulator


def _collect(wsman: WSMan, script: str = COLLECTOR) -> tuple[list[Any], PowerShell]:
    with RunspacePool(wsman) as pool:
        ps = PowerShell(pool)
        ps.add_script(script)
        out = ps.invoke()
        return out, ps


def test_ntlm_with_message_encryption_returns_the_facts_table(sim: SimulatorThread) -> None:
    host = sim.host("PAR01")
    before = sim.stats().host("PAR01")
    with wsman_for(sim, host, auth="ntlm", username=f"CONTOSO\\{USER}") as wsman:
        out, ps = _collect(wsman)
        assert wsman.transport.encryption is not None  # the session was sealed
    assert not ps.had_errors
    table = answer_of(out)
    assert table["exready_collector"] == "1"
    assert table["schema"] == 2
    facts = table["facts"]
    assert set(facts) == {f.name for f in (*SEED_FACTS, *CATALOG_FACTS)}
    # each entry has the keys the script's helpers give it
    assert facts["computer.name"] == {"status": "present", "value": "PAR01"}
    assert facts["os.current_build"]["value"] == "9600"
    assert facts["ucma.version"]["value"] == "5.0.8308.0"
    assert facts["dotnet.release"]["value"] == baseline_document()["facts"]["dotnet.release"]
    assert facts["file.rpchttp_dll"]["value"] == {
        "path": "C:\\Windows\\System32\\rpchttp.dll",
        "version": "6.3.9600.17415",
    }
    assert facts["hotfix.ids"]["value"][0] == "KB2919355"
    assert facts["reboot.pending"] == {"status": "present", "value": []}
    assert facts["exchange.v15.roles"] == {"status": "absent"}
    after = sim.stats().host("PAR01")
    assert after.auth_ok - before.auth_ok == 1
    assert after.scripts_run - before.scripts_run == 1
    assert after.shells_opened - before.shells_opened == 1
    assert after.shells_closed - before.shells_closed == 1


def test_negotiate_with_upn_and_begin_invoke_poll(sim: SimulatorThread) -> None:
    host = sim.host("PAR02")
    with (
        wsman_for(sim, host, auth="negotiate", username=f"{USER}@contoso.test") as wsman,
        RunspacePool(wsman) as pool,
    ):
        ps = PowerShell(pool)
        ps.add_script(COLLECTOR)
        ps.begin_invoke()
        deadline = time.monotonic() + 20
        while ps.state == PSInvocationState.RUNNING and time.monotonic() < deadline:
            ps.poll_invoke(timeout=1)
        assert ps.state == PSInvocationState.COMPLETED
        assert answer_of(ps.output)["facts"]["computer.name"]["value"] == "PAR02"
        ps.close()


def test_variant_facts_reach_the_client(sim: SimulatorThread) -> None:
    with wsman_for(sim, sim.host("W-CAFE")) as wsman:
        out, _ = _collect(wsman)
    roles = answer_of(out)["facts"]["exchange.v15.roles"]
    assert roles == {
        "status": "present",
        "value": [
            {
                "key": "CafeRole",
                "action": None,
                "watermark": None,
                "unpacked_version": "15.0.1497.2",
                "configured_version": "15.0.1497.2",
            }
        ],
    }


def test_several_pipelines_on_one_pool(sim: SimulatorThread) -> None:
    with wsman_for(sim, sim.host("PAR03")) as wsman, RunspacePool(wsman) as pool:
        versions = []
        for v in ("1", "2", "3"):
            ps = PowerShell(pool)
            ps.add_script(f"# exready-collector {v}\n")
            versions.append(answer_of(ps.invoke())["exready_collector"])
    assert versions == ["1", "2", "3"]


def test_execute_ps_gets_text(sim: SimulatorThread) -> None:
    host = sim.host("PAR04")
    client = Client(
        host.address, port=host.http_port, ssl=False, auth="ntlm", username=USER, password=PASSWORD, **fast()
    )
    output, streams, had_errors = client.execute_ps(COLLECTOR)
    assert not had_errors
    assert streams.error == []
    # Out-String -Stream passes the one-line JSON string on as it is
    assert "\n" not in output
    table = json.loads(output)
    assert table["exready_collector"] == "1"
    assert table["facts"]["computer.name"] == {"status": "present", "value": "PAR04"}


def test_unknown_script_gets_command_not_found(sim: SimulatorThread) -> None:
    with wsman_for(sim, sim.host("PAR05")) as wsman:
        out, ps = _collect(wsman, "Get-ExchangeServer -Identity EX01")
    assert out == []
    assert ps.had_errors
    assert len(ps.streams.error) == 1
    err = ps.streams.error[0]
    assert err.fq_error == "CommandNotFoundException"
    assert "Get-ExchangeServer" in str(err)
    assert "is not recognized as the name of a cmdlet" in str(err)


def test_execute_ps_unknown_command_has_errors(sim: SimulatorThread) -> None:
    host = sim.host("PAR05")
    client = Client(
        host.address,
        port=host.http_port,
        ssl=False,
        auth="negotiate",
        username=USER,
        password=PASSWORD,
        **fast(),
    )
    output, streams, had_errors = client.execute_ps("Get-Service")
    assert had_errors
    assert output == ""
    assert "Get-Service" in str(streams.error[0])


def test_https_basic_verifies_against_the_generated_ca(sim: SimulatorThread) -> None:
    host = sim.host("PAR06")
    assert sim.ca_file is not None and sim.ca_file.is_file()
    with wsman_for(sim, host, ssl=True, auth="basic", cert_validation=str(sim.ca_file)) as wsman:
        out, ps = _collect(wsman)
    assert not ps.had_errors
    assert answer_of(out)["facts"]["computer.name"]["value"] == "PAR06"


def test_https_execute_ps_with_ca_file(sim: SimulatorThread) -> None:
    host = sim.host("PAR06")
    client = Client(
        host.address,
        port=host.https_port,
        ssl=True,
        auth="basic",
        username=USER,
        password=PASSWORD,
        cert_validation=str(sim.ca_file),
        **fast(),
    )
    verify_fqdn(client.wsman, host)
    output, _, had_errors = client.execute_ps(COLLECTOR)
    assert not had_errors
    assert json.loads(output)["facts"]["computer.name"]["value"] == "PAR06"


def test_https_without_the_ca_fails_verification(sim: SimulatorThread) -> None:
    host = sim.host("PAR06")
    with (
        pytest.raises(requests.exceptions.SSLError, match="CERTIFICATE_VERIFY_FAILED"),
        wsman_for(sim, host, ssl=True, auth="basic", cert_validation=True) as wsman,
    ):
        _collect(wsman)


def test_https_negotiate_with_message_encryption(sim: SimulatorThread) -> None:
    host = sim.host("PAR06")
    with wsman_for(
        sim, host, ssl=True, auth="negotiate", encryption="always", cert_validation=str(sim.ca_file)
    ) as wsman:
        out, _ = _collect(wsman)
    assert answer_of(out)["facts"]["computer.name"]["value"] == "PAR06"


@pytest.mark.parametrize("auth", ["ntlm", "basic"])
def test_wrong_password_gets_401(sim: SimulatorThread, auth: str) -> None:
    host = sim.host("PAR01")
    before = sim.stats().host("PAR01").auth_fail
    kwargs: dict[str, Any] = {"ssl": True, "cert_validation": str(sim.ca_file)} if auth == "basic" else {}
    with (
        pytest.raises(AuthenticationError),
        wsman_for(sim, host, auth=auth, password="not-the-password", **kwargs) as wsman,  # noqa: S106
    ):
        _collect(wsman)
    assert sim.stats().host("PAR01").auth_fail > before


def test_basic_over_plain_http_is_refused_by_default(sim: SimulatorThread) -> None:
    with (
        pytest.raises(AuthenticationError),
        wsman_for(sim, sim.host("PAR02"), auth="basic", encryption="never") as wsman,
    ):
        _collect(wsman)


def test_basic_over_http_when_the_host_allows_unencrypted(sim: SimulatorThread) -> None:
    with wsman_for(sim, sim.host("U-UNENC"), auth="basic", encryption="never") as wsman:
        out, _ = _collect(wsman)
    assert answer_of(out)["facts"]["computer.name"]["value"] == "U-UNENC"


def test_enumerating_the_shell_resource_lists_the_callers_open_shells(sim: SimulatorThread) -> None:
    # NetExec's winrm module enumerates the shell resource after logging on, to learn whether the
    # account may use WinRM: a host that answers ActionNotSupported fails its logon.
    shell_uri = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
    request = ET.Element(f"{{{NAMESPACES['wsen']}}}Enumerate")
    ET.SubElement(request, f"{{{NAMESPACES['wsman']}}}OptimizeEnumeration")
    ET.SubElement(request, f"{{{NAMESPACES['wsman']}}}MaxElements").text = "32000"
    with wsman_for(sim, sim.host("PAR03"), auth="ntlm", username=f"CONTOSO\\{USER}") as wsman:
        empty = wsman.enumerate(shell_uri, request)
        assert empty.find(".//wsman:EndOfSequence", NAMESPACES) is not None
        assert empty.findall(".//rsp:Shell", NAMESPACES) == []
        with RunspacePool(wsman) as pool:
            answer = wsman.enumerate(shell_uri, request)
            listed = [el.text for el in answer.findall(".//wsman:Items/rsp:Shell/rsp:ShellId", NAMESPACES)]
            assert listed == [str(pool.id).upper()]
            assert answer.find(".//wsen:EnumerationContext", NAMESPACES) is not None
