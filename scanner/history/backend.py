"""Where the history lives: a SQLite file (the embedded default) or a PostgreSQL database.

The store writes its SQL once, in SQLite's spelling (``?`` placeholders, ``rowid`` for insertion
order), and a backend turns it into its own dialect and maps its driver's errors onto HistoryError.
The differences are few and listed here: placeholders (``?`` vs ``%s``), the insertion-order column
(SQLite's implicit ``rowid`` vs an identity column ``seq``), the replace-on-conflict write, how a
write transaction starts, and how a table's existence is asked.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol, cast

from scanner.credentials import Secret
from scanner.errors import HistoryError, HistoryUnavailable

Row = tuple[Any, ...]


class Cursor(Protocol):
    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Backend(Protocol):
    """One open connection to one history database, speaking the store's SQL."""

    kind: str  # "sqlite" or "postgresql"
    where: str  # for messages: the file path, or the URL without any secret

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor: ...

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...

    def bulk_insert(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """Insert many rows at once (PostgreSQL: COPY)."""

    def begin(self, *, schema: bool = False, lazy: bool = False) -> None:
        """Start a write transaction; ``schema``: one that may change the schema (serialised);
        ``lazy``: its commit need not wait for the disk (see HistoryStore.record_outcome)."""

    def has_table(self, name: str) -> bool: ...

    def tables(self) -> set[str]:
        """The names of the database's tables (in the current schema, on PostgreSQL)."""
        ...

    def pipeline(self) -> AbstractContextManager[Any]:
        """Send the statements inside without waiting for each answer (where the driver can)."""
        ...

    def upsert(self, table: str, columns: Sequence[str], key: Sequence[str]) -> str:
        """An INSERT that replaces the row with the same ``key``."""

    @contextmanager
    def errors(self, action: str) -> Iterator[None]:
        """Map the driver's errors onto HistoryError (HistoryUnavailable: the server is gone)."""
        yield

    def close(self) -> None: ...


# ---- SQLite -------------------------------------------------------------------------------------


class SqliteBackend:
    kind = "sqlite"

    def __init__(self, path: Path, *, create: bool, read_only: bool = False) -> None:
        self.path = Path(path)
        self.where = str(self.path)
        if (not create or read_only) and not self.path.exists():
            raise HistoryError(f"no history database at {self.path} (run a sweep first, or give --db)")
        if self.path.exists() and self.path.is_dir():
            raise HistoryError(f"history database {self.path} is a directory")
        if create and not read_only:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise HistoryError(f"history database {self.path}: cannot create its folder {self.path.parent}: "
                                   f"{exc.strerror or exc}") from exc
        try:
            if read_only:
                uri = f"{self.path.resolve().as_uri()}?mode=ro"
                self.conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False,
                                            timeout=15.0)
            else:
                self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=15.0)
        except sqlite3.Error as exc:
            raise HistoryError(f"cannot open history database {self.path}: {exc}") from exc
        if read_only:
            return
        try:
            with self.errors("open"):
                self.conn.execute("PRAGMA foreign_keys = ON")
                self.conn.execute("PRAGMA journal_mode = WAL").fetchone()
                # NORMAL in WAL mode: a killed process loses nothing; a power cut may lose the last
                # commits but never consistency. FULL would fsync once per host.
                self.conn.execute("PRAGMA synchronous = NORMAL")
        except BaseException:
            self.conn.close()
            raise

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        return self.conn.execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.conn.executemany(sql, rows)

    def bulk_insert(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        marks = ", ".join("?" for _ in columns)
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608 - our names
        self.conn.executemany(sql, rows)

    def begin(self, *, schema: bool = False, lazy: bool = False) -> None:
        # synchronous=NORMAL already makes every commit lazy in WAL mode. IMMEDIATE takes the write
        # lock now, so two writers queue instead of failing at COMMIT.
        self.conn.execute("BEGIN IMMEDIATE")

    def has_table(self, name: str) -> bool:
        row = self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
        ).fetchone()
        return row is not None

    def tables(self) -> set[str]:
        return {str(r[0]) for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}

    def pipeline(self) -> AbstractContextManager[Any]:
        return nullcontext()  # in-process: there is no round trip to save

    def upsert(self, table: str, columns: Sequence[str], key: Sequence[str]) -> str:
        marks = ", ".join("?" for _ in columns)
        return f"INSERT OR REPLACE INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608 - our names

    @contextmanager
    def errors(self, action: str) -> Iterator[None]:
        try:
            yield
        except sqlite3.DatabaseError as exc:
            detail = str(exc)
            if "not a database" in detail or "malformed" in detail or "corrupt" in detail:
                raise HistoryError(
                    f"history database {self.path} is corrupt or not an exready history file ({detail})"
                ) from exc
            raise HistoryError(f"history database {self.path}: cannot {action}: {detail}") from exc

    def close(self) -> None:
        self.conn.close()


