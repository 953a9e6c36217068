"""One test per fault profile: the exception (or result) the unmodified pypsrp client gets, as it
would from a real Windows host in that situation."""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405
from typing import Any

import pytest
import requests
from pypsrp.client import Client
from pypsrp.exceptions import AuthenticationError, InvalidPSRPOperation, WinRMTransportError, WSManFaultError
from pypsrp.powershell import PowerShell, RunspacePool
from pypsrp.wsman import WSMan
from tests_sim_support import COLLECTOR, PASSWORD, USER, answer_of, fast, wsman_for

from scanner.simulator import SimulatorThread
from scanner.simulator.faults import ERROR_ACCESS_DENIED, ERROR_WSMAN_QUOTA_MAX_SHELLS

pytestmark = pytest.mark.simulator


def _collect(wsman: WSMan) -> tuple[list[Any], PowerShell]:
    # no ``with RunspacePool``: closing the pool after a fault sends one more request, whose own
    # failure would hide the exception under test
    pool = RunspacePool(wsman)
    pool.open()
    ps = PowerShell(pool)
    ps.add_script(COLLECTOR)
    out = ps.invoke()
    pool.close()
    return out, ps


def _faults(sim: SimulatorThread, name: str) -> int:
    return sim.stats().host(name).faults_injected


def test_refuse_nothing_listens(sim: SimulatorThread) -> None:
    with (
        pytest.raises(requests.exceptions.ConnectionError) as info,
        wsman_for(sim, sim.host("F-REFUSE")) as w,
    ):
        _collect(w)
    assert not isinstance(info.value, requests.exceptions.ConnectTimeout)
    assert "refused" in str(info.value).lower()
    assert sim.stats().host("F-REFUSE").connections == 0


@pytest.mark.parametrize("auth", ["negotiate", "basic"])
def test_hang_accepts_and_never_answers(sim: SimulatorThread, auth: str) -> None:
    kwargs: dict[str, Any] = {"read_timeout": 1}
    if auth == "basic":
        kwargs.update(encryption="never")
    with (
        pytest.raises(requests.exceptions.ReadTimeout),
        wsman_for(sim, sim.host("F-HANG"), auth=auth, **kwargs) as w,
    ):
        _collect(w)
    assert _faults(sim, "F-HANG") >= 1


def test_stall_at_receive_times_out_after_pypsrp_retries(sim: SimulatorThread) -> None:
    # pypsrp retries a Receive that timed out 5 times whatever reconnection_retries says
    with (
        pytest.raises(requests.exceptions.ReadTimeout),
        wsman_for(
            sim, sim.host("F-STALL"), read_timeout=1, reconnection_retries=0, reconnection_backoff=0.01
        ) as w,
    ):
        _collect(w)
    stats = sim.stats().host("F-STALL")
    assert stats.faults_injected == 6  # the pipeline Receive and its five retries
    assert stats.scripts_run == 1


def test_slow_script_long_polls_with_timed_out_faults(sim: SimulatorThread) -> None:
    # operation_timeout=1 < the 2.5 s script: the host answers w:TimedOut, pypsrp polls again
    with wsman_for(sim, sim.host("F-SLOW"), read_timeout=3, operation_timeout=1) as w:
        out, ps = _collect(w)
    assert not ps.had_errors
    assert answer_of(out)["facts"]["computer.name"]["value"] == "F-SLOW"


def test_dribble_defeats_read_timeout(sim: SimulatorThread) -> None:
    # one byte every 0.2 s: each recv() is within read_timeout=1, so the client never times out;
    # the host gives up after limit_s and resets, which pypsrp sees as a broken body
    with (
        pytest.raises(
            (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)
        ) as info,
        wsman_for(sim, sim.host("F-DRIBBLE"), read_timeout=1) as w,
    ):
        _collect(w)
    assert not isinstance(info.value, requests.exceptions.ReadTimeout)
    assert _faults(sim, "F-DRIBBLE") == 1


@pytest.mark.parametrize("auth", ["ntlm", "basic"])
def test_always_401(sim: SimulatorThread, auth: str) -> None:
    kwargs: dict[str, Any] = {"ssl": True, "cert_validation": str(sim.ca_file)} if auth == "basic" else {}
    before = sim.stats().host("F-401").auth_fail
    with pytest.raises(AuthenticationError), wsman_for(sim, sim.host("F-401"), auth=auth, **kwargs) as w:
        _collect(w)
    assert sim.stats().host("F-401").auth_fail > before


def test_tls_name_mismatch(sim: SimulatorThread) -> None:
    host = sim.host("F-TLS")
    with (
        pytest.raises(requests.exceptions.SSLError, match="match|mismatch"),
        wsman_for(sim, host, ssl=True, auth="basic", cert_validation=str(sim.ca_file)) as w,
    ):
        _collect(w)


def test_access_denied_on_create(sim: SimulatorThread) -> None:
    with pytest.raises(WSManFaultError) as info, wsman_for(sim, sim.host("F-DENIED")) as w:
        _collect(w)
    assert info.value.code == ERROR_ACCESS_DENIED
    assert "Access is denied" in info.value.reason
    assert info.value.machine == "f-denied.contoso.test"


