"""Shell idle expiry and quota, counters, the port-per-host fallback, the subprocess runner and
``exready simulate``."""

from __future__ import annotations

import csv
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pypsrp.exceptions import AuthenticationError, WSManFaultError
from pypsrp.powershell import PowerShell, RunspacePool
from tests_sim_support import COLLECTOR, PASSWORD, USER, answer_of, wsman_for
from typer.testing import CliRunner

from scanner.cli import build_app
from scanner.simulator import (
    SimulatorProcess,
    SimulatorThread,
    build_site,
    generate_site_document,
    write_site_file,
)
from scanner.simulator.faults import ERROR_WSMAN_INVALID_SELECTORS, ERROR_WSMAN_QUOTA_MAX_SHELLS

pytestmark = pytest.mark.simulator


def _wait_for(check: Callable[[], bool], limit_s: float = 15.0) -> bool:
    end = time.monotonic() + limit_s
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.05)
    return check()


def _facts_of(sim: Any, name: str, **kwargs: Any) -> dict[str, Any]:
    with wsman_for(sim, sim.host(name), **kwargs) as w, RunspacePool(w) as pool:
        ps = PowerShell(pool)
        ps.add_script(COLLECTOR)
        out: dict[str, Any] = answer_of(ps.invoke())["facts"]
        return out


def test_idle_shells_expire(sim: SimulatorThread) -> None:
    with wsman_for(sim, sim.host("I-IDLE")) as w:
        pool = RunspacePool(w)
        pool.open()
        assert sim.stats().host("I-IDLE").shells_open == 1
        # the client goes quiet; the host's IdleTimeOut (1 s) closes the shell
        assert _wait_for(lambda: sim.stats().host("I-IDLE").shells_expired == 1)
        assert sim.stats().host("I-IDLE").shells_open == 0
        ps = PowerShell(pool)
        ps.add_script(COLLECTOR)
        with pytest.raises(WSManFaultError) as info:
            ps.invoke()
        assert info.value.code == ERROR_WSMAN_INVALID_SELECTORS


def test_client_asks_for_a_short_idle_timeout(sim: SimulatorThread) -> None:
    with wsman_for(sim, sim.host("I-CLIENTIDLE")) as w:
        pool = RunspacePool(w, idle_timeout=1)  # the host's own IdleTimeOut is two hours
        pool.open()
        assert _wait_for(lambda: sim.stats().host("I-CLIENTIDLE").shells_expired == 1)
        assert sim.stats().host("I-CLIENTIDLE").shells_open == 0


def test_shell_quota(sim: SimulatorThread) -> None:
    with wsman_for(sim, sim.host("Q-QUOTA2")) as w:
        first, second = RunspacePool(w), RunspacePool(w)
        first.open()
        second.open()
        with pytest.raises(WSManFaultError) as info:
            RunspacePool(w).open()
        assert info.value.code == ERROR_WSMAN_QUOTA_MAX_SHELLS == 2150859173
        assert "maximum number of 2 concurrent shells" in info.value.reason
        stats = sim.stats().host("Q-QUOTA2")
        assert (stats.shells_open, stats.shells_refused) == (2, 1)
        first.close()
        third = RunspacePool(w)
        third.open()  # a closed shell frees its place
        third.close()
        second.close()
    assert sim.stats().host("Q-QUOTA2").shells_open == 0


def test_counters_add_up(sim: SimulatorThread) -> None:
    before = sim.stats()
    _facts_of(sim, "PAR03")
    after = sim.stats()
    delta = {
        k: getattr(after.host("PAR03"), k) - getattr(before.host("PAR03"), k)
        for k in ("connections", "auth_ok", "shells_opened", "shells_closed", "scripts_run")
    }
    assert delta == {"connections": 1, "auth_ok": 1, "shells_opened": 1, "shells_closed": 1, "scripts_run": 1}
    assert after.totals.scripts_run == sum(s.scripts_run for s in after.hosts.values())


def _small_site(network: str, hosts: int = 3) -> Any:
    return build_site(
        generate_site_document(hosts, seed=5, faulty_percent=0, base_network=network, password=PASSWORD)
    )


def test_port_per_host_mode(tmp_path: Path) -> None:
    site = _small_site("127.44.0.0/16")
    with SimulatorThread(site, tmp_path, address_mode="port") as sim:
        assert {h.address for h in sim.hosts} == {"127.0.0.1"}
        assert len({h.http_port for h in sim.hosts}) == 3
        facts = _facts_of(sim, sim.hosts[1].name, username="svc-exready")
        assert facts["computer.name"]["value"] == sim.hosts[1].name


