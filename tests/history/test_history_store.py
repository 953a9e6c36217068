from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from scan_samples import make_host, make_result

from scanner.errors import HistoryError
from scanner.history import schema
from scanner.history.backend import PgSettings
from scanner.history.recorder import HistoryRecorder
from scanner.history.store import HistoryStore, RunStatus
from scanner.model.outcome import OutcomeKind


def test_round_trip_keeps_every_field(location: Path | PgSettings) -> None:
    result = make_result("run-1", ["EX01", "EX02", "EX03"], {"EX02": ["UcmaRedistMsi"]}, ["EX03"])
    with HistoryStore(location) as store:
        store.save_result(result)
    with HistoryStore(location, create=False) as store:
        loaded = store.load_result("run-1")
    assert loaded.info == result.info
    assert loaded.roles == result.roles
    assert list(loaded.outcomes) == list(result.outcomes)
    assert {h: list(v) for h, v in loaded.verdicts.items()} == {
        h: list(v) for h, v in result.verdicts.items()
    }
    assert list(loaded.cells) == list(result.cells)
    assert loaded.org == result.org


def test_database_is_in_wal_mode_with_a_schema_version(tmp_path: Path) -> None:
    with HistoryStore(tmp_path / "h.db") as store:
        assert store.journal_mode == "wal"
    conn = sqlite3.connect(tmp_path / "h.db")
    assert conn.execute("SELECT version FROM schema_version").fetchall() == [(schema.SCHEMA_VERSION,)]
    conn.close()