# ---- PostgreSQL ---------------------------------------------------------------------------------

URL_PREFIXES = ("postgresql://", "postgres://")

# Session advisory-lock keys live in exready's own space: the first 32 bits spell "exrd".
LOCK_SPACE = 0x65787264
MIGRATION_LOCK = 0  # the second key while the schema is being migrated


def is_postgres_url(text: str) -> bool:
    return text.strip().lower().startswith(URL_PREFIXES)


@dataclass(frozen=True, slots=True)
class PgSettings:
    """How to reach a PostgreSQL history database. The password never comes from the URL."""

    url: str
    password: Secret | None = None  # from the environment or a file; None: libpq's own (PGPASSWORD, pgpass, service)
    ca_file: Path | None = None  # TLS: the CA that signed the server's certificate (implies verify-full)
    insecure_skip_tls_verify: bool = False  # accept sslmode=require/verify-ca/prefer/allow in the URL
    connect_timeout: int = 10
    application_name: str = "exready"


_LOOPBACK = ("localhost", "127.", "::1")
_WEAK_SSLMODES = ("allow", "prefer", "require", "verify-ca")


def pg_conninfo(settings: PgSettings) -> tuple[dict[str, Any], str]:
    """The libpq connection parameters and a printable label (no secret). Raises HistoryError in one
    line for a URL that carries a password or asks for TLS without verification."""
    psycopg = _import_psycopg()
    try:
        params: dict[str, Any] = dict(psycopg.conninfo.conninfo_to_dict(settings.url.strip()))
    except psycopg.ProgrammingError:
        raise HistoryError("the history database URL is not a valid postgresql:// URL") from None
    if params.get("password"):
        raise HistoryError(
            "the history database URL carries a password: remove it, and give it in $PGPASSWORD, "
            "[history] password_env or password_file, or a pgpass or service file"
        )
    params.pop("password", None)
    host = str(params.get("host") or "")
    local = not host or host.startswith("/") or host.startswith(_LOOPBACK)
    sslmode = params.get("sslmode")
    if settings.ca_file is not None:
        params.setdefault("sslrootcert", str(settings.ca_file))
    if sslmode is None and os.environ.get("PGSSLMODE"):
        sslmode = os.environ["PGSSLMODE"]  # libpq reads it too; judged by the same rule below
    if sslmode is None:
        if params.get("sslrootcert") or not local:
            # TLS is asked for (a CA is named) or the server is on the network: verify the certificate
            # and the name, with the named CA or the system's trusted ones.
            params["sslmode"] = "verify-full"
            params.setdefault("sslrootcert", "system")
    elif sslmode in _WEAK_SSLMODES and not settings.insecure_skip_tls_verify and not local:
        raise HistoryError(
            f"the history database URL says sslmode={sslmode}, which does not verify the server's "
            "certificate and name: use sslmode=verify-full (with [history] ca_file), or set "
            "[history] insecure_skip_tls_verify = true"
        )
    params.setdefault("connect_timeout", settings.connect_timeout)
    params.setdefault("application_name", settings.application_name)
    if settings.password is not None:
        params["password"] = settings.password.reveal()
    label_host = host or "(local socket)"
    port = f":{params['port']}" if params.get("port") else ""
    user = f"{params['user']}@" if params.get("user") else ""
    label = f"postgresql://{user}{label_host}{port}/{params.get('dbname', '')}"
    return params, label


def _import_psycopg() -> Any:
    try:
        import psycopg
        import psycopg.conninfo  # noqa: F401 - a submodule the caller uses
    except ImportError:
        raise HistoryError(
            "a PostgreSQL history database needs psycopg: pip install 'exready[postgres]'"
        ) from None
    return psycopg


