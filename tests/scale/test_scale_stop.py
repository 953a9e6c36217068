"""How a sweep stops when a service manager or an impatient user stops it.

``systemctl stop`` sends SIGTERM to every process of the unit's control group, the sweep's worker
processes included; a terminal's Ctrl-C reaches the whole process group the same way. Only the parent
decides what a signal means: the hosts in flight end ``interrupted`` (never an internal error), and
``--resume`` scans them. Pressing Ctrl-C again while the reports are written waits for them."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from scale_support import USER, slow_site, start_exready

from scanner.cli import EXIT_INTERRUPTED, EXIT_TERMINATED
from scanner.history.store import HistoryStore, RunStatus
from scanner.simulator import SimulatorThread, build_site

pytestmark = [
    pytest.mark.simulator,
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals are sent to the child's group here"),
]

QUICK = 12  # hosts that answer at once
SLOW = 16  # hosts whose collector takes far longer than the test waits


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[SimulatorThread]:
    doc = slow_site("127.58", QUICK, SLOW)
    with SimulatorThread(build_site(doc), tmp_path / "sim") as running:
        yield running




def wait_for_slow_hosts(sim: SimulatorThread, proc: subprocess.Popen[str], running: int) -> None:
    """Until the quick hosts are done and ``running`` slow hosts run their collector."""
    limit = time.monotonic() + 90
    while time.monotonic() < limit and proc.poll() is None:
        stats = sim.stats()
        quick_done = sum(1 for n, s in stats.hosts.items() if not n.startswith("SLOW") and s.shells_closed)
        slow_running = sum(1 for n, s in stats.hosts.items() if n.startswith("SLOW") and s.scripts_run)
        if quick_done >= QUICK and slow_running >= running:
            return
        time.sleep(0.05)
    pytest.fail("the sweep did not reach its slow hosts")


def finish(proc: subprocess.Popen[str]) -> tuple[int, str]:
    try:
        _, err = proc.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("the sweep did not stop after the signal")
    return proc.returncode, err


def sweep_args(inventory: Path, db: Path, *extra: str) -> list[str]:
    return ["sweep", "--inventory", str(inventory), "--user", USER, "--db", str(db), "--no-progress", "--quiet",
            "--csv", "matrix.csv", "--json", "report.json", "--html", "report.html",
            "--findings-csv", "findings.csv", *extra]


def test_systemctl_stop_leaves_hosts_in_flight_interrupted_and_resume_scans_them(
        sim: SimulatorThread, tmp_path: Path) -> None:
    inventory = sim.write_inventory(tmp_path / "inventory.csv")
    db = tmp_path / "history.sqlite"
    args = sweep_args(inventory, db, "--concurrency", "8", "--workers", "2", "--deadline", "120")
    proc = start_exready(args, tmp_path)
    wait_for_slow_hosts(sim, proc, running=8)
    os.killpg(proc.pid, signal.SIGTERM)  # what systemd's KillMode=control-group does
    returncode, err = finish(proc)
    assert returncode == EXIT_TERMINATED, err
    assert "Traceback" not in err
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    kinds = {h["name"]: h["outcome"]["kind"] for h in report["hosts"]}
    reasons = {h["name"]: h["outcome"]["reason"] for h in report["hosts"]}
    assert all(kinds[n] == "ok" for n in kinds if not n.startswith("SLOW"))
    slow = {n: k for n, k in kinds.items() if n.startswith("SLOW")}
    assert len(slow) == SLOW
    assert set(slow.values()) == {"interrupted"}, {n: reasons[n] for n in slow}
    with HistoryStore(db) as store:
        run_id = store.resolve("last")
        assert store.summary(run_id).status is RunStatus.INTERRUPTED
        assert {h.name for h in store.unfinished_hosts(run_id)} == set(slow)

    # the resume scans exactly the hosts the stop left; a short deadline ends the slow ones quickly
    before = {n: s.connections for n, s in sim.stats().hosts.items()}
    resumed = start_exready(["sweep", "--db", str(db), "--resume", "last", "--user", USER, "--deadline", "2",
                     "--concurrency", str(SLOW), "--no-progress", "--quiet", "--json", "again.json"], tmp_path)
    code, err = finish(resumed)
    assert "Traceback" not in err
    assert f"{SLOW} of {QUICK + SLOW} hosts left to scan" in err
    again = json.loads((tmp_path / "again.json").read_text(encoding="utf-8"))
    after = {n: s.connections for n, s in sim.stats().hosts.items()}
    contacted = {n for n in after if after[n] > before.get(n, 0)}
    assert contacted == set(slow)
    assert {h["name"]: h["outcome"]["kind"] for h in again["hosts"] if h["name"] in slow} == \
        dict.fromkeys(slow, "timeout")
    assert code not in (EXIT_INTERRUPTED, EXIT_TERMINATED)
    with HistoryStore(db) as store:
        assert store.summary(run_id).status is RunStatus.COMPLETE


def wait_for_file(path: Path, proc: subprocess.Popen[str]) -> None:
    limit = time.monotonic() + 60
    while time.monotonic() < limit and proc.poll() is None:
        if path.exists():
            return
        time.sleep(0.002)


def test_ctrl_c_again_while_the_reports_are_written_waits_for_them(sim: SimulatorThread, tmp_path: Path) -> None:
    inventory = sim.write_inventory(tmp_path / "inventory.csv")
    db = tmp_path / "history.sqlite"
    args = sweep_args(inventory, db, "--concurrency", "8", "--workers", "1", "--deadline", "120")
    proc = start_exready(args, tmp_path)
    wait_for_slow_hosts(sim, proc, running=8)
    os.killpg(proc.pid, signal.SIGINT)
    # the first report on disk: the sweep has left its scan and is writing; press Ctrl-C again
    wait_for_file(tmp_path / "matrix.csv", proc)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGINT)
    returncode, err = finish(proc)
    assert returncode == EXIT_INTERRUPTED, err
    assert "Traceback" not in err
    for name in ("matrix.csv", "report.json", "report.html", "findings.csv"):
        assert (tmp_path / name).is_file(), f"{name} missing: {err}"
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["run"]["interrupted"] is True
    assert re.search(r"SIGINT again: writing the outputs", err), err


@pytest.mark.parametrize("workers", [1, 2])
def test_a_third_ctrl_c_stops_at_once_and_names_the_outputs_not_written(
        sim: SimulatorThread, tmp_path: Path, workers: int) -> None:
    inventory = sim.write_inventory(tmp_path / "inventory.csv")
    proc = start_exready(["scan", "--inventory", str(inventory), "--user", USER, "--concurrency", "8",
                  "--workers", str(workers), "--deadline", "120", "--no-progress", "--quiet",
                  "--csv", "matrix.csv", "--json", "report.json"], tmp_path)
    wait_for_slow_hosts(sim, proc, running=8)
    for _ in range(3):  # all within the hosts' grace: the sweep is still stopping
        os.killpg(proc.pid, signal.SIGINT)
        time.sleep(0.2)
    returncode, err = finish(proc)
    assert returncode == EXIT_INTERRUPTED, err
    assert "Traceback" not in err
    assert "SIGINT a third time: stopped at once; outputs not written: matrix.csv, report.json" in err, err
    assert not (tmp_path / "matrix.csv").exists() and not (tmp_path / "report.json").exists()