def test_migrates_an_empty_version_0_database(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    sqlite3.connect(path).close()  # an empty SQLite file: version 0
    conn = sqlite3.connect(path)
    assert schema.current_version(conn) == 0
    conn.close()
    with HistoryStore(path) as store:
        store.save_result(make_result("r", ["EX01"]))
        assert [s.run_id for s in store.list_runs()] == ["r"]


def test_migrates_a_version_1_database_keeping_its_runs(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    conn = sqlite3.connect(path, isolation_level=None)
    schema.migrate(conn, schema.MIGRATIONS[:1])  # as the first release left it
    conn.execute(
        "INSERT INTO runs (id, started, status, exchange_version, inventory_source, tool_version)"
        " VALUES ('old', '2026-01-01T00:00:00+00:00', 'complete', '2013', 'file:a', '0.0.9')"
    )
    conn.close()
    with HistoryStore(path) as store:
        info = store.run_info("old")
        assert (info.exchange_version, info.cu, info.breaker_opened) == ("2013", None, False)
    conn = sqlite3.connect(path)
    assert schema.current_version(conn) == schema.SCHEMA_VERSION
    conn.close()


def test_forward_migration_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    with HistoryStore(path) as store:
        store.save_result(make_result("r", ["EX01"]))
    extra = (*schema.MIGRATIONS, "ALTER TABLE runs ADD COLUMN note TEXT NOT NULL DEFAULT ''")
    conn = sqlite3.connect(path, isolation_level=None)
    assert schema.migrate(conn, extra) == schema.SCHEMA_VERSION
    assert schema.current_version(conn) == schema.SCHEMA_VERSION + 1
    assert conn.execute("SELECT id, note FROM runs").fetchall() == [("r", "")]
    conn.close()


def test_newer_schema_is_refused_with_one_line(location: Path | PgSettings) -> None:
    HistoryStore(location).close()
    if isinstance(location, PgSettings):
        import psycopg

        with psycopg.connect(location.url, password=location.password.reveal() if location.password else None) as pg:
            pg.execute("UPDATE schema_version SET version = 99")
    else:
        conn = sqlite3.connect(location)
        conn.execute("UPDATE schema_version SET version = 99")
        conn.commit()
        conn.close()
    with pytest.raises(HistoryError, match="newer exready") as err:
        HistoryStore(location)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    "content", [b"this is not a database\n" * 100, b"SQLite format 3\x00" + b"\xff" * 4000]
)
def test_corrupt_or_foreign_file_is_a_history_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "h.db"
    path.write_bytes(content)
    with pytest.raises(HistoryError, match="corrupt or not an exready history file") as err:
        HistoryStore(path)
    assert str(path) in str(err.value)
    assert "\n" not in str(err.value)


def test_missing_database_for_reading(tmp_path: Path) -> None:
    with pytest.raises(HistoryError, match="no history database"):
        HistoryStore(tmp_path / "none.db", create=False)
    assert not (tmp_path / "none.db").exists()


def test_second_sweep_fails_at_once_then_waits(location: Path | PgSettings) -> None:
    path = location
    first = HistoryStore(path)
    first.lock()
    second = HistoryStore(path)
    with pytest.raises(HistoryError, match="another sweep (of zone 'default' )?is using the history database") as err:
        second.lock(0)
    assert "pid" in str(err.value) and "--lock-wait" in str(err.value)

    released = threading.Event()

    def release_soon() -> None:
        time.sleep(0.5)
        first.close()
        released.set()

    threading.Thread(target=release_soon).start()
    second.lock(30)  # waits for the first to finish
    assert released.is_set()
    third = HistoryStore(path)
    with pytest.raises(HistoryError, match="after waiting 0.3 s"):
        third.lock(0.3)
    second.close()
    third.close()


def test_recorder_writes_each_host_then_finalises(location: Path | PgSettings) -> None:
    result = make_result("run-1", ["EX01", "EX02", "EX03"], {"EX01": ["InstallWatermark"]})
    hosts = [o.host for o in result.outcomes]
    store = HistoryStore(location)
    store.lock()
    recorder = HistoryRecorder(store, roles=result.roles)
    recorder.run_started(result.info, hosts)
    recorder.host_done(result.outcomes[0])
    # another reader sees the finished host while the sweep runs
    with HistoryStore(location, create=False) as reader:
        assert [h.name for h in reader.unfinished_hosts("run-1")] == ["EX02", "EX03"]
        assert [o.host.name for o in reader.finished_outcomes("run-1")] == ["EX01"]
        summary = reader.summary("run-1")
        assert summary.status is RunStatus.RUNNING
        assert (summary.hosts, summary.finished_hosts) == (3, 1)
    for outcome in result.outcomes[1:]:
        recorder.host_done(outcome)
    recorder.run_done(result)
    assert recorder.failure is None and recorder.recorded == 3
    assert store.summary("run-1").status is RunStatus.COMPLETE
    assert store.unfinished_hosts("run-1") == []
    store.close()


def test_unfinished_run_without_lock_is_abandoned_and_loads(location: Path | PgSettings) -> None:
    result = make_result("run-1", ["EX01", "EX02"])
    with HistoryStore(location) as store:
        store.begin_run(result.info, [o.host for o in result.outcomes], result.roles)
        store.record_outcome("run-1", result.outcomes[1])
    with HistoryStore(location, create=False) as store:
        summary = store.summary("run-1")
        assert summary.status is RunStatus.ABANDONED and summary.resumable
        loaded = store.load_result("run-1")
    assert [o.kind for o in loaded.outcomes] == [OutcomeKind.INTERRUPTED, OutcomeKind.OK]
    assert loaded.outcomes[0].host == make_host("EX01")
    assert loaded.outcomes[1] == result.outcomes[1]
    assert loaded.cells == []


def test_interrupted_and_not_attempted_hosts_are_resumable(location: Path | PgSettings) -> None:
    from dataclasses import replace

    result = make_result("run-1", ["EX01", "EX02", "EX03"], interrupted=True)
    outcomes = list(result.outcomes)
    outcomes[1] = replace(outcomes[1], kind=OutcomeKind.INTERRUPTED, facts=None)
    outcomes[2] = replace(outcomes[2], kind=OutcomeKind.NOT_ATTEMPTED, facts=None)
    with HistoryStore(location) as store:
        store.save_result(replace(result, outcomes=outcomes))
        assert store.summary("run-1").status is RunStatus.INTERRUPTED
        assert [h.name for h in store.unfinished_hosts("run-1")] == ["EX02", "EX03"]
        # a resume reopens the run; a complete run cannot be resumed
        store.begin_run(result.info, [])
        assert store.summary("run-1").resumed == 1
        store.finish_run(make_result("run-1", ["EX01", "EX02", "EX03"]))
        with pytest.raises(HistoryError, match="nothing to resume"):
            store.begin_run(result.info, [])


def test_resolve_run_references(location: Path | PgSettings) -> None:
    with HistoryStore(location) as store:
        store.save_result(make_result("20261120-a1", ["EX01"], started="2026-11-20T01:00:00+00:00"))
        store.save_result(make_result("20261121-b2", ["EX01"], started="2026-11-21T01:00:00+00:00"))
        store.save_result(make_result("20261121-c3", ["EX01"], started="2026-11-21T02:00:00+00:00"))
        assert store.resolve("last") == "20261121-c3"
        assert store.resolve("last~2") == "20261120-a1"
        assert store.resolve("20261120") == "20261120-a1"
        assert store.resolve("20261121-b2") == "20261121-b2"
        assert store.last_complete(2) == ["20261121-c3", "20261121-b2"]
        with pytest.raises(HistoryError, match="ambiguous"):
            store.resolve("20261121")
        with pytest.raises(HistoryError, match="no run 'zzz'"):
            store.resolve("zzz")
        with pytest.raises(HistoryError, match="3 run"):
            store.resolve("last~3")
        runs = store.list_runs()
    assert [r.run_id for r in runs] == ["20261121-c3", "20261121-b2", "20261120-a1"]
    assert runs[0].cells == {"READY": 4}


def test_recorder_keeps_a_write_failure_and_stops(location: Path | PgSettings) -> None:
    result = make_result("run-1", ["EX01", "EX02"])
    store = HistoryStore(location)
    recorder = HistoryRecorder(store)
    recorder.run_started(result.info, [o.host for o in result.outcomes])
    store.close()  # every later write fails
    recorder.host_done(result.outcomes[0])
    recorder.host_done(result.outcomes[1])
    recorder.run_done(result)
    assert isinstance(recorder.failure, HistoryError)
    assert recorder.recorded == 0


def test_ad_facts_are_kept_from_the_start_for_a_resume(location: Path | PgSettings) -> None:
    result = make_result("run-1", ["EX01", "EX02"])
    with HistoryStore(location) as store:
        recorder = HistoryRecorder(store, result.roles, org=result.org)
        recorder.run_started(result.info, [o.host for o in result.outcomes])
        recorder.host_done(result.outcomes[0])
    with HistoryStore(location, create=False) as store:  # the sweep died here
        assert store.load_result("run-1").org == result.org
        assert result.org.facts  # not the empty default


def test_a_host_s_tls_name_is_kept_so_a_resume_connects_the_same_way(tmp_path: Path) -> None:
    from dataclasses import replace

    result = make_result("run-1", ["EX01", "EX02"])
    named = replace(make_host("EX01"), tls_name="mail.corp.example")
    with HistoryStore(tmp_path / "h.db") as store:
        store.begin_run(result.info, [named, make_host("EX02")])
    with HistoryStore(tmp_path / "h.db", create=False) as store:
        hosts = store.unfinished_hosts("run-1")
    assert [(h.name, h.tls_name) for h in hosts] == [("EX01", "mail.corp.example"), ("EX02", None)]
    assert hosts[0] == named