def test_shell_quota_fault_on_create(sim: SimulatorThread) -> None:
    with pytest.raises(WSManFaultError) as info, wsman_for(sim, sim.host("F-QUOTA")) as w:
        _collect(w)
    assert info.value.code == ERROR_WSMAN_QUOTA_MAX_SHELLS


def test_wsman_fault_on_command(sim: SimulatorThread) -> None:
    with pytest.raises(WSManFaultError) as info, wsman_for(sim, sim.host("F-WSMAN")) as w:
        _collect(w)
    assert info.value.code == 2150858843
    stats = sim.stats().host("F-WSMAN")
    assert stats.shells_opened == 1 and stats.scripts_run == 0


def test_http_503(sim: SimulatorThread) -> None:
    with pytest.raises(WinRMTransportError) as info, wsman_for(sim, sim.host("F-HTTP503")) as w:
        _collect(w)
    assert info.value.code == 503


def test_garbage_instead_of_http(sim: SimulatorThread) -> None:
    with (
        pytest.raises(requests.exceptions.ConnectionError) as info,
        wsman_for(sim, sim.host("F-GARBAGE")) as w,
    ):
        _collect(w)
    assert "BadStatusLine" in repr(info.value) or "Remote end closed" in str(info.value)


def test_non_xml_answer_to_receive(sim: SimulatorThread) -> None:
    with pytest.raises(ET.ParseError), wsman_for(sim, sim.host("F-GARBAGE-RX")) as w:
        _collect(w)


@pytest.mark.parametrize("name", ["F-DROP", "F-CLOSE"])
def test_connection_lost_mid_receive(sim: SimulatorThread, name: str) -> None:
    with pytest.raises(requests.exceptions.ConnectionError) as info, wsman_for(sim, sim.host(name)) as w:
        _collect(w)
    assert not isinstance(info.value, requests.exceptions.ReadTimeout)
    assert _faults(sim, name) == 1  # not retried: pypsrp only retries a Receive that timed out


def test_truncated_reply(sim: SimulatorThread) -> None:
    with pytest.raises(requests.exceptions.ChunkedEncodingError), wsman_for(sim, sim.host("F-TRUNC")) as w:
        _collect(w)


def test_script_error_record(sim: SimulatorThread) -> None:
    with wsman_for(sim, sim.host("F-SCRIPTERR")) as w:
        out, ps = _collect(w)
    assert out == []
    assert ps.had_errors
    assert "Requested registry access is not allowed." in str(ps.streams.error[0])


def test_partial_facts(sim: SimulatorThread) -> None:
    with wsman_for(sim, sim.host("F-PARTIAL")) as w:
        out, ps = _collect(w)
    assert not ps.had_errors
    facts = answer_of(out)["facts"]
    assert "hotfix.ids" not in facts
    assert facts["ucma.version"] == {"status": "unreadable", "error": "Access is denied."}
    assert facts["os.current_build"]["value"] == "9600"


def test_runspace_pool_broken(sim: SimulatorThread) -> None:
    with pytest.raises(InvalidPSRPOperation), wsman_for(sim, sim.host("F-BROKEN")) as w:
        _collect(w)


def test_execute_ps_against_a_fault(sim: SimulatorThread) -> None:
    host = sim.host("F-DENIED")
    client = Client(
        host.address, port=host.http_port, ssl=False, auth="ntlm", username=USER, password=PASSWORD, **fast()
    )
    with pytest.raises(WSManFaultError):
        client.execute_ps(COLLECTOR)


def test_slow_script_survives_receive_read_timeouts(sim: SimulatorThread) -> None:
    # read_timeout=1 < the 2.5 s script < operation_timeout: pypsrp gives up on each Receive and sends
    # another; the host must keep the output for the retry rather than hand it to a client that left
    with wsman_for(
        sim, sim.host("F-SLOW"), read_timeout=1, operation_timeout=20, reconnection_backoff=0.01
    ) as w:
        out, ps = _collect(w)
    assert not ps.had_errors
    assert answer_of(out)["facts"]["computer.name"]["value"] == "F-SLOW"


def test_tls_client_on_the_plain_http_listener(sim: SimulatorThread) -> None:
    host = sim.host("PAR01")
    # HTTP.sys answers a TLS ClientHello on the HTTP port with a 400, which the client reads as a bad record
    with (
        pytest.raises(requests.exceptions.SSLError),
        WSMan(
            host.address,
            port=host.http_port,
            ssl=True,
            auth="basic",
            username=USER,
            password=PASSWORD,
            **fast(cert_validation=str(sim.ca_file)),
        ) as w,
    ):
        _collect(w)


def test_plain_client_on_the_https_listener(sim: SimulatorThread) -> None:
    host = sim.host("PAR01")
    with (
        pytest.raises(requests.exceptions.ConnectionError),
        WSMan(
            host.address,
            port=host.https_port,
            ssl=False,
            auth="ntlm",
            username=USER,
            password=PASSWORD,
            **fast(),
        ) as w,
    ):
        _collect(w)
