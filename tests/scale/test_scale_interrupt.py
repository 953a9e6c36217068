"""Ctrl-C and SIGTERM in the middle of a sweep: new work stops, hosts in flight get a short grace,
every output is still written with the unfinished hosts marked interrupted (the history too, for
``exready sweep``), and the exit code says which signal it was."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from scale_support import USER, slow_site, start_exready

from scanner.cli import EXIT_INTERRUPTED, EXIT_TERMINATED
from scanner.history.store import HistoryStore, RunStatus
from scanner.simulator import SimulatorThread, build_site

pytestmark = [
    pytest.mark.simulator,
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals are sent to the child here"),
]

QUICK = 12  # hosts that answer at once
SLOW = 24  # hosts whose collector takes far longer than the test waits


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[SimulatorThread]:
    doc = slow_site("127.57", QUICK, SLOW)
    with SimulatorThread(build_site(doc), tmp_path / "sim") as running:
        yield running




def wait_until_quick_hosts_done(sim: SimulatorThread, proc: subprocess.Popen[str]) -> None:
    limit = time.monotonic() + 60
    while time.monotonic() < limit and proc.poll() is None:
        stats = sim.stats()
        quick_done = sum(1 for n, s in stats.hosts.items() if not n.startswith("SLOW") and s.shells_closed)
        slow_running = sum(1 for n, s in stats.hosts.items() if n.startswith("SLOW") and s.scripts_run)
        if quick_done >= QUICK and slow_running >= 1:
            return
        time.sleep(0.1)
    pytest.fail("the sweep did not reach its slow hosts")


def finish(proc: subprocess.Popen[str]) -> tuple[int, str]:
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("the sweep did not stop after the signal")
    return proc.returncode, err


def check_reports(out: Path, expected_hosts: set[str]) -> dict[str, Any]:
    report: dict[str, Any] = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["run"]["interrupted"] is True
    kinds = {h["name"]: h["outcome"]["kind"] for h in report["hosts"]}
    assert set(kinds) == expected_hosts
    assert all(kinds[n] == "ok" for n in expected_hosts if not n.startswith("SLOW"))
    assert all(kinds[n] == "interrupted" for n in expected_hosts if n.startswith("SLOW"))
    rows = list(csv.DictReader((out / "matrix.csv").open(encoding="utf-8", newline="")))
    assert {r["host"] for r in rows} == expected_hosts
    assert len(rows) == len(expected_hosts) * len(report["roles"])
    assert all("interrupted" in r["reason"] for r in rows if r["host"].startswith("SLOW"))
    return report


@pytest.mark.parametrize(("sig", "code", "workers"), [
    (signal.SIGINT, EXIT_INTERRUPTED, 2),  # Ctrl-C: the terminal signals the whole process group
    (signal.SIGTERM, EXIT_TERMINATED, 1),
], ids=["ctrl-c-to-the-group-with-workers", "sigterm"])
def test_scan_interrupted_writes_every_output_and_exits_with_the_signal_code(
        sim: SimulatorThread, tmp_path: Path, sig: signal.Signals, code: int, workers: int) -> None:
    inventory = sim.write_inventory(tmp_path / "inventory.csv")
    proc = start_exready(["scan", "--inventory", str(inventory), "--user", USER, "--concurrency", "8",
                  "--workers", str(workers), "--deadline", "120", "--connect-timeout", "2",
                  "--no-progress", "--quiet", "--csv", "matrix.csv", "--json", "report.json"], tmp_path)
    wait_until_quick_hosts_done(sim, proc)
    if sig == signal.SIGINT:
        os.killpg(proc.pid, sig)
    else:
        proc.send_signal(sig)
    returncode, err = finish(proc)
    assert returncode == code, err
    assert "Traceback" not in err
    check_reports(tmp_path, {h.name for h in sim.hosts})


def test_sweep_interrupted_records_the_run_as_interrupted_in_history(sim: SimulatorThread, tmp_path: Path) -> None:
    inventory = sim.write_inventory(tmp_path / "inventory.csv")
    db = tmp_path / "history.sqlite"
    proc = start_exready(["sweep", "--inventory", str(inventory), "--user", USER, "--concurrency", "8",
                          "--deadline", "120", "--db", str(db), "--no-progress", "--quiet", "--csv", "matrix.csv",
                          "--json", "report.json"], tmp_path)
    wait_until_quick_hosts_done(sim, proc)
    proc.send_signal(signal.SIGTERM)
    returncode, err = finish(proc)
    assert returncode == EXIT_TERMINATED, err
    report = check_reports(tmp_path, {h.name for h in sim.hosts})
    store = HistoryStore(db)
    try:
        run_id = store.resolve("last")
        assert run_id == report["run"]["run_id"]
        assert store.summary(run_id).status is RunStatus.INTERRUPTED
        saved = {o.host.name: o.kind.value for o in store.load_result(run_id).outcomes}
        assert saved == {h["name"]: h["outcome"]["kind"] for h in report["hosts"]}
    finally:
        store.close()
