from __future__ import annotations

import json
from pathlib import Path

import pytest
from scan_samples import db_arg, make_result
from typer.testing import CliRunner

from scanner.cli import build_app
from scanner.cli.history_db import open_history
from scanner.history.backend import PgSettings
from scanner.history.store import HistoryStore

HOSTS = ["EX01", "EX02", "EX03", "EX04", "EX05"]


@pytest.fixture
def db(location: Path | PgSettings, monkeypatch: pytest.MonkeyPatch) -> str:
    """Three nights in a SQLite file or a PostgreSQL database; what --db takes to open it."""
    monkeypatch.setenv("EXREADY_LANG", "en")
    with HistoryStore(location) as store:
        store.save_result(
            make_result("night-1", HOSTS, {"EX02": ["UcmaRedistMsi"]}, started="2026-11-19T01:00:00+00:00")
        )
        store.save_result(
            make_result(
                "night-2", HOSTS[:4], {"EX03": ["InstallWatermark"]}, started="2026-11-20T01:00:00+00:00"
            )
        )
        partial = make_result("night-3", HOSTS, started="2026-11-21T01:00:00+00:00")
        store.begin_run(partial.info, [o.host for o in partial.outcomes], partial.roles)
        store.record_outcome("night-3", partial.outcomes[0])  # then the process died
    return db_arg(location)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(build_app(), list(args))
    return result.exit_code, result.output


def test_history_list(db: str) -> None:
    code, out = run("history", "list", "--db", db)
    assert code == 0
    lines = out.splitlines()
    assert lines[2].split()[:3] == ["night-3", "2026-11-21T01:00:00+00:00", "abandoned"]
    assert "1/5" in lines[2]
    assert lines[3].split()[:3] == ["night-2", "2026-11-20T01:00:00+00:00", "complete"]
    assert "exready sweep --resume RUN" in out
    code, out = run("history", "list", "--db", db, "--json")
    assert [r["run_id"] for r in json.loads(out)] == ["night-3", "night-2", "night-1"]


def test_history_show_writes_reports_again(db: str, tmp_path: Path) -> None:
    html, findings = tmp_path / "r.html", tmp_path / "f.csv"
    code, out = run(
        "history", "show", "night-2", "--db", db, "--html", str(html), "--findings-csv", str(findings)
    )
    assert code == 0, out
    assert "run night-2: complete" in out
    assert "BLOCKED" in out
    page = html.read_text(encoding="utf-8")
    assert "Compared with run night-1" in page and "Hosts gone from the inventory (1)" in page
    assert "EX03" in findings.read_text(encoding="utf-8")


def test_history_show_of_a_killed_run_says_how_to_finish_it(db: str) -> None:
    code, out = run("history", "show", "last", "--db", db)
    assert code == 0
    assert "never reached its end" in out and "--resume night-3" in out
    assert "4 host(s) not finished: EX02, EX03, EX04, EX05" in out


def test_diff_defaults_to_the_last_two_complete_runs(db: str) -> None:
    code, out = run("diff", "--db", db)
    assert code == 0, out
    assert out.splitlines()[0].startswith("Run night-1 ")
    assert "Newly blocked (4):" in out and "Newly ready (2):" in out
    assert "Hosts gone from the inventory (1): EX05" in out
    code, out = run("diff", "night-2", "night-1", "--db", db, "--json", "-")
    data = json.loads(out)
    assert data["added_hosts"] == ["EX05"] and data["removed_hosts"] == []
    code, out = run("diff", "night-1", "--db", db, "--json", "-")
    assert json.loads(out)["new_run"] == "night-2"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("diff", "night-1", "night-3"), "run night-3 never reached its end"),
        (("diff", "night-2", "night-2"), "both sides are run night-2"),
        (("history", "show", "zzz"), "no run 'zzz'"),
        (("history", "show", "night"), "ambiguous"),
    ],
)
def test_bad_references_are_one_line_and_exit_3(db: str, args: tuple[str, ...], message: str) -> None:
    code, out = run(*args, "--db", db)
    assert code == 3
    assert message in out
    assert "Traceback" not in out and len(out.strip().splitlines()) == 1


def test_corrupt_database_is_one_line_and_exit_3(tmp_path: Path) -> None:
    bad = tmp_path / "h.sqlite3"
    bad.write_bytes(b"not sqlite at all" * 300)
    for args in (("history", "list"), ("diff",), ("sweep", "--inventory", str(tmp_path / "inv.txt"))):
        code, out = run(*args, "--db", str(bad))
        assert code == 3, out
        assert "is corrupt or not an exready history file" in out
        assert "Traceback" not in out


def test_second_sweep_on_a_locked_database_exits_3(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    holder = HistoryStore(db)
    holder.lock()
    try:
        code, out = run(
            "sweep", "--inventory", str(tmp_path / "inv.txt"), "--db", db, "--lock-wait", "0.3"
        )
    finally:
        holder.close()
    assert code == 3
    assert "another sweep is using the history database" in out and "after waiting 0.3 s" in out


def test_prune_keeps_the_newest_complete_run(db: str) -> None:
    code, out = run("history", "prune", "--keep", "1", "--vacuum", "--db", db)
    assert code == 0, out
    assert out.strip() == "deleted 1 run(s): night-1"  # night-3 is newest; night-2 is the diff baseline
    with open_history(db, create=False) as store:
        assert [r.run_id for r in store.list_runs()] == ["night-3", "night-2"]
        assert store.hosts("night-1") == []  # its rows went with it
    with open_history(db, create=True) as store:
        # older than the cut-off, but the newest complete run: kept as the diff baseline
        assert store.prune(before="2026-11-22T00:00:00+00:00") == ["night-3"]
        assert [r.run_id for r in store.list_runs()] == ["night-2"]
    code, out = run("history", "prune", "--db", db)
    assert code == 3 and "--keep N and/or --older-than DAYS" in out
