"""Sweeps of the fleet simulator over real WinRM: history, diff after a site change, kill and resume."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from scanner import pipeline
from scanner.cli import build_app
from scanner.errors import HistoryError
from scanner.history.store import HistoryStore, RunStatus
from scanner.model.run import ScanResult
from scanner.simulator.profiles import baseline_document, seed_variants_document, write_site_file
from scanner.simulator.runner import SimulatorThread

pytestmark = pytest.mark.simulator

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "Sim-Lab-Pass-2026!"  # noqa: S105 - the simulated lab account


def site_file(path: Path, hosts: Sequence[dict[str, Any]]) -> Path:
    doc = {
        "name": "nightly",
        "seed": 7,
        "domain": {"dns": "contoso.test", "netbios": "CONTOSO"},
        "credentials": {"username": "svc-exready", "password": PASSWORD},
        "defaults": {"schemes": ["http"]},
        "baseline": baseline_document(),
        "variants": dict(seed_variants_document()),
        "hosts": list(hosts),
    }
    return write_site_file(doc, path)


def host(n: int, variant: str | None = None, **extra: Any) -> dict[str, Any]:
    h: dict[str, Any] = {"name": f"EX{n:02d}", "ad_site": "Paris", "address": f"127.23.0.{n}", **extra}
    if variant:
        h["variant"] = variant
    return h


def config_file(directory: Path, concurrency: int = 4) -> Path:
    path = directory / "site.toml"
    path.write_text(
        f"""