@lru_cache(maxsize=256)
def _to_pg(sql: str) -> str:
    """SQLite's spelling to PostgreSQL's. Our SQL has no '?', '%' or 'rowid' inside string literals."""
    return re.sub(r"\browid\b", "seq", sql.replace("%", "%%").replace("?", "%s"))


class PostgresBackend:
    kind = "postgresql"

    def __init__(self, settings: PgSettings, *, read_only: bool = False) -> None:
        self.settings = settings
        self.params, self.where = pg_conninfo(settings)
        if read_only:  # every transaction of the session refuses to write, as SQLite's mode=ro
            options = str(self.params.get("options") or "")
            self.params["options"] = (options + " -c default_transaction_read_only=on").strip()
        self._psycopg = _import_psycopg()
        self.conn: Any = None
        self.connect()

    def connect(self) -> None:
        """(Re)connect; the server may have restarted. Raises HistoryUnavailable if it is not back."""
        if self.conn is not None:
            with suppress(Exception):  # a dead connection's close may fail; it is dropped anyway
                self.conn.close()
            self.conn = None
        with self.errors("connect"):
            self.conn = self._psycopg.connect(autocommit=True, **self.params)

    @property
    def broken(self) -> bool:
        return self.conn is None or bool(self.conn.broken) or bool(self.conn.closed)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        if self.conn is None:
            raise HistoryUnavailable(f"history database {self.where}: not connected")
        cursor: Cursor = self.conn.execute(_to_pg(sql), tuple(params))
        return cursor

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        if self.conn is None:
            raise HistoryUnavailable(f"history database {self.where}: not connected")
        with self.conn.cursor() as cur:
            cur.executemany(_to_pg(sql), [tuple(r) for r in rows])

    def bulk_insert(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        if self.conn is None:
            raise HistoryUnavailable(f"history database {self.where}: not connected")
        with self.conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def begin(self, *, schema: bool = False, lazy: bool = False) -> None:
        self.execute("BEGIN")
        if lazy:
            self.execute("SET LOCAL synchronous_commit = off")
        if schema:  # two processes opening a new database must not both create the tables
            self.execute("SELECT pg_advisory_xact_lock(?, ?)", (LOCK_SPACE, MIGRATION_LOCK))

    def has_table(self, name: str) -> bool:
        # A scan of the catalog with this statement's snapshot, not to_regclass(): that one answers
        # from the session's cache, which can still say "no such table" after another session
        # created it and committed (seen when three scanners open a new database at once).
        row = self.execute(
            "SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relname = ? AND n.nspname = current_schema()",
            (name,),
        ).fetchone()
        return row is not None

    def tables(self) -> set[str]:
        rows = self.execute(
            "SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relkind IN ('r', 'p') AND n.nspname = current_schema()"
        ).fetchall()
        return {str(r[0]) for r in rows}

    def pipeline(self) -> AbstractContextManager[Any]:
        if self.conn is None:
            return nullcontext()
        return cast(AbstractContextManager[Any], self.conn.pipeline())

    def upsert(self, table: str, columns: Sequence[str], key: Sequence[str]) -> str:
        marks = ", ".join("?" for _ in columns)
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c not in key)
        return (  # our table and column names; values are parameters
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
            f" ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}"
        )

    @contextmanager
    def errors(self, action: str) -> Iterator[None]:
        psycopg = self._psycopg
        try:
            yield
        except psycopg.OperationalError as exc:
            # The server went away, refused us, or is restarting: a sweep keeps results locally.
            raise HistoryUnavailable(f"history database {self.where}: cannot {action}: {_one_line(exc)}") from exc
        except psycopg.Error as exc:
            if self.broken:
                raise HistoryUnavailable(
                    f"history database {self.where}: cannot {action}: {_one_line(exc)}"
                ) from exc
            self._abandon_transaction()
            raise HistoryError(f"history database {self.where}: cannot {action}: {_one_line(exc)}") from exc

    def _abandon_transaction(self) -> None:
        """A statement failed inside a pipelined transaction: the server skipped the rest, COMMIT
        included, and waits for a ROLLBACK before it takes anything else."""
        pq = self._psycopg.pq
        if self.conn is not None and self.conn.info.transaction_status != pq.TransactionStatus.IDLE:
            with suppress(Exception):
                self.conn.execute("ROLLBACK")

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            finally:
                self.conn = None


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:300] or type(exc).__name__
