"""The history database schema and its forward migrations, for SQLite and for PostgreSQL.

The version lives in a one-row ``schema_version`` table. Version 0 is a database without it (a new,
empty file or database). Each migration moves one version forward inside one transaction, so a
database is always at exactly one known version; a database newer than this program is refused, never
guessed at. Both backends have the same versions with the same tables and columns: ``MIGRATIONS`` and
``PG_MIGRATIONS`` grow together, one step each per version.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scanner.history.backend import Backend, Cursor


# The documented, stable read-only views for change management's own tools (README: "The estate in
# SQL"). estate_runs: the latest complete run of each zone (ties on the start time go to the greater id).
ESTATE_VIEWS = """
    CREATE VIEW estate_runs AS
        SELECT r.zone, r.id AS run_id, r.started, r.finished, r.exchange_version, r.cu
        FROM runs r
        WHERE r.status = 'complete' AND NOT EXISTS (
            SELECT 1 FROM runs n WHERE n.zone = r.zone AND n.status = 'complete'
            AND (n.started > r.started OR (n.started = r.started AND n.id > r.id)));
    CREATE VIEW estate_verdicts AS
        SELECT e.zone, e.run_id, e.started AS run_started, v.host, v.rule_id, v.status, v.detail,
               v.reason
        FROM estate_runs e JOIN verdicts v ON v.run_id = e.run_id;
    CREATE VIEW estate_cells AS
        SELECT e.zone, e.run_id, e.started AS run_started, c.host, c.role, c.status, c.blocking_json,
               c.warnings_json, c.unknown_json, c.reason
        FROM estate_runs e JOIN cells c ON c.run_id = e.run_id
