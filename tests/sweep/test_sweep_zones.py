"""Several scanners, one PostgreSQL history: three zones swept at the same time by three processes,
a second sweep of a busy zone refused by the database, the estate of the three, and a sweep that
outlives a restart of the database server."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pg_cluster
import pytest
from test_sweep_simulator import PASSWORD, host, site_file

from scanner.credentials import Secret
from scanner.history.backend import PgSettings
from scanner.history.store import HistoryStore, RunStatus
from scanner.report.json_report import read_json_report
from scanner.simulator.runner import SimulatorThread

pytestmark = pytest.mark.simulator

REPO = Path(__file__).resolve().parents[2]
ZONES = {"zone-a": range(1, 6), "zone-b": range(6, 11), "zone-c": range(11, 16)}


def zone_config(directory: Path, zone: str, url: str, concurrency: int = 2) -> Path:
    path = directory / f"{zone}.toml"
    path.write_text(
        f"""
exchange = "2013"
zone = "{zone}"
[inventory]
file = "inventory-{zone}.csv"
[credentials]
user = "svc-exready"
password_env = "EXREADY_TEST_PASSWORD"
[limits]
concurrency = {concurrency}
deadline = 30
[outputs]
dir = "out-{zone}"
json = "scan-{{run_id}}.json"
[history]
url = "{url}"
spool_dir = "spool-{zone}"
deliver_wait = 60
""",
        encoding="utf-8",
    )
    return path


def split_inventory(full: Path, directory: Path) -> None:
    with open(full, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    for zone, numbers in ZONES.items():
        names = {f"EX{n:02d}" for n in numbers}
        with open(directory / f"inventory-{zone}.csv", "w", encoding="utf-8", newline="") as f:
            csv.writer(f).writerows([rows[0], *(r for r in rows[1:] if r[0] in names)])


def start_sweep(config: Path, log: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, EXREADY_TEST_PASSWORD=PASSWORD, PYTHONPATH=str(REPO), EXREADY_LANG="en")
    with open(log, "wb") as stderr:
        return subprocess.Popen(
            [sys.executable, "-m", "scanner", "sweep", "--config", str(config), "--no-progress", "--quiet"],
            env=env, stdout=subprocess.DEVNULL, stderr=stderr,
        )


def settings(url: str) -> PgSettings:
    return PgSettings(url=url, password=Secret(pg_cluster.PASSWORD))


def wait_for_hosts(url: str, zone: str, count: int, proc: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"the {zone} sweep ended early ({proc.returncode})"
        with HistoryStore(settings(url)) as store:
            runs = store.list_runs(zone=zone)
            if runs and runs[0].finished_hosts >= count:
                return
        time.sleep(0.2)
    raise AssertionError(f"the {zone} sweep did not finish {count} hosts in {timeout} s")


def test_three_scanners_sweep_three_zones_into_one_database_then_the_estate(
    pg_url: str, tmp_path: Path
) -> None:
    # zone-a's hosts are slow (one at a time, 3 s each), so its sweep is surely running when its twin starts
    slow: dict[str, Any] = {"kind": "slow", "delay_s": 0.5}
    slower: dict[str, Any] = {"kind": "slow", "delay_s": 3.0}
    hosts = [host(n, "ucma-missing" if n in (3, 8) else None, fault=slower if n in ZONES["zone-a"] else slow)
             for n in range(1, 16)]
    with SimulatorThread(site_file(tmp_path / "site.yaml", hosts), tmp_path / "sim") as sim:
        sim.write_inventory(tmp_path / "inventory.csv")
        split_inventory(tmp_path / "inventory.csv", tmp_path)
        configs = {zone: zone_config(tmp_path, zone, pg_url, 1 if zone == "zone-a" else 2) for zone in ZONES}
        procs = {zone: start_sweep(configs[zone], tmp_path / f"{zone}.log") for zone in ZONES}
        try:
            # while zone-a is being swept, a second scanner of zone-a is refused by the database
            wait_for_hosts(pg_url, "zone-a", 1, procs["zone-a"])
            twin = subprocess.run(
                [sys.executable, "-m", "scanner", "sweep", "--config", str(configs["zone-a"]), "--no-progress"],
                env=dict(os.environ, EXREADY_TEST_PASSWORD=PASSWORD, PYTHONPATH=str(REPO)),
                capture_output=True, text=True, timeout=120,
            )
            codes = {zone: proc.wait(timeout=300) for zone, proc in procs.items()}
        finally:
            for proc in procs.values():
                if proc.poll() is None:
                    proc.kill()
    logs = {zone: (tmp_path / f"{zone}.log").read_text(encoding="utf-8") for zone in ZONES}
    assert twin.returncode == 3, twin.stderr
    refusal = twin.stderr.strip()
    assert "another sweep of zone 'zone-a' is using the history database" in refusal
    assert f"pid {procs['zone-a'].pid} on " in refusal and len(refusal.splitlines()) == 1
    assert codes == {"zone-a": 1, "zone-b": 1, "zone-c": 0}, logs  # UCMA missing on EX03 and EX08

    with HistoryStore(settings(pg_url)) as store:
        assert store.zones() == ["zone-a", "zone-b", "zone-c"]
        for zone, numbers in ZONES.items():
            (only,) = store.list_runs(zone=zone)
            assert only.status is RunStatus.COMPLETE and only.finished_hosts == len(numbers)
            assert sorted(h.name for h in store.hosts(only.run_id)) == [f"EX{n:02d}" for n in numbers]

    out = tmp_path / "estate.json"
    env = dict(os.environ, PYTHONPATH=str(REPO), EXREADY_LANG="en")
    estate = subprocess.run(
        [sys.executable, "-m", "scanner", "estate", "--db", pg_url, "--json", str(out), "--csv",
         str(tmp_path / "estate.csv"), "--quiet"],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert estate.returncode == 1, estate.stdout + estate.stderr  # blocked hosts, every zone current
    report = read_json_report(out)  # the JSON a sweep writes, read back as a sweep's result
    names = [o.host.name for o in report.outcomes]
    assert sorted(names) == [f"EX{n:02d}" for n in range(1, 16)]  # every host of every zone, once
    zone_of = {o.host.name: [t for t in o.host.tags if t.startswith("zone:")] for o in report.outcomes}
    for zone, numbers in ZONES.items():
        assert all(zone_of[f"EX{n:02d}"] == [f"zone:{zone}"] for n in numbers)
    blocked = {c.host for c in report.cells if c.status.value == "BLOCKED"}
    assert blocked == {"EX03", "EX08"}
    with open(tmp_path / "estate.csv", encoding="utf-8-sig", newline="") as f:
        sites = {r["host"]: r["site"] for r in csv.DictReader(f)}
    assert sites["EX12"] == "zone-c/Paris"


def test_a_sweep_outlives_a_restart_of_the_database(
    pg_cluster: pg_cluster.Cluster, pg_url: str, tmp_path: Path
) -> None:
    slow: dict[str, Any] = {"kind": "slow", "delay_s": 0.7}
    hosts = [host(n, fault=slow) for n in range(1, 9)]
    with SimulatorThread(site_file(tmp_path / "site.yaml", hosts), tmp_path / "sim") as sim:
        sim.write_inventory(tmp_path / "inventory-zone-a.csv")
        config = zone_config(tmp_path, "zone-a", pg_url, concurrency=1)
        proc = start_sweep(config, tmp_path / "sweep.log")
        try:
            wait_for_hosts(pg_url, "zone-a", 2, proc)
            pg_cluster.stop()  # the scanner's session dies; hosts finish meanwhile
            time.sleep(1.5)
            pg_cluster.start()
            code = proc.wait(timeout=300)
        finally:
            if proc.poll() is None:
                proc.kill()
    log = (tmp_path / "sweep.log").read_text(encoding="utf-8")
    assert code == 0, log
    assert "keeping results in" in log and "went away during the sweep" in log
    with HistoryStore(settings(pg_url)) as store:
        (run,) = store.list_runs(zone="zone-a")
        assert run.status is RunStatus.COMPLETE
        assert run.finished_hosts == len(hosts)  # no host lost
        result = store.load_result(run.run_id)
    assert sorted(o.host.name for o in result.outcomes) == [f"EX{n:02d}" for n in range(1, 9)]
    assert all(o.kind.value == "ok" for o in result.outcomes)
    assert len(result.cells) == len(hosts) * len(result.roles)
    assert list((tmp_path / "spool-zone-a").glob("*.jsonl")) == []
