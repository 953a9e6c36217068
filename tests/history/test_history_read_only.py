"""Read-only commands never write: history list/show and diff open the database read-only and refuse, in
one line, a file that is not an exready history; they find the database a sweep configured (--config)."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from scan_samples import make_result
from typer.testing import CliRunner

from scanner.cli import EXIT_RUN_FAILED, build_app
from scanner.errors import HistoryError
from scanner.history.store import HistoryStore

HOSTS = ["EX01", "EX02"]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _foreign(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
    conn.execute("INSERT INTO moz_places (url) VALUES ('https://example.org/')")
    conn.commit()
    conn.close()
    return path


def _tables(path: Path) -> set[str]:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        conn.close()


COMMANDS = [["history", "list"], ["history", "show", "last"], ["diff"], ["show", "EX01"]]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c))
def test_another_programs_database_is_refused_and_left_as_it_was(tmp_path: Path, command: list[str]) -> None:
    other = _foreign(tmp_path / "other.db")
    before = _digest(other)
    result = CliRunner().invoke(build_app(), [*command, "--db", str(other)])
    assert result.exit_code == EXIT_RUN_FAILED, result.output
    assert result.output.splitlines() == [
        f"exready: error: {other} is not an exready history database (it holds other tables: moz_places); "
        "give another --db"]
    assert _digest(other) == before
    assert _tables(other) == {"moz_places"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]  # no -wal, -shm or lock file


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c))
def test_an_empty_file_is_refused_and_stays_empty(tmp_path: Path, command: list[str]) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    result = CliRunner().invoke(build_app(), [*command, "--db", str(empty)])
    assert result.exit_code == EXIT_RUN_FAILED, result.output
    assert result.output.splitlines() == [
        f"exready: error: {empty} is not an exready history database (it holds no table); run a sweep to "
        "create one, or give another --db"]
    assert empty.stat().st_size == 0


def test_prune_and_a_sweep_store_refuse_another_programs_database(tmp_path: Path) -> None:
    other = _foreign(tmp_path / "other.db")
    result = CliRunner().invoke(build_app(), ["history", "prune", "--keep", "1", "--db", str(other)])
    assert result.exit_code == EXIT_RUN_FAILED
    assert "is not an exready history database" in result.output
    with pytest.raises(HistoryError, match="not an exready history database"):
        HistoryStore(other)  # what a sweep opens: it creates its tables only in a new or empty file
    assert _tables(other) == {"moz_places"}


def test_reading_an_exready_history_does_not_change_it(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    with HistoryStore(db) as store:
        store.save_result(make_result("night-1", HOSTS, {}, started="2026-11-19T01:00:00+00:00"))
        store.save_result(make_result("night-2", HOSTS, {"EX02": ["UcmaRedistMsi"]},
                                      started="2026-11-20T01:00:00+00:00"))
    before = _digest(db)
    for command in (["history", "list"], ["history", "show", "last"], ["diff"]):
        result = CliRunner().invoke(build_app(), [*command, "--db", str(db)])
        assert result.exit_code == 0, result.output
    assert _digest(db) == before
    with HistoryStore(db, read_only=True) as reader, pytest.raises(HistoryError, match="readonly"):
        reader.delete_run("night-1")


def test_an_older_history_is_not_upgraded_by_a_read(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    HistoryStore(db).close()
    conn = sqlite3.connect(db)
    conn.execute("UPDATE schema_version SET version = 1")
    conn.commit()
    conn.close()
    before = _digest(db)
    result = CliRunner().invoke(build_app(), ["history", "list", "--db", str(db)])
    assert result.exit_code == EXIT_RUN_FAILED
    assert "written by an older exready (schema version 1" in result.output
    assert _digest(db) == before


def test_history_and_diff_find_the_database_a_sweep_configured(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EXREADY_DB", raising=False)
    monkeypatch.setenv("EXREADY_LANG", "en")
    db = tmp_path / "state" / "sweeps.sqlite3"
    db.parent.mkdir()
    with HistoryStore(db) as store:
        store.save_result(make_result("night-1", HOSTS, {}, started="2026-11-19T01:00:00+00:00"))
        store.save_result(make_result("night-2", HOSTS, {"EX02": ["UcmaRedistMsi"]},
                                      started="2026-11-20T01:00:00+00:00"))
    config = tmp_path / "sweep.toml"
    config.write_text(f'[inventory]\nfile = "servers.txt"\n[history]\ndb = "{db.as_posix()}"\n', encoding="utf-8")
    listed = CliRunner().invoke(build_app(), ["history", "list", "--config", str(config)])
    assert listed.exit_code == 0, listed.output
    assert "night-2" in listed.output and "night-1" in listed.output
    shown = CliRunner().invoke(build_app(), ["history", "show", "night-1", "-C", str(config), "--quiet"])
    assert shown.exit_code == 0 and shown.output.startswith("run night-1: complete"), shown.output
    changed = CliRunner().invoke(build_app(), ["diff", "--config", str(config)])
    assert changed.exit_code == 0 and "night-1" in changed.output and "night-2" in changed.output, changed.output
    # --db still wins over the configuration
    other = tmp_path / "none.db"
    result = CliRunner().invoke(build_app(), ["history", "list", "--config", str(config), "--db", str(other)])
    assert result.exit_code == EXIT_RUN_FAILED and "no history database at" in result.output