"""

# Migrations written the same for both backends (the others differ by dialect: see PG_MIGRATIONS).
_CU_AND_BREAKER = """
    ALTER TABLE runs ADD COLUMN cu INTEGER;
    ALTER TABLE runs ADD COLUMN breaker_opened INTEGER NOT NULL DEFAULT 0
    """
_TLS_NAME = """
    ALTER TABLE run_hosts ADD COLUMN tls_name TEXT
    """

# MIGRATIONS[i] takes a database from version i to version i + 1.
MIGRATIONS: Sequence[str] = (
    # 0 -> 1: runs, their inventory, per-host outcomes with raw facts, derived verdicts and cells.
    """
    CREATE TABLE runs (
        id               TEXT PRIMARY KEY,
        started          TEXT NOT NULL,
        finished         TEXT,
        status           TEXT NOT NULL CHECK (status IN ('running', 'complete', 'interrupted')),
        exchange_version TEXT NOT NULL,
        inventory_source TEXT NOT NULL,
        tool_version     TEXT NOT NULL,
        roles_json       TEXT NOT NULL DEFAULT '[]',
        org_json         TEXT,
        pid              INTEGER,
        resumed          INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE run_hosts (
        run_id    TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        position  INTEGER NOT NULL,
        name      TEXT NOT NULL,
        fqdn      TEXT,
        address   TEXT,
        site      TEXT,
        port      INTEGER,
        scheme    TEXT,
        auth      TEXT,
        source    TEXT NOT NULL DEFAULT '',
        is_dc     INTEGER NOT NULL DEFAULT 0,
        os        TEXT,
        tags_json TEXT NOT NULL DEFAULT '[]',
        PRIMARY KEY (run_id, name)
    );
    CREATE TABLE outcomes (
        run_id         TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        host           TEXT NOT NULL,
        kind           TEXT NOT NULL,
        reason         TEXT NOT NULL DEFAULT '',
        auth_mechanism TEXT,
        duration_s     REAL NOT NULL DEFAULT 0,
        facts_json     TEXT,
        recorded       TEXT NOT NULL,
        PRIMARY KEY (run_id, host)
    );
    CREATE TABLE verdicts (
        run_id        TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        host          TEXT NOT NULL,
        position      INTEGER NOT NULL,
        rule_id       TEXT NOT NULL,
        status        TEXT NOT NULL,
        detail        TEXT NOT NULL DEFAULT '',
        evidence_json TEXT NOT NULL DEFAULT '{}',
        reason        TEXT,
        PRIMARY KEY (run_id, host, rule_id)
    );
    CREATE TABLE cells (
        run_id        TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        position      INTEGER NOT NULL,
        host          TEXT NOT NULL,
        role          TEXT NOT NULL,
        status        TEXT NOT NULL,
        blocking_json TEXT NOT NULL DEFAULT '[]',
        warnings_json TEXT NOT NULL DEFAULT '[]',
        unknown_json  TEXT NOT NULL DEFAULT '[]',
        reason        TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (run_id, host, role)
    );
    CREATE INDEX runs_by_start ON runs (started);
    """,
    # 1 -> 2: the target cumulative update, and whether the authentication breaker stopped the run.
    _CU_AND_BREAKER,
    # 2 -> 3: the name a host's HTTPS certificate is checked for (the inventory's tls_name), so a resumed
    # sweep connects as the first part did.
    _TLS_NAME,
    # 3 -> 4: zones (each sweep covers one), and the read-only views of the latest verdicts per zone.
    """
    ALTER TABLE runs ADD COLUMN zone TEXT NOT NULL DEFAULT 'default';
    CREATE INDEX runs_by_zone ON runs (zone, started);
    CREATE TABLE zone_locks (
        zone   TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        since  TEXT NOT NULL
    );
    """ + ESTATE_VIEWS,
)

# The same versions for PostgreSQL. Differences: an identity column ``seq`` stands for SQLite's rowid
# (the insertion order that breaks ties between runs started in the same second); DOUBLE PRECISION for
# REAL (PostgreSQL's REAL is 4 bytes); ids and times in the "C" collation, so they sort bytewise as in
# SQLite whatever the database's locale.
PG_MIGRATIONS: Sequence[str] = (
    """
    CREATE TABLE runs (
        id               TEXT COLLATE "C" PRIMARY KEY,
        seq              BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
        started          TEXT COLLATE "C" NOT NULL,
        finished         TEXT COLLATE "C",
        status           TEXT NOT NULL CHECK (status IN ('running', 'complete', 'interrupted')),
        exchange_version TEXT NOT NULL,
        inventory_source TEXT NOT NULL,
        tool_version     TEXT NOT NULL,
        roles_json       TEXT NOT NULL DEFAULT '[]',
        org_json         TEXT,
        pid              INTEGER,
        resumed          INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE run_hosts (
        run_id    TEXT COLLATE "C" NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        position  INTEGER NOT NULL,
        name      TEXT COLLATE "C" NOT NULL,
        fqdn      TEXT,
        address   TEXT,
        site      TEXT,
        port      INTEGER,
        scheme    TEXT,
        auth      TEXT,
        source    TEXT NOT NULL DEFAULT '',
        is_dc     INTEGER NOT NULL DEFAULT 0,
        os        TEXT,
        tags_json TEXT NOT NULL DEFAULT '[]',
        PRIMARY KEY (run_id, name)
    );
    CREATE TABLE outcomes (
        run_id         TEXT COLLATE "C" NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        host           TEXT COLLATE "C" NOT NULL,
        kind           TEXT NOT NULL,
        reason         TEXT NOT NULL DEFAULT '',
        auth_mechanism TEXT,
        duration_s     DOUBLE PRECISION NOT NULL DEFAULT 0,
        facts_json     TEXT,
        recorded       TEXT NOT NULL,
        PRIMARY KEY (run_id, host)
    );
    CREATE TABLE verdicts (
        run_id        TEXT COLLATE "C" NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        host          TEXT COLLATE "C" NOT NULL,
        position      INTEGER NOT NULL,
        rule_id       TEXT COLLATE "C" NOT NULL,
        status        TEXT NOT NULL,
        detail        TEXT NOT NULL DEFAULT '',
        evidence_json TEXT NOT NULL DEFAULT '{}',
        reason        TEXT,
        PRIMARY KEY (run_id, host, rule_id)
    );
    CREATE TABLE cells (
        run_id        TEXT COLLATE "C" NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        position      INTEGER NOT NULL,
        host          TEXT COLLATE "C" NOT NULL,
        role          TEXT NOT NULL,
        status        TEXT NOT NULL,
        blocking_json TEXT NOT NULL DEFAULT '[]',
        warnings_json TEXT NOT NULL DEFAULT '[]',
        unknown_json  TEXT NOT NULL DEFAULT '[]',
        reason        TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (run_id, host, role)
    );
    CREATE INDEX runs_by_start ON runs (started);
    """,
    _CU_AND_BREAKER,
    _TLS_NAME,
    """
    ALTER TABLE runs ADD COLUMN zone TEXT COLLATE "C" NOT NULL DEFAULT 'default';
    CREATE INDEX runs_by_zone ON runs (zone, started);
    CREATE TABLE zone_locks (
        zone   TEXT COLLATE "C" PRIMARY KEY,
        holder TEXT NOT NULL,
        since  TEXT NOT NULL
    );
    """ + ESTATE_VIEWS,
)

SCHEMA_VERSION = len(MIGRATIONS)


class SchemaTooNew(Exception):
    def __init__(self, found: int, known: int) -> None:
        super().__init__(f"schema version {found}, this exready knows up to {known}")
        self.found = found
        self.known = known


def current_version(conn: Backend | sqlite3.Connection) -> int:
    db = _backend(conn)
    if not db.has_table("schema_version"):
        return 0
    found = db.execute("SELECT version FROM schema_version").fetchone()
    return int(found[0]) if found else 0


def migrations_for(db: Backend) -> Sequence[str]:
    return PG_MIGRATIONS if db.kind == "postgresql" else MIGRATIONS


def migrate(conn: Backend | sqlite3.Connection, migrations: Sequence[str] | None = None) -> int:
    """Bring the database up to ``len(migrations)``, one transaction per step; return the old version.

    ``conn`` must be in autocommit mode (a SQLite connection with isolation_level=None): each step is
    its own explicit transaction, taken so that two processes opening a new database do not both
    migrate (BEGIN IMMEDIATE on SQLite, a transaction advisory lock on PostgreSQL).
    """
    db = _backend(conn)
    steps = migrations if migrations is not None else migrations_for(db)
    target = len(steps)
    start = current_version(db)
    if start > target:
        raise SchemaTooNew(start, target)
    version = start
    while version < target:
        db.begin(schema=True)
        try:
            version = current_version(db)  # another process may have migrated while we waited
            if version >= target:
                db.execute("COMMIT")
                break
            if version == 0:
                db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            for statement in _statements(steps[version]):
                db.execute(statement)
            db.execute("DELETE FROM schema_version")
            db.execute("INSERT INTO schema_version (version) VALUES (?)", (version + 1,))
            db.execute("COMMIT")
        except BaseException:
            _rollback(db)
            raise
        version += 1
    return start


def _rollback(db: Backend) -> None:
    with suppress(Exception):  # the connection may be gone; the first error is the one to report
        db.execute("ROLLBACK")


def _statements(script: str) -> list[str]:
    # executescript() would COMMIT our transaction first; split instead (our DDL has no ';' in strings).
    return [s.strip() for s in script.split(";") if s.strip()]


def _backend(conn: Backend | sqlite3.Connection) -> Backend:
    return _RawSqlite(conn) if isinstance(conn, sqlite3.Connection) else conn


class _RawSqlite:
    """A bare sqlite3 connection seen as a Backend (the tests build old databases with one)."""

    kind = "sqlite"

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.where = "sqlite"

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        return self.conn.execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.conn.executemany(sql, rows)

    def bulk_insert(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        raise NotImplementedError

    def begin(self, *, schema: bool = False, lazy: bool = False) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def pipeline(self) -> AbstractContextManager[Any]:
        return nullcontext()

    def tables(self) -> set[str]:
        return {str(r[0]) for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}

    def has_table(self, name: str) -> bool:
        row = self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
        ).fetchone()
        return row is not None

    def upsert(self, table: str, columns: Sequence[str], key: Sequence[str]) -> str:
        raise NotImplementedError

    @contextmanager
    def errors(self, action: str) -> Iterator[None]:
        yield

    def close(self) -> None:
        self.conn.close()