exchange = "2013"
[inventory]
file = "inventory.csv"
[credentials]
user = "svc-exready"
password_env = "EXREADY_TEST_PASSWORD"
[limits]
concurrency = {concurrency}
deadline = 30
[outputs]
dir = "out"
csv = "matrix-{{run_id}}.csv"
csv_dialect = "excel-fr"
findings_csv = "findings-{{run_id}}.csv"
html = "report-{{run_id}}.html"
log_json = "events.jsonl"
[history]
db = "history.sqlite3"
""",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("EXREADY_TEST_PASSWORD", PASSWORD)
    monkeypatch.setenv("EXREADY_LANG", "en")
    yield CliRunner()


def sweep(cli: CliRunner, *args: str) -> tuple[int, str]:
    result = cli.invoke(build_app(), ["sweep", "--no-progress", *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def comparable(result: ScanResult) -> dict[str, Any]:
    """Everything a sweep decides, without timings and ids."""
    return {
        "roles": result.roles,
        "outcomes": [(o.host, o.kind, o.reason, o.facts, o.auth_mechanism) for o in result.outcomes],
        "verdicts": {h: list(v) for h, v in result.verdicts.items()},
        "cells": list(result.cells),
        "org": result.org,
    }


def test_two_sweeps_around_a_site_change(tmp_path: Path, cli: CliRunner) -> None:
    config = config_file(tmp_path)
    before = [host(1, "ucma-missing"), host(2), host(3), host(4), host(5)]
    # the night after: EX01 got UCMA (fixed), EX02 a failed install (broken), EX03 decommissioned
    after = [host(1), host(2, "watermark"), host(4), host(5)]

    runs = []
    for name, hosts, extra in (("before", before, ()), ("after", after, ("--fail-on", "never"))):
        with SimulatorThread(site_file(tmp_path / f"{name}.yaml", hosts), tmp_path / f"sim-{name}") as sim:
            sim.write_inventory(tmp_path / "inventory.csv")
            code, output = sweep(cli, "--config", str(config), *extra)
        runs.append((code, output))
    assert runs[0][0] == 1, runs[0][1]  # some host blocked
    assert runs[1][0] == 0, runs[1][1]  # --fail-on never
    assert "since run" in runs[1][1]

    with HistoryStore(tmp_path / "history.sqlite3", create=False) as store:
        listed = store.list_runs()
        assert [r.status for r in listed] == [RunStatus.COMPLETE, RunStatus.COMPLETE]
        new_id, old_id = listed[0].run_id, listed[1].run_id
        new = store.load_result(new_id)

    diff = cli.invoke(build_app(), ["diff", "--db", str(tmp_path / "history.sqlite3"), "--json", "-"])
    assert diff.exit_code == 0, diff.output
    data = json.loads(diff.output)
    assert (data["old_run"], data["new_run"]) == (old_id, new_id)
    assert data["removed_hosts"] == ["EX03"]
    assert data["added_hosts"] == []
    assert {(r["host"], r["rule_id"], r["kind"]) for r in data["rule_changes"]} == {
        ("EX01", "UcmaRedistMsi", "cleared"),
        ("EX02", "InstallWatermark", "appeared"),
    }
    # only the fixed host got better and only the broken host got worse
    for change in data["cell_changes"]:
        if change["host"] == "EX01":
            assert change["kind"] in ("newly_ready", "other") and change["after"] != "BLOCKED"
        else:
            assert change["host"] == "EX02" and change["kind"] == "newly_blocked"
    # every server role; Setup does not run InstallWatermark for the management tools
    assert all(
        c.status.value == "BLOCKED" and "InstallWatermark" in c.blocking
        for c in new.cells_for("EX02") if c.role != "ManagementTools"
    )
    text = cli.invoke(build_app(), ["diff", "--db", str(tmp_path / "history.sqlite3")]).output
    assert "Hosts gone from the inventory (1): EX03" in text
    assert "InstallWatermark" in text

    # the handoff files of the second sweep
    out = tmp_path / "out"
    with open(out / f"matrix-{new_id}.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))
    assert rows[0][:5] == ["host", "fqdn", "site", "role", "verdict"]
    assert sorted({r[0] for r in rows[1:]}) == ["EX01", "EX02", "EX04", "EX05"]
    assert len(rows) == 1 + 4 * len(new.roles)
    with open(out / f"findings-{new_id}.csv", encoding="utf-8-sig", newline="") as f:
        findings = list(csv.DictReader(f, delimiter=";"))
    assert any(r["host"] == "EX02" and r["rule_id"] == "InstallWatermark" for r in findings)
    assert not any(r["host"] == "EX01" and r["rule_id"] == "UcmaRedistMsi" for r in findings)
    page = (out / f"report-{new_id}.html").read_text(encoding="utf-8")
    assert "Hosts gone from the inventory (1)" in page and old_id in page
    events = [json.loads(line) for line in (out / "events.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [e["event"] for e in events].count("host_done") == len(before) + len(after)
    assert PASSWORD not in (out / "events.jsonl").read_text(encoding="utf-8")


def wait_for_finished_hosts(
    db: Path, count: int, proc: subprocess.Popen[bytes], stderr: Path, timeout: float
) -> int:
    def tail() -> str:
        return stderr.read_bytes().decode(errors="replace")[-2000:] if stderr.exists() else ""

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the sweep ended early with exit code {proc.returncode}: {tail()}")
        if db.exists():
            try:
                with HistoryStore(db, create=False) as store:
                    runs = store.list_runs()
                    if runs and runs[0].finished_hosts >= count:
                        return runs[0].finished_hosts
            except HistoryError:
                pass  # the sweep is creating the database
        time.sleep(0.1)
    raise AssertionError(f"the sweep did not finish {count} hosts within {timeout} s: {tail()}")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_killed_sweep_resumes_to_the_uninterrupted_result(tmp_path: Path, cli: CliRunner) -> None:
    slow = {"kind": "slow", "delay_s": 1.0}
    hosts = [
        host(1, fault=slow),
        host(2, "ucma-missing", fault=slow),
        host(3, fault=slow),
        host(4, "caferole", fault=slow),
        host(5, "watermark", fault=slow),
        host(6, fault=slow),
        host(7, fault="refuse"),
    ]
    config = config_file(tmp_path, concurrency=1)
    db = tmp_path / "history.sqlite3"
    with SimulatorThread(site_file(tmp_path / "site.yaml", hosts), tmp_path / "sim") as sim:
        sim.write_inventory(tmp_path / "inventory.csv")
        env = dict(os.environ, EXREADY_TEST_PASSWORD=PASSWORD, PYTHONPATH=str(REPO))
        stderr_file = open(tmp_path / "sweep.stderr", "wb")  # noqa: SIM115 - closed below
        proc = subprocess.Popen(
            [sys.executable, "-m", "scanner", "sweep", "--config", str(config), "--no-progress", "--quiet"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr_file,
        )
        try:
            wait_for_finished_hosts(db, 2, proc, tmp_path / "sweep.stderr", timeout=90)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            stderr_file.close()
        assert proc.returncode == -signal.SIGKILL

        # the killed sweep left a readable database holding the hosts it finished
        with HistoryStore(db, create=False) as store:
            (killed,) = store.list_runs()
            assert killed.status is RunStatus.ABANDONED
            assert 2 <= killed.finished_hosts < len(hosts)
            unfinished = store.unfinished_hosts(killed.run_id)
            assert len(unfinished) == len(hosts) - killed.finished_hosts
            partial = store.load_result(killed.run_id)
            assert len(partial.outcomes) == len(hosts) and partial.cells == []

        # its finished hosts can be judged already, offline, from the stored facts
        shown = cli.invoke(build_app(), ["history", "show", "last", "--db", str(db), "--reevaluate"])
        assert shown.exit_code == 0, shown.output
        matrix_lines = [line for line in shown.output.splitlines() if line.startswith("EX0")]
        assert len(matrix_lines) == len(hosts)
        for line in matrix_lines:
            name = line.split()[0]
            assert ("UNKNOWN" in line) == (name not in {o.host.name for o in partial.outcomes if o.ok}), line

        code, output = sweep(cli, "--config", str(config), "--resume", "last")
        assert code == 2, output  # the refusing host is unknown
        # an uninterrupted sweep of the same site, for comparison, its sessions in two worker processes
        asked: list[int] = []
        real_workers = pipeline.effective_workers

        def recording(workers: int, hosts: int) -> int:
            asked.append(workers)
            return real_workers(workers, hosts)

        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(pipeline, "effective_workers", recording)
            code_full, output_full = sweep(cli, "--config", str(config), "--concurrency", "7", "--workers", "2")
        assert code_full == 2, output_full
        assert asked == [2]

    with HistoryStore(db, create=False) as store:
        full_summary, resumed_summary = store.list_runs()
        assert resumed_summary.run_id == killed.run_id
        assert resumed_summary.status is RunStatus.COMPLETE and resumed_summary.resumed == 1
        assert resumed_summary.finished_hosts == len(hosts)
        resumed = store.load_result(killed.run_id)
        full = store.load_result(full_summary.run_id)
    assert comparable(resumed) == comparable(full)
    # the resume scanned only what was left: the finished hosts kept their first outcomes
    # (an outcome kept from the killed run still has that run's exact duration)
    kept = {o.host.name: o for o in partial.outcomes if o.kind.value == "ok"}
    assert len(kept) >= 2
    assert [o for o in resumed.outcomes if o.host.name in kept] == list(kept.values())


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM delivery to a child is POSIX")
def test_sigterm_writes_everything_and_the_run_resumes(tmp_path: Path, cli: CliRunner) -> None:
    slow = {"kind": "slow", "delay_s": 1.0}
    hosts = [host(n, fault=slow) for n in range(1, 7)]
    config = config_file(tmp_path, concurrency=1)
    db = tmp_path / "history.sqlite3"
    with SimulatorThread(site_file(tmp_path / "site.yaml", hosts), tmp_path / "sim") as sim:
        sim.write_inventory(tmp_path / "inventory.csv")
        env = dict(os.environ, EXREADY_TEST_PASSWORD=PASSWORD, PYTHONPATH=str(REPO))
        with open(tmp_path / "sweep.stderr", "wb") as stderr:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "scanner",
                    "sweep",
                    "--config",
                    str(config),
                    "--no-progress",
                    "--quiet",
                ],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
            try:
                wait_for_finished_hosts(db, 2, proc, tmp_path / "sweep.stderr", timeout=90)
                proc.send_signal(signal.SIGTERM)
                assert proc.wait(timeout=60) == 143
            finally:
                if proc.poll() is None:
                    proc.kill()
        with HistoryStore(db, create=False) as store:
            (stopped,) = store.list_runs()
            assert stopped.status is RunStatus.INTERRUPTED
            result = store.load_result(stopped.run_id)
            left = store.unfinished_hosts(stopped.run_id)
        assert 0 < len(left) < len(hosts)
        assert {o.kind.value for o in result.outcomes if o.host in left} == {"interrupted"}
        assert len(result.cells) == len(hosts) * len(result.roles)  # the matrix was written, with UNKNOWNs
        with open(tmp_path / "out" / f"matrix-{stopped.run_id}.csv", encoding="utf-8-sig", newline="") as f:
            assert {r["host"] for r in csv.DictReader(f, delimiter=";")} == {h["name"] for h in hosts}

        code, output = sweep(cli, "--config", str(config), "--resume", stopped.run_id)
        assert code in (0, 1), output
    with HistoryStore(db, create=False) as store:
        (finished,) = store.list_runs()
        assert finished.status is RunStatus.COMPLETE and finished.finished_hosts == len(hosts)
        assert {o.kind.value for o in store.load_result(finished.run_id).outcomes} == {"ok"}
