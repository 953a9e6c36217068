"""The history database schema and its forward migrations.

The version lives in a one-row ``schema_version`` table. Version 0 is a database without it (a new,
empty file). Each migration moves one version forward inside one transaction, so a database is
always at exactly one known version; a database newer than this program is refused, never guessed at.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

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
    """
    ALTER TABLE runs ADD COLUMN cu INTEGER;
    ALTER TABLE runs ADD COLUMN breaker_opened INTEGER NOT NULL DEFAULT 0
    """,
    # 2 -> 3: the name a host's HTTPS certificate is checked for (the inventory's tls_name), so a resumed
    # sweep connects as the first part did.
    """
    ALTER TABLE run_hosts ADD COLUMN tls_name TEXT
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)


class SchemaTooNew(Exception):
    def __init__(self, found: int, known: int) -> None:
        super().__init__(f"schema version {found}, this exready knows up to {known}")
        self.found = found
        self.known = known


def current_version(conn: sqlite3.Connection) -> int:
    row = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
    ).fetchone()
    if row is None:
        return 0
    found = conn.execute("SELECT version FROM schema_version").fetchone()
    return int(found[0]) if found else 0


def migrate(conn: sqlite3.Connection, migrations: Sequence[str] = MIGRATIONS) -> int:
    """Bring the database up to ``len(migrations)``, one transaction per step; return the old version.

    ``conn`` must be in autocommit mode (isolation_level=None): each step is its own explicit
    transaction, taken with BEGIN IMMEDIATE so two processes opening a new file do not both migrate.
    """
    target = len(migrations)
    start = current_version(conn)
    if start > target:
        raise SchemaTooNew(start, target)
    version = start
    while version < target:
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = current_version(conn)  # another process may have migrated while we waited
            if version >= target:
                conn.execute("COMMIT")
                break
            if version == 0:
                conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            for statement in _statements(migrations[version]):
                conn.execute(statement)
            conn.execute("DELETE FROM schema_version")
            conn.execute("INSERT INTO schema_version (version) VALUES (?)", (version + 1,))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        version += 1
    return start


def _statements(script: str) -> list[str]:
    # executescript() would COMMIT our transaction first; split instead (our DDL has no ';' in strings).
    return [s.strip() for s in script.split(";") if s.strip()]
