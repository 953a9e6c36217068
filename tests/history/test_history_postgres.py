"""What only the PostgreSQL history has: the password never in the URL, TLS verification by default off
loopback, one advisory lock per zone held by the server, the same schema as SQLite's."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pg_cluster
import psycopg
import pytest
from scan_samples import make_result
from typer.testing import CliRunner

from scanner.cli import build_app
from scanner.credentials import Secret
from scanner.errors import HistoryError
from scanner.history import schema
from scanner.history.backend import PgSettings, PostgresBackend, pg_conninfo
from scanner.history.store import HistoryStore, RunStatus

PG_PASSWORD = pg_cluster.PASSWORD  # a test's pg_cluster argument (the fixture) hides the module


def settings(url: str) -> PgSettings:
    return PgSettings(url=url, password=Secret(pg_cluster.PASSWORD))


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(build_app(), list(args))
    return result.exit_code, result.output


# ---- the URL and TLS rules (no server needed) ---------------------------------------------------


def test_a_password_in_the_url_is_refused_in_one_line_without_echoing_it() -> None:
    with pytest.raises(HistoryError, match="carries a password") as err:
        pg_conninfo(PgSettings(url="postgresql://exready:S3cret-Db@db.corp.example/exready"))
    assert "S3cret-Db" not in str(err.value) and "\n" not in str(err.value)
    with pytest.raises(HistoryError, match="carries a password"):
        pg_conninfo(PgSettings(url="postgresql://db.corp.example/exready?password=S3cret-Db"))


def test_the_command_line_refuses_a_password_in_the_url(tmp_path: Path) -> None:
    for args in (("history", "list"), ("diff",), ("sweep", "--inventory", str(tmp_path / "i.txt"))):
        code, out = run(*args, "--db", "postgresql://exready:S3cret-Db@127.0.0.1:1/exready")
        assert code == 3, out
        assert "carries a password" in out and "S3cret-Db" not in out
        assert len(out.strip().splitlines()) == 1


def test_tls_is_verified_by_default_off_loopback() -> None:
    params, label = pg_conninfo(PgSettings(url="postgresql://exready@db.corp.example/exready"))
    assert (params["sslmode"], params["sslrootcert"]) == ("verify-full", "system")
    assert label == "postgresql://exready@db.corp.example/exready"
    params, _ = pg_conninfo(
        PgSettings(url="postgresql://exready@db.corp.example/exready", ca_file=Path("/etc/exready/ca.pem"))
    )
    assert (params["sslmode"], params["sslrootcert"]) == ("verify-full", "/etc/exready/ca.pem")
    # a CA named for a loopback server asks for TLS too
    params, _ = pg_conninfo(PgSettings(url="postgresql://exready@127.0.0.1/x", ca_file=Path("ca.pem")))
    assert params["sslmode"] == "verify-full"
    # a loopback server without a CA: libpq's default
    params, _ = pg_conninfo(PgSettings(url="postgresql://exready@127.0.0.1/x"))
    assert "sslmode" not in params


@pytest.mark.parametrize("mode", ["require", "verify-ca", "prefer", "allow"])
def test_tls_without_verification_needs_to_be_asked_for(mode: str) -> None:
    url = f"postgresql://exready@db.corp.example/exready?sslmode={mode}"
    with pytest.raises(HistoryError, match=f"sslmode={mode}, which does not verify") as err:
        pg_conninfo(PgSettings(url=url))
    assert "\n" not in str(err.value)
    params, _ = pg_conninfo(PgSettings(url=url, insecure_skip_tls_verify=True))
    assert params["sslmode"] == mode


def test_the_password_comes_from_the_environment_or_a_file(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scanner.cli.history_db import history_location
    from scanner.sweep.config import HistoryConfig

    loc = history_location(pg_url)
    assert isinstance(loc, PgSettings) and loc.password is not None
    assert loc.password.reveal() == pg_cluster.PASSWORD and pg_cluster.PASSWORD not in repr(loc)
    monkeypatch.delenv("EXREADY_DB_PASSWORD")
    secret = tmp_path / "db.password"
    secret.write_text(pg_cluster.PASSWORD + "\n", encoding="utf-8")
    secret.chmod(0o600)
    loc = history_location(None, HistoryConfig(url=pg_url, password_file=secret))
    assert isinstance(loc, PgSettings)
    HistoryStore(loc).close()
    # libpq's own: a pgpass file
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"127.0.0.1:*:*:{pg_cluster.USER}:{pg_cluster.PASSWORD}\n", encoding="utf-8")
    pgpass.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    code, out = run("history", "list", "--db", pg_url)
    assert code == 0, out
    assert "no runs in postgresql://exready@127.0.0.1" in out


def test_a_wrong_password_is_one_line(pg_url: str) -> None:
    with pytest.raises(HistoryError, match="password authentication failed") as err:
        HistoryStore(PgSettings(url=pg_url, password=Secret("wrong")))
    assert "\n" not in str(err.value) and "wrong" not in str(err.value).replace("password", "")


# ---- schema ------------------------------------------------------------------------------------


def _columns_sqlite(path: Path) -> dict[str, list[str]]:
    conn = sqlite3.connect(path)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")]
    out = {t: [r[1] for r in conn.execute(f"PRAGMA table_info({t})")] for t in tables}
    conn.close()
    return out


def _columns_pg(url: str) -> dict[str, list[str]]:
    with psycopg.connect(url, password=pg_cluster.PASSWORD) as conn:
        rows = conn.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'"
            " ORDER BY table_name, ordinal_position"
        ).fetchall()
    out: dict[str, list[str]] = {}
    for table, column in rows:
        out.setdefault(table, []).append(column)
    return out


def test_both_backends_have_the_same_tables_views_and_columns(pg_url: str, tmp_path: Path) -> None:
    assert len(schema.MIGRATIONS) == len(schema.PG_MIGRATIONS)
    HistoryStore(tmp_path / "h.sqlite3").close()
    HistoryStore(settings(pg_url)).close()
    lite, pg = _columns_sqlite(tmp_path / "h.sqlite3"), _columns_pg(pg_url)
    pg["runs"].remove("seq")  # PostgreSQL's stand-in for SQLite's implicit rowid
    assert lite == pg
    assert {"estate_runs", "estate_verdicts", "estate_cells"} <= set(pg)


def test_a_version_1_postgresql_database_is_migrated_keeping_its_runs(pg_url: str) -> None:
    db = PostgresBackend(settings(pg_url))
    schema.migrate(db, schema.PG_MIGRATIONS[:1])
    db.execute(
        "INSERT INTO runs (id, started, status, exchange_version, inventory_source, tool_version)"
        " VALUES ('old', '2026-01-01T00:00:00+00:00', 'complete', '2013', 'file:a', '0.0.9')"
    )
    assert schema.current_version(db) == 1
    db.close()
    with HistoryStore(settings(pg_url)) as store:
        info = store.run_info("old")
        assert (info.exchange_version, info.cu, info.breaker_opened) == ("2013", None, False)
        assert store.summary("old").zone == "default"
    db = PostgresBackend(settings(pg_url))
    assert schema.current_version(db) == schema.SCHEMA_VERSION
    db.close()


def test_scanners_opening_a_new_database_at_once_migrate_it_once(pg_url: str) -> None:
    import threading

    errors: list[BaseException] = []
    ready = threading.Barrier(3)

    def open_it() -> None:
        ready.wait()
        try:
            HistoryStore(settings(pg_url)).close()
        except BaseException as exc:  # handed to the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with psycopg.connect(pg_url, password=pg_cluster.PASSWORD) as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(schema.SCHEMA_VERSION,)]


# ---- zone locks --------------------------------------------------------------------------------


def test_one_sweep_per_zone_several_zones_at_once(pg_url: str) -> None:
    paris, lyon = HistoryStore(settings(pg_url)), HistoryStore(settings(pg_url))
    paris.lock(0, "paris")
    lyon.lock(0, "lyon")  # another zone: no wait
    second = HistoryStore(settings(pg_url))
    with pytest.raises(HistoryError, match="another sweep of zone 'paris' is using the history database") as err:
        second.lock(0, "paris")
    message = str(err.value)
    assert "\n" not in message and "pid " in message and "--lock-wait" in message
    with pytest.raises(HistoryError, match="after waiting 0.3 s"):
        second.lock(0.3, "paris")
    paris.close()  # the server drops the lock with the session
    second.lock(0, "paris")
    second.close()
    lyon.close()


def test_a_killed_sweeps_lock_dies_with_its_session_and_its_run_is_abandoned(pg_url: str) -> None:
    result = make_result("run-1", ["EX01", "EX02"])
    sweep = HistoryStore(settings(pg_url))
    sweep.lock(0, "paris")
    sweep.begin_run(result.info, [o.host for o in result.outcomes], result.roles, zone="paris")
    with HistoryStore(settings(pg_url)) as reader:
        assert reader.summary("run-1").status is RunStatus.RUNNING
        # the scanner dies without closing anything: its backend is terminated
        with psycopg.connect(pg_url, password=pg_cluster.PASSWORD) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE application_name = 'exready' AND pid <> pg_backend_pid()"
                " AND pid = (SELECT l.pid FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted LIMIT 1)"
            )
        summary = reader.summary("run-1")
    assert summary.status is RunStatus.ABANDONED and summary.zone == "paris"
    with HistoryStore(settings(pg_url)) as next_sweep:
        next_sweep.lock(0, "paris")


def test_a_run_stays_in_its_zone(pg_url: str) -> None:
    result = make_result("run-1", ["EX01"])
    with HistoryStore(settings(pg_url)) as store:
        store.begin_run(result.info, [o.host for o in result.outcomes], zone="paris")
        with pytest.raises(HistoryError, match="belongs to zone 'paris', not 'lyon'"):
            store.begin_run(result.info, [], zone="lyon")
        with pytest.raises(HistoryError, match="zone 'a b'"):
            store.begin_run(make_result("run-2", ["EX01"]).info, [], zone="a b")


# ---- nothing is lost when the server goes away --------------------------------------------------


def test_results_are_kept_on_disk_while_the_server_is_down_and_delivered_when_it_is_back(
    pg_cluster: pg_cluster.Cluster, pg_url: str, tmp_path: Path
) -> None:
    from scanner.history.recorder import HistoryRecorder

    result = make_result("run-1", ["EX01", "EX02", "EX03", "EX04", "EX05"], {"EX04": ["UcmaRedistMsi"]})
    store = HistoryStore(settings(pg_url))
    store.lock(0, "paris")
    recorder = HistoryRecorder(store, result.roles, result.org, zone="paris", spool_dir=tmp_path / "spool")
    recorder.run_started(result.info, [o.host for o in result.outcomes])
    recorder.host_done(result.outcomes[0])
    assert recorder.recorded == 1
    pg_cluster.stop()
    try:
        recorder.host_done(result.outcomes[1])
        recorder.host_done(result.outcomes[2])
        assert recorder.failure is None and recorder.outage is not None
        assert recorder.kept == 2 and recorder.spool is not None and recorder.spool.path.exists()
        assert "EX03" in recorder.spool.path.read_text(encoding="utf-8")
    finally:
        pg_cluster.start()
    recorder.host_done(result.outcomes[3])  # kept too, in order, until a retry finds the server
    recorder.host_done(result.outcomes[4])
    recorder.run_done(result)
    recorder.settle(30)
    assert recorder.failure is None and recorder.spool is None
    assert recorder.delivered == 4 and recorder.recorded == 1
    assert list((tmp_path / "spool").iterdir()) == []
    with HistoryStore(settings(pg_url)) as reader:
        summary = reader.summary("run-1")
        assert (summary.status, summary.finished_hosts, summary.resumed) == (RunStatus.COMPLETE, 5, 0)
        loaded = reader.load_result("run-1")
        # the zone's lock was taken again on the new session
        with pytest.raises(HistoryError, match="another sweep of zone 'paris'"):
            reader.lock(0, "paris")
    assert list(loaded.outcomes) == list(result.outcomes) and list(loaded.cells) == list(result.cells)
    store.close()


def test_what_is_still_on_disk_at_the_end_is_delivered_by_the_next_sweep(
    pg_cluster: pg_cluster.Cluster, pg_url: str, tmp_path: Path
) -> None:
    from scanner.history.recorder import HistoryRecorder, deliver_pending

    spool = tmp_path / "spool"
    result = make_result("run-1", ["EX01", "EX02", "EX03"])
    store = HistoryStore(settings(pg_url))
    store.lock(0, "lyon")
    recorder = HistoryRecorder(store, result.roles, result.org, zone="lyon", spool_dir=spool)
    recorder.run_started(result.info, [o.host for o in result.outcomes])
    pg_cluster.stop()
    try:
        for outcome in result.outcomes:
            recorder.host_done(outcome)
        recorder.run_done(result)
        recorder.settle(0)
        assert recorder.failure is None and recorder.kept == 3
        kept = recorder.spool
        assert kept is not None and kept.path.exists()
    finally:
        pg_cluster.start()
    store.close()
    with HistoryStore(settings(pg_url)) as other_zone:  # another zone's sweep leaves lyon's file alone
        other_zone.lock(0, "paris")
        assert deliver_pending(other_zone, spool, "paris") == []
    with HistoryStore(settings(pg_url)) as next_sweep:
        next_sweep.lock(0, "lyon")
        lines = deliver_pending(next_sweep, spool, "lyon")
        assert len(lines) == 1 and "delivered 3 host result(s) of run run-1" in lines[0]
        assert "--resume" not in lines[0]  # the run's end was kept too
        summary = next_sweep.summary("run-1")
    assert (summary.status, summary.finished_hosts, summary.zone) == (RunStatus.COMPLETE, 3, "lyon")
    assert not kept.path.exists()


# ---- TLS to a real server ----------------------------------------------------------------------


def test_tls_verifies_the_servers_certificate_and_name(
    pg_cluster: pg_cluster.Cluster, pg_url: str, tmp_path: Path
) -> None:
    from scanner.simulator.certs import CertificateAuthority

    ca, stranger = CertificateAuthority("exready test database CA"), CertificateAuthority("another CA")
    issued = ca.issue("localhost", ["localhost"], [])  # the name only, not 127.0.0.1
    pg_cluster.enable_tls(issued.cert_pem, ca.leaf_key_pem())
    ca_file, stranger_file = ca.write(tmp_path / "ca.pem"), stranger.write(tmp_path / "other.pem")
    by_name = pg_url.replace("127.0.0.1", "localhost")

    tls = PgSettings(url=by_name, password=Secret(PG_PASSWORD), ca_file=ca_file)
    with HistoryStore(tls) as store:
        assert store.list_runs() == []
    db = PostgresBackend(tls)
    assert db.params["sslmode"] == "verify-full"
    assert db.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone()[0] is True
    db.close()

    wrong_name = PgSettings(url=pg_url, password=Secret(PG_PASSWORD), ca_file=ca_file)
    with pytest.raises(HistoryError, match="does not match host name") as err:
        HistoryStore(wrong_name)
    assert "\n" not in str(err.value)
    wrong_ca = PgSettings(url=by_name, password=Secret(PG_PASSWORD), ca_file=stranger_file)
    with pytest.raises(HistoryError, match="certificate verify failed"):
        HistoryStore(wrong_ca)


def test_change_management_reads_the_views_with_a_select_only_account(
    pg_cluster: pg_cluster.Cluster, pg_url: str
) -> None:
    with HistoryStore(settings(pg_url)) as store:
        store.save_result(make_result("paris-1", ["PA01", "PA02"], {"PA02": ["UcmaRedistMsi"]}), zone="paris")
    dbname = pg_url.rsplit("/", 1)[1]
    pg_cluster.psql("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'changemgmt') THEN "  # noqa: S608 - a test constant
                    f"CREATE ROLE changemgmt LOGIN PASSWORD '{PG_PASSWORD}'; END IF; END $$")
    with psycopg.connect(pg_url, password=PG_PASSWORD) as owner:  # as the README says, by the owner
        owner.execute(f'GRANT CONNECT ON DATABASE "{dbname}" TO changemgmt')
        owner.execute("GRANT USAGE ON SCHEMA public TO changemgmt")
        owner.execute("GRANT SELECT ON estate_runs, estate_cells, estate_verdicts TO changemgmt")
    reader_url = pg_url.replace("postgresql://exready@", "postgresql://changemgmt@")
    with psycopg.connect(reader_url, password=PG_PASSWORD) as reader:
        rows = reader.execute(
            "SELECT host, role, status, blocking_json FROM estate_cells"
            " WHERE zone = 'paris' AND status = 'BLOCKED' ORDER BY host, role"
        ).fetchall()
        assert rows == [("PA02", "ClientAccess", "BLOCKED", '["UcmaRedistMsi"]'),
                        ("PA02", "Mailbox", "BLOCKED", '["UcmaRedistMsi"]')]
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            reader.execute("SELECT * FROM runs")
        reader.rollback()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            reader.execute("DELETE FROM runs")


def test_a_refused_write_leaves_the_connection_usable(pg_url: str) -> None:
    result = make_result("run-1", ["EX01", "EX02"])
    with HistoryStore(settings(pg_url)) as store:
        with pytest.raises(HistoryError, match="cannot record host EX01") as err:
            store.record_outcome("no-such-run", result.outcomes[0])  # the run's row is missing
        assert "\n" not in str(err.value)
        store.save_result(result)
        assert store.summary("run-1").finished_hosts == 2


# ---- read-only commands ------------------------------------------------------------------------


def test_read_only_commands_open_postgresql_read_only_and_never_create_tables(pg_url: str) -> None:
    code, out = run("history", "list", "--db", pg_url)
    assert code == 3 and "is not an exready history database (it holds no table)" in out
    with psycopg.connect(pg_url, password=PG_PASSWORD) as conn:
        assert conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0] == 0
        conn.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
    code, out = run("estate", "--db", pg_url)
    assert code == 3 and "holds other tables: moz_places" in out
    with psycopg.connect(pg_url, password=PG_PASSWORD) as conn:
        conn.execute("DROP TABLE moz_places")
    with HistoryStore(settings(pg_url)) as store:
        store.save_result(make_result("run-1", ["EX01"]))
    with HistoryStore(settings(pg_url), read_only=True) as reader:
        assert [r.run_id for r in reader.list_runs()] == ["run-1"]
        with pytest.raises(HistoryError, match="read-only transaction"):
            reader.delete_run("run-1")
    code, out = run("history", "show", "last", "--db", pg_url)
    assert code == 0 and "run run-1: complete" in out
