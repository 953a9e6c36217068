"""A history database that fails under the sweep: an old run that cannot be read, a disk that fills
up. Tonight's reports are still written, the messages say what happened, and the run can be finished
with ``--resume``."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from scanner.cli import EXIT_RUN_FAILED, build_app
from scanner.errors import HistoryError
from scanner.history.store import HistoryStore, RunStatus
from scanner.simulator.profiles import baseline_document, seed_variants_document, write_site_file
from scanner.simulator.runner import SimulatorThread

pytestmark = pytest.mark.simulator

PASSWORD = "Sim-Lab-Pass-2026!"  # noqa: S105 - the simulated lab account
HOSTS = 6


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[SimulatorThread]:
    doc = {
        "name": "nightly", "seed": 7, "domain": {"dns": "contoso.test", "netbios": "CONTOSO"},
        "credentials": {"username": "svc-exready", "password": PASSWORD}, "defaults": {"schemes": ["http"]},
        "baseline": baseline_document(), "variants": dict(seed_variants_document()),
        "hosts": [{"name": f"EX{n:02d}", "ad_site": "Paris", "address": f"127.24.0.{n}"}
                  for n in range(1, HOSTS + 1)],
    }
    with SimulatorThread(write_site_file(doc, tmp_path / "site.yaml"), tmp_path / "sim") as running:
        running.write_inventory(tmp_path / "inventory.csv")
        yield running


def sweep(tmp_path: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(build_app(), [
        "sweep", "--inventory", str(tmp_path / "inventory.csv"), "--user", "svc-exready", "--concurrency", "2",
        "--db", str(tmp_path / "history.sqlite3"), "--no-progress", "--quiet", "--fail-on", "never", *args,
    ], env={"EXREADY_PASSWORD": PASSWORD, "EXREADY_LANG": "en"})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


@pytest.mark.parametrize("damage", [
    "UPDATE verdicts SET evidence_json = '{not json'",
    "UPDATE outcomes SET facts_json = '{not json'",
    "UPDATE cells SET blocking_json = '[1,'",
])
def test_an_unreadable_old_run_does_not_cost_tonights_html_report(
        sim: SimulatorThread, tmp_path: Path, damage: str) -> None:
    code, output = sweep(tmp_path)
    assert code == 0, output
    db = tmp_path / "history.sqlite3"
    with HistoryStore(db) as store:
        old = store.resolve("last")
    with sqlite3.connect(db) as conn:
        conn.execute(damage + " WHERE run_id = ?", (old,))
    code, output = sweep(tmp_path, "--html", str(tmp_path / "report.html"), "--json", str(tmp_path / "r.json"))
    assert code == 0, output
    assert (tmp_path / "report.html").is_file(), output
    assert (tmp_path / "r.json").is_file()
    assert "Traceback" not in output
    warning = [line for line in output.splitlines() if old in line and "changes" in line]
    assert warning, output  # one line says why the report has no changes since the previous run
    with HistoryStore(db) as store:
        new = store.resolve("last")
        assert new != old and store.summary(new).status is RunStatus.COMPLETE


def test_a_full_disk_leaves_the_run_resumable_and_says_so(
        sim: SimulatorThread, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = HistoryStore._write_outcome
    writes: list[str] = []

    def filling(db: sqlite3.Connection, run_id: str, outcome: Any) -> None:
        writes.append(outcome.host.name)
        if len(writes) > 2:  # the third host's write finds the disk full, and every one after it
            raise sqlite3.OperationalError("database or disk is full")
        real(db, run_id, outcome)

    monkeypatch.setattr(HistoryStore, "_write_outcome", staticmethod(filling))
    code, output = sweep(tmp_path, "--json", str(tmp_path / "r.json"))
    assert code == EXIT_RUN_FAILED, output
    assert (tmp_path / "r.json").is_file()  # the reports were written first
    assert "recorded as run" not in output
    assert "disk is full" in output and "--resume" in output, output
    db = tmp_path / "history.sqlite3"
    with HistoryStore(db) as store:
        run_id = store.resolve("last")
        assert store.summary(run_id).status is RunStatus.INTERRUPTED  # not "abandoned": nobody died
        assert len(store.unfinished_hosts(run_id)) == HOSTS - 2
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert report["run"]["run_id"] == run_id

    monkeypatch.setattr(HistoryStore, "_write_outcome", staticmethod(real))  # space freed
    code, output = sweep(tmp_path, "--resume", run_id)
    assert code == 0, output
    assert f"{HOSTS - 2} of {HOSTS} hosts left to scan" in output
    with HistoryStore(db) as store:
        assert store.summary(run_id).status is RunStatus.COMPLETE
        assert len(store.load_result(run_id).outcomes) == HOSTS


def test_a_disk_full_for_a_moment_still_records_the_whole_run(
        sim: SimulatorThread, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = HistoryStore.record_outcome
    calls: list[str] = []

    def once_full(store: HistoryStore, run_id: str, outcome: Any) -> None:
        calls.append(outcome.host.name)
        if len(calls) == 2:
            raise HistoryError("history database: cannot record host: database or disk is full")
        real(store, run_id, outcome)

    monkeypatch.setattr(HistoryStore, "record_outcome", once_full)
    code, output = sweep(tmp_path)
    assert code == 0, output
    assert "the whole run was stored at its end" in output and "recorded as run" in output
    with HistoryStore(tmp_path / "history.sqlite3") as store:
        run_id = store.resolve("last")
        assert store.summary(run_id).status is RunStatus.COMPLETE
        assert len(store.finished_outcomes(run_id)) == HOSTS