def test_falls_back_to_a_port_when_the_address_is_taken(tmp_path: Path) -> None:
    site = _small_site("127.45.0.0/16", hosts=2)
    taken = site.hosts[0]
    blocker = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    blocker.bind((taken.address, 5985))
    blocker.listen()
    try:
        with SimulatorThread(site, tmp_path) as sim:
            moved = sim.host(taken.name)
            assert (moved.address, sim.server.fallback_hosts) == ("127.0.0.1", 1)
            assert moved.http_port not in (None, 5985)
            assert sim.host(site.hosts[1].name).address == site.hosts[1].address
            facts = _facts_of(sim, taken.name, username="svc-exready")
            assert facts["computer.name"]["value"] == taken.name
    finally:
        blocker.close()


def test_subprocess_reports_ready_and_its_counters(tmp_path: Path) -> None:
    site_file = write_site_file(
        generate_site_document(2, seed=9, faulty_percent=0, base_network="127.46.0.0/16", password=PASSWORD),
        tmp_path / "site.yaml",
    )
    proc = SimulatorProcess(site_file, tmp_path / "work").start()
    try:
        assert proc.pid > 0
        assert len(proc.hosts) == 2
        facts = _facts_of(proc, proc.hosts[0].name, username="svc-exready")
        assert facts["computer.name"]["value"] == proc.hosts[0].name
    finally:
        stats = proc.stop()
    assert stats is not None
    assert stats.totals.scripts_run == 1
    assert stats.host(proc.hosts[0].name).auth_ok == 1


def test_cli_simulate_prints_the_table_and_writes_the_inventory(tmp_path: Path) -> None:
    site_file = write_site_file(
        generate_site_document(3, seed=2, faulty_percent=0, base_network="127.47.0.0/16", password=PASSWORD),
        tmp_path / "site.yaml",
    )
    inv = tmp_path / "inv.csv"
    result = CliRunner().invoke(
        build_app(),
        [
            "simulate",
            str(site_file),
            "--duration",
            "0.3",
            "--workdir",
            str(tmp_path / "w"),
            "--write-inventory",
            str(inv),
        ],
    )
    assert result.exit_code == 0, result.output
    site = build_site(generate_site_document(3, seed=2, faulty_percent=0, base_network="127.47.0.0/16"))
    for h in site.hosts:
        assert h.name in result.output
    assert "svc-exready" in result.output and PASSWORD in result.output
    rows = list(csv.DictReader(inv.open(encoding="utf-8")))
    assert [r["name"] for r in rows] == [h.name for h in site.hosts]


def test_cli_simulate_bad_site_file_is_one_line_exit_3(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: x\nad_sites: [{name: A, pattern: 'A{n}', addresses: 10.0.0.0/8, count: 1}]\n"
        f"credentials: {{username: {USER}, password: p}}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(build_app(), ["simulate", str(bad)])
    assert result.exit_code == 3
    assert "not a loopback network" in result.output
    assert "Traceback" not in result.output


def test_strict_channel_binding_on_https(tmp_path: Path) -> None:
    doc = generate_site_document(
        1, seed=4, faulty_percent=0, base_network="127.48.0.0/16", password=PASSWORD, schemes=("https",)
    )
    with SimulatorThread(build_site(doc), tmp_path, strict_cbt=True) as sim:
        host = sim.hosts[0]
        ca = str(sim.ca_file)
        facts = _facts_of(
            sim, host.name, ssl=True, auth="negotiate", username="svc-exready", cert_validation=ca
        )
        assert facts["computer.name"]["value"] == host.name
        with pytest.raises(AuthenticationError):
            _facts_of(
                sim,
                host.name,
                ssl=True,
                auth="negotiate",
                username="svc-exready",
                cert_validation=ca,
                negotiate_send_cbt=False,
            )


@pytest.mark.skipif(not hasattr(signal, "SIGTERM") or sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("sig, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_cli_simulate_stops_cleanly_on_signals(tmp_path: Path, sig: signal.Signals, code: int) -> None:
    site_file = write_site_file(
        generate_site_document(2, seed=2, faulty_percent=0, base_network="127.49.0.0/16", password=PASSWORD),
        tmp_path / "site.yaml",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "scanner", "simulate", str(site_file), "--workdir", str(tmp_path / "w")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "EXREADY_LANG": "en"},
    )
    try:
        assert proc.stdout is not None
        for line in proc.stdout:  # the table, the account, then "Serving until ..."
            if line.startswith("Serving"):
                break
        else:
            pytest.fail("the simulator ended before serving")
        proc.send_signal(sig)
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == code
    assert "Simulator stopped" in out
    assert "Traceback" not in out
    assert not (tmp_path / "w" / "ntlm-users.txt").exists()  # the account file goes with the simulator
