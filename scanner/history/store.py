"""The history database: one SQLite file (WAL mode), or one PostgreSQL database, holding every sweep.

Each host outcome is written in its own transaction as the host finishes, so a sweep killed at any
point leaves a readable database holding every host that finished; the run stays "running" and
``unfinished_hosts`` says what a resume has to scan. Verdicts and cells are stored when the run
ends; they are derived data, and the raw facts kept per host can derive them again with today's
rules.

Every driver error is mapped onto HistoryError by the backend (scanner.history.backend), with the
database's name and one line; HistoryUnavailable says the server is gone for now.

Every run belongs to one zone (a part of the network one scanner covers; "default" when none is
named). Two sweeps of one zone never run at once: on SQLite a lock file beside the database (one sweep
at a time for the whole file), on PostgreSQL a session advisory lock per zone, so several scanners can
sweep their zones into one database at the same time.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import Any

from scanner.errors import FactsError, HistoryError
from scanner.history import codec
from scanner.history.backend import Backend, PgSettings, PostgresBackend, SqliteBackend
from scanner.history.lock import SweepLock, is_locked
from scanner.history.schema import SCHEMA_VERSION, SchemaTooNew, current_version, migrate
from scanner.history.zone_lock import DEFAULT_ZONE, ZoneLock, check_zone
from scanner.model.facts import OrgFacts
from scanner.model.host import AuthMethod, Host, Scheme
from scanner.model.matrix import Cell, CellStatus
from scanner.model.outcome import HostOutcome, OutcomeKind
from scanner.model.run import RunInfo, ScanResult
from scanner.model.verdict import Status, UnknownReason, Verdict

DB_FILE_NAME = "history.sqlite3"

# Outcomes a resume scans again: the host never got a real answer because the sweep stopped
# (interrupted) or chose not to try it (the authentication breaker).
RESUMABLE_KINDS = frozenset({OutcomeKind.INTERRUPTED, OutcomeKind.NOT_ATTEMPTED})

UNFINISHED_REASON = "the sweep stopped before this host finished"


def default_db_path() -> Path:
    """``history.sqlite3`` in the user's state directory (XDG_STATE_HOME on Linux, LOCALAPPDATA on
    Windows)."""
    import platformdirs  # imported here: nothing at import time

    return Path(platformdirs.user_state_dir("exready", appauthor=False)) / DB_FILE_NAME


class RunStatus(StrEnum):
    RUNNING = "running"  # a sweep is writing it now
    COMPLETE = "complete"
    INTERRUPTED = "interrupted"  # stopped by Ctrl-C or SIGTERM; outputs were written
    ABANDONED = "abandoned"  # "running" in the file, but no sweep holds the lock: the process died


@dataclass(frozen=True, slots=True)
class RunSummary:
    run_id: str
    started: str
    finished: str | None
    status: RunStatus
    exchange_version: str
    inventory_source: str
    tool_version: str
    hosts: int  # in the run's inventory
    finished_hosts: int  # with a final outcome
    cells: Mapping[str, int] = field(default_factory=dict)  # CellStatus value -> count
    resumed: int = 0
    zone: str = DEFAULT_ZONE

    @property
    def resumable(self) -> bool:
        return self.status is not RunStatus.COMPLETE and self.status is not RunStatus.RUNNING


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class HistoryStore:
    """An open history database. Not thread-safe; use it from one thread (the event loop's).

    ``location``: a SQLite file path, or PgSettings for a PostgreSQL database (see ``open_history``).
    """

    def __init__(self, location: Path | PgSettings, *, create: bool = True, read_only: bool = False) -> None:
        """``create``: make the SQLite file (and its folder) when missing. ``read_only``: for the commands
        that only read: the database is opened read-only (SQLite ``mode=ro``; PostgreSQL read-only
        transactions), must already be an exready history, and is never migrated (one written by an
        older exready is refused until a sweep upgrades it).

        A database that holds another program's tables, or (when only reading) no table at all, is
        refused in one line: exready never adds its tables to a database it did not create."""
        self._db: Backend
        self._pg: PostgresBackend | None = None
        if isinstance(location, PgSettings):
            self.path: Path | None = None
            self._pg = PostgresBackend(location, read_only=read_only)
            self._db = self._pg
        else:
            self.path = Path(location)
            self._db = SqliteBackend(self.path, create=create, read_only=read_only)
        self.where = self._db.where
        self._file_lock = SweepLock(self.path) if self.path is not None else None
        self._zone_lock = ZoneLock(self._pg) if self._pg is not None else None
        try:
            with self._errors("open"):
                self._check_is_history(read_only)
            if not read_only:
                self._migrate()
        except BaseException:
            self._db.close()
            raise

    def _migrate(self) -> None:
        with self._errors("open"):
            try:
                migrate(self._db)
            except SchemaTooNew as exc:
                raise HistoryError(
                    f"history database {self.where} was written by a newer exready ({exc}); "
                    "upgrade exready or use another --db"
                ) from None

    @property
    def backend(self) -> str:
        """"sqlite" or "postgresql"."""
        return self._db.kind

    def _check_is_history(self, read_only: bool) -> None:
        """An exready history has the schema_version and runs tables; a new one has no table at all."""
        tables = self._db.tables()
        if not tables and not read_only:
            return  # a new (or empty) file: the migration creates the tables
        if not tables:
            raise HistoryError(f"{self.where} is not an exready history database (it holds no table); "
                               "run a sweep to create one, or give another --db")
        if not {"schema_version", "runs"} <= tables:
            shown = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
            raise HistoryError(f"{self.where} is not an exready history database (it holds other tables: "
                               f"{shown}); give another --db")
        if read_only:
            version = current_version(self._db)
            if version > SCHEMA_VERSION:
                raise HistoryError(
                    f"history database {self.where} was written by a newer exready "
                    f"({SchemaTooNew(version, SCHEMA_VERSION)}); upgrade exready or use another --db")
            if version < SCHEMA_VERSION:
                raise HistoryError(
                    f"history database {self.where} was written by an older exready (schema version {version}, "
                    f"this one reads {SCHEMA_VERSION}); the next sweep on it upgrades it")

    # -- lifecycle --------------------------------------------------------------------------------

    def close(self) -> None:
        try:
            if self._file_lock is not None:
                self._file_lock.release()
            if self._zone_lock is not None:
                self._zone_lock.release()
        finally:
            self._db.close()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def lock(self, wait_s: float = 0.0, zone: str = DEFAULT_ZONE) -> None:
        """Take the one-sweep-at-a-time lock for ``zone`` (held until close). On SQLite the lock
        covers the whole file; on PostgreSQL one zone, held by the database server."""
        if self._zone_lock is not None:
            self._zone_lock.acquire(check_zone(zone), wait_s)
        elif self._file_lock is not None:
            self._file_lock.acquire(wait_s)

    @property
    def can_reconnect(self) -> bool:
        return self._pg is not None

    def reconnect(self) -> None:
        """Connect again after the server went away (PostgreSQL), and take the zone lock again if this
        store held it. Raises HistoryUnavailable while the server is still gone, HistoryError if
        another sweep of the zone took the lock meanwhile."""
        if self._pg is None:
            return
        self._pg.connect()
        if self._zone_lock is not None:
            self._zone_lock.reacquire()

    def _live(self, zone: str) -> bool:
        """Whether a sweep of ``zone`` holds its lock now (a "running" run without one is abandoned)."""
        if self._zone_lock is not None:
            return self._zone_lock.is_held_anywhere(zone)
        assert self.path is not None and self._file_lock is not None
        return self._file_lock.held or is_locked(self.path)

    @property
    def journal_mode(self) -> str:
        with self._errors("read"):
            if self._db.kind != "sqlite":
                return "postgresql"
            return str(self._db.execute("PRAGMA journal_mode").fetchone()[0])

    @contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        with self._db.errors(action):
            yield

    @contextmanager
    def _transaction(self, action: str, lazy: bool = False) -> Iterator[Backend]:
        with self._errors(action):
            self._db.begin(lazy=lazy)
            try:
                yield self._db
            except BaseException:
                with suppress(Exception):  # a dropped connection rolled back already
                    self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # -- writing ----------------------------------------------------------------------------------

    def begin_run(
        self,
        info: RunInfo,
        hosts: Sequence[Host],
        roles: Sequence[str] = (),
        org: OrgFacts | None = None,
        zone: str = DEFAULT_ZONE,
    ) -> None:
        """Record a new run of ``zone`` and its inventory; or, for a run id already stored and not
        complete, reopen it (a resume) and add any host it did not list. ``org`` (the AD facts the
        sweep judges with) is kept from the start, so a resume of a killed run judges with the same."""
        with self._transaction("record the run start") as db:
            row = db.execute("SELECT status, zone FROM runs WHERE id = ?", (info.run_id,)).fetchone()
            if row is None:
                db.execute(
                    "INSERT INTO runs (id, started, status, exchange_version, cu, inventory_source,"
                    " tool_version, roles_json, pid, zone) VALUES (?, ?, 'running', ?, ?, ?, ?, ?, ?, ?)",
                    (
                        info.run_id,
                        info.started_at,
                        info.exchange_version,
                        info.cu,
                        info.inventory_source,
                        info.tool_version,
                        json.dumps(list(roles)),
                        os.getpid(),
                        check_zone(zone),
                    ),
                )
            elif row[0] == RunStatus.COMPLETE:
                raise HistoryError(f"run {info.run_id} is complete; there is nothing to resume")
            elif row[1] != zone:
                raise HistoryError(
                    f"run {info.run_id} belongs to zone {row[1]!r}, not {zone!r}: "
                    "a sweep writes only its own zone's hosts"
                )
            else:
                db.execute(
                    "UPDATE runs SET status = 'running', finished = NULL, pid = ?, resumed = resumed + 1"
                    " WHERE id = ?",
                    (os.getpid(), info.run_id),
                )
            if org is not None:
                db.execute(
                    "UPDATE runs SET org_json = ? WHERE id = ?", (codec.org_facts_to_json(org), info.run_id)
                )
            start = int(
                db.execute(
                    "SELECT COALESCE(MAX(position) + 1, 0) FROM run_hosts WHERE run_id = ?", (info.run_id,)
                ).fetchone()[0]
            )
            db.executemany(  # one statement per host, pipelined on PostgreSQL
                "INSERT INTO run_hosts (run_id, position, name, fqdn, address, site, port, scheme, auth,"
                " source, is_dc, os, tags_json, tls_name) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?"
                " WHERE NOT EXISTS (SELECT 1 FROM run_hosts WHERE run_id = ? AND name = ?)",
                [(info.run_id, start + offset, *_host_values(host), info.run_id, host.name)
                 for offset, host in enumerate(hosts)],
            )

    def ensure_run(
        self, info: RunInfo, hosts: Sequence[Host], roles: Sequence[str], org: OrgFacts | None, zone: str
    ) -> None:
        """``begin_run`` for results kept while the database was unreachable: record the run if it
        is not there, else only add the hosts it lacks (not a resume: the same sweep goes on)."""
        with self._transaction("record the run start") as db:
            row = db.execute("SELECT status FROM runs WHERE id = ?", (info.run_id,)).fetchone()
            if row is not None:
                db.executemany(
                    _INSERT_HOST_IF_MISSING,
                    [(info.run_id, info.run_id, *_host_values(h), info.run_id, h.name) for h in hosts],
                )
                return
        self.begin_run(info, hosts, roles, org, zone)

    def record_outcome(self, run_id: str, outcome: HostOutcome) -> None:
        """One host's outcome, in its own transaction: two statements that need no answer before the
        next, so a server on the network gets them in one round trip (PostgreSQL's pipeline mode).

        The commit does not wait for the disk (PostgreSQL: synchronous_commit off for this
        transaction; SQLite: synchronous=NORMAL in WAL mode). A killed scanner loses nothing; a crash
        of the database server (or a power cut) may lose the last fraction of a second of host
        results, never consistency, and the run's end writes every outcome again, durably. Waiting
        for the disk would cost one flush per host on the sweep's event loop (5 ms on the benchmark
        machine, a quarter of a 5,000-host sweep's time)."""
        action = f"record host {outcome.host.name}"
        with self._errors(action), self._db.pipeline(), self._transaction(action, lazy=True) as db:
            db.execute(
                _INSERT_HOST_IF_MISSING, (run_id, run_id, *_host_values(outcome.host), run_id, outcome.host.name)
            )
            self._write_outcome(db, run_id, outcome)

    def finish_run(self, result: ScanResult) -> None:
        """Store the final result: every outcome, the verdicts, the cells, the organisation facts."""
        info = result.info
        status = RunStatus.INTERRUPTED if info.interrupted else RunStatus.COMPLETE
        with self._transaction("record the run end") as db:
            if db.execute("SELECT 1 FROM runs WHERE id = ?", (info.run_id,)).fetchone() is None:
                raise HistoryError(f"run {info.run_id} was never started in {self.where}")
            db.execute(
                "UPDATE runs SET status = ?, finished = ?, roles_json = ?, org_json = ?,"
                " exchange_version = ?, cu = ?, breaker_opened = ?, inventory_source = ?, tool_version = ?"
                " WHERE id = ?",
                (
                    status.value,
                    info.finished_at or _now(),
                    json.dumps(list(result.roles)),
                    codec.org_facts_to_json(result.org),
                    info.exchange_version,
                    info.cu,
                    int(info.breaker_opened),
                    info.inventory_source,
                    info.tool_version,
                    info.run_id,
                ),
            )
            db.executemany(
                _INSERT_HOST_IF_MISSING,
                [(info.run_id, info.run_id, *_host_values(o.host), info.run_id, o.host.name)
                 for o in result.outcomes],
            )
            with db.pipeline():  # one round trip for all of them on PostgreSQL
                for outcome in result.outcomes:
                    self._write_outcome(db, info.run_id, outcome)
            db.execute("DELETE FROM verdicts WHERE run_id = ?", (info.run_id,))
            db.execute("DELETE FROM cells WHERE run_id = ?", (info.run_id,))
            db.bulk_insert(
                "verdicts",
                ("run_id", "host", "position", "rule_id", "status", "detail", "evidence_json", "reason"),
                (
                    (
                        info.run_id,
                        host,
                        i,
                        v.rule_id,
                        v.status.value,
                        v.detail,
                        codec.dumps(dict(v.evidence)),
                        v.reason.value if v.reason else None,
                    )
                    for host, verdicts in result.verdicts.items()
                    for i, v in enumerate(verdicts)
                ),
            )
            db.bulk_insert(
                "cells",
                ("run_id", "position", "host", "role", "status", "blocking_json", "warnings_json",
                 "unknown_json", "reason"),
                (
                    (
                        info.run_id,
                        i,
                        c.host,
                        c.role,
                        c.status.value,
                        json.dumps(list(c.blocking)),
                        json.dumps(list(c.warnings)),
                        json.dumps(list(c.unknown)),
                        c.reason,
                    )
                    for i, c in enumerate(result.cells)
                ),
            )

    def mark_interrupted(self, run_id: str) -> None:
        """Close a run whose history could not be written whole (a full disk): one small update, so
        that it reads as an interrupted run to resume, not as a sweep that died."""
        with self._transaction("record the run end") as db:
            db.execute(
                "UPDATE runs SET status = ?, finished = ? WHERE id = ? AND status = 'running'",
                (RunStatus.INTERRUPTED.value, _now(), run_id),
            )

    def save_result(
        self, result: ScanResult, hosts: Sequence[Host] | None = None, zone: str = DEFAULT_ZONE
    ) -> None:
        """Store a whole result at once (an imported JSON report, or a sweep run without a recorder)."""
        self.begin_run(
            result.info, hosts if hosts is not None else [o.host for o in result.outcomes], zone=zone
        )
        self.finish_run(result)

    @staticmethod
    def _write_outcome(db: Backend, run_id: str, outcome: HostOutcome) -> None:
        db.execute(db.upsert("outcomes", _OUTCOME_COLUMNS, ("run_id", "host")), _outcome_values(run_id, outcome))

    # -- reading ----------------------------------------------------------------------------------

    def list_runs(self, limit: int | None = None, zone: str | None = None) -> list[RunSummary]:
        """Newest first; only ``zone``'s runs when one is named."""
        where = " WHERE r.zone = ?" if zone is not None else ""
        params: list[Any] = sorted(k.value for k in RESUMABLE_KINDS)
        if zone is not None:
            params.append(zone)
        if limit is not None:
            params.append(limit)
        with self._errors("list runs"):
            rows = self._db.execute(  # only fixed clauses are joined; values are parameters
                "SELECT r.id, r.started, r.finished, r.status, r.exchange_version, r.inventory_source,"  # noqa: S608
                " r.tool_version, r.resumed,"
                " (SELECT COUNT(*) FROM run_hosts h WHERE h.run_id = r.id),"
                " (SELECT COUNT(*) FROM outcomes o WHERE o.run_id = r.id AND o.kind NOT IN (?, ?)),"
                f" r.zone FROM runs r{where} ORDER BY r.started DESC, r.rowid DESC"
                + (" LIMIT ?" if limit is not None else ""),
                params,
            ).fetchall()
            counts: dict[str, dict[str, int]] = {}
            for r in rows:  # per run, through the primary key: the table holds every night's cells
                for status, n in self._db.execute(
                    "SELECT status, COUNT(*) FROM cells WHERE run_id = ? GROUP BY status", (r[0],)
                ):
                    counts.setdefault(r[0], {})[status] = int(n)
            live = {z: self._live(z) for z in {r[10] for r in rows if r[3] == RunStatus.RUNNING}}
        out = []
        for r in rows:
            status = RunStatus(r[3])
            if status is RunStatus.RUNNING and not live.get(r[10], False):
                status = RunStatus.ABANDONED
            out.append(
                RunSummary(
                    run_id=r[0],
                    started=r[1],
                    finished=r[2],
                    status=status,
                    exchange_version=r[4],
                    inventory_source=r[5],
                    tool_version=r[6],
                    resumed=int(r[7]),
                    hosts=int(r[8]),
                    finished_hosts=int(r[9]),
                    cells=counts.get(r[0], {}),
                    zone=r[10],
                )
            )
        return out

    def summary(self, run_id: str) -> RunSummary:
        for s in self.list_runs():
            if s.run_id == run_id:
                return s
        raise HistoryError(f"no run {run_id!r} in {self.where}")

    def zones(self) -> list[str]:
        """Every zone with a run, in name order."""
        with self._errors("list zones"):
            return sorted(str(r[0]) for r in self._db.execute("SELECT DISTINCT zone FROM runs"))

    def run_zone(self, run_id: str) -> str:
        with self._errors("read the run"):
            row = self._db.execute("SELECT zone FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise HistoryError(f"no run {run_id!r} in {self.where}")
        return str(row[0])

    def resolve(self, ref: str, zone: str | None = None) -> str:
        """A run id from what a user types: ``last``, ``last~N`` (N runs before the last), a full id,
        or an unambiguous prefix of one. ``last`` counts only ``zone``'s runs when one is named."""
        ref = ref.strip()
        where = " WHERE zone = ?" if zone is not None else ""
        with self._errors("find runs"):
            ids: list[str] = [
                str(r[0])
                for r in self._db.execute(  # a fixed clause; the zone is a parameter
                    f"SELECT id FROM runs{where} ORDER BY started DESC, rowid DESC",  # noqa: S608
                    (zone,) if zone is not None else (),
                )
            ]
        scope = f" for zone {zone!r}" if zone is not None else ""
        if not ids:
            raise HistoryError(f"no runs recorded{scope} in {self.where} yet")
        if ref == "last" or ref.startswith("last~"):
            back = ref.removeprefix("last").removeprefix("~") or "0"
            if not back.isdigit() or int(back) >= len(ids):
                raise HistoryError(f"no run {ref!r}: {len(ids)} run(s) recorded{scope} in {self.where}")
            return ids[int(back)]
        if ref in ids:
            return ref
        matches = [i for i in ids if i.startswith(ref)] if ref else []
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise HistoryError(f"run {ref!r} is ambiguous: it starts {len(matches)} run ids")
        raise HistoryError(f"no run {ref!r}{scope} in {self.where} (see `exready history list`)")

    def last_complete(self, count: int = 2, zone: str | None = None) -> list[str]:
        """The ``count`` newest complete runs (of ``zone`` when one is named), newest first."""
        where = " AND zone = ?" if zone is not None else ""
        with self._errors("find runs"):
            return [
                str(r[0])
                for r in self._db.execute(  # a fixed clause; the zone is a parameter
                    f"SELECT id FROM runs WHERE status = 'complete'{where}"  # noqa: S608
                    " ORDER BY started DESC, rowid DESC LIMIT ?",
                    (zone, count) if zone is not None else (count,),
                )
            ]

    def durations(self, run_id: str) -> dict[str, tuple[str, float]]:
        """Each recorded host's outcome kind and how long it took, without its facts: what the next
        sweep needs to start last time's slow hosts first."""
        with self._errors("read outcomes"):
            rows = self._db.execute(
                "SELECT host, kind, duration_s FROM outcomes WHERE run_id = ?", (run_id,)).fetchall()
        return {str(name): (str(kind), float(duration or 0.0)) for name, kind, duration in rows}

    def previous_complete(self, run_id: str) -> str | None:
        """The newest complete run of the same zone that started before ``run_id`` (what "changes
        since the previous sweep" compares with), or None."""
        with self._errors("find runs"):
            row = self._db.execute(
                "SELECT p.id FROM runs p, runs r WHERE r.id = ? AND p.id != r.id AND p.status = 'complete'"
                " AND p.zone = r.zone"
                " AND (p.started < r.started OR (p.started = r.started AND p.rowid < r.rowid))"
                " ORDER BY p.started DESC, p.rowid DESC LIMIT 1",
                (run_id,),
            ).fetchone()
        return str(row[0]) if row else None

    def run_info(self, run_id: str) -> RunInfo:
        with self._errors("read the run"):
            row = self._db.execute(
                "SELECT id, started, finished, status, exchange_version, inventory_source, tool_version,"
                " cu, breaker_opened FROM runs WHERE id = ?",
                (run_id,),
            ).fetchone()
        if row is None:
            raise HistoryError(f"no run {run_id!r} in {self.where}")
        return RunInfo(
            run_id=row[0],
            started_at=row[1],
            finished_at=row[2] or "",
            exchange_version=row[4],
            inventory_source=row[5],
            tool_version=row[6],
            interrupted=row[3] != RunStatus.COMPLETE,
            cu=row[7],
            breaker_opened=bool(row[8]),
        )

    def hosts(self, run_id: str) -> list[Host]:
        """The run's inventory, in order."""
        with self._errors("read the run's hosts"):
            rows = self._db.execute(
                "SELECT name, fqdn, address, site, port, scheme, auth, source, is_dc, os, tags_json, tls_name"
                " FROM run_hosts WHERE run_id = ? ORDER BY position",
                (run_id,),
            ).fetchall()
        return [_host_from_row(r) for r in rows]

    def outcomes(self, run_id: str) -> dict[str, HostOutcome]:
        """Recorded outcomes by host name (hosts still unfinished are absent)."""
        hosts = {h.name: h for h in self.hosts(run_id)}
        with self._errors("read outcomes"):
            rows = self._db.execute(
                "SELECT host, kind, reason, auth_mechanism, duration_s, facts_json FROM outcomes"
                " WHERE run_id = ?",
                (run_id,),
            ).fetchall()
        out: dict[str, HostOutcome] = {}
        for name, kind, reason, mech, duration, facts_json in rows:
            try:
                facts = codec.host_facts_from_json(facts_json) if facts_json else None
            except (ValueError, FactsError) as exc:
                raise HistoryError(
                    f"history database {self.where}: stored facts of {name} are unreadable ({exc})"
                ) from exc
            out[name] = HostOutcome(
                host=hosts.get(name) or Host(name=name),
                kind=OutcomeKind(kind),
                reason=reason,
                facts=facts,
                auth_mechanism=mech,
                duration_s=duration,
            )
        return out

    def finished_outcomes(self, run_id: str) -> list[HostOutcome]:
        """Outcomes a resume keeps, in inventory order."""
        done = self.outcomes(run_id)
        return [
            done[h.name]
            for h in self.hosts(run_id)
            if h.name in done and done[h.name].kind not in RESUMABLE_KINDS
        ]

    def unfinished_hosts(self, run_id: str) -> list[Host]:
        """Hosts a resume must scan: no outcome yet, or interrupted, or not attempted; inventory order."""
        done = self.outcomes(run_id)
        return [h for h in self.hosts(run_id) if h.name not in done or done[h.name].kind in RESUMABLE_KINDS]

    def load_result(self, run_id: str) -> ScanResult:
        """The run as a ScanResult. Hosts a killed sweep never finished get an INTERRUPTED outcome; a
        run that never reached its end has no verdicts or cells stored (re-evaluate to derive them)."""
        info = self.run_info(run_id)
        done = self.outcomes(run_id)
        outcomes = [
            done.get(h.name) or HostOutcome(host=h, kind=OutcomeKind.INTERRUPTED, reason=UNFINISHED_REASON)
            for h in self.hosts(run_id)
        ]
        with self._errors("read the run"):
            roles_json, org_json = self._db.execute(
                "SELECT roles_json, org_json FROM runs WHERE id = ?", (run_id,)
            ).fetchone()
            verdict_rows = self._db.execute(
                "SELECT host, rule_id, status, detail, evidence_json, reason FROM verdicts"
                " WHERE run_id = ? ORDER BY host, position",
                (run_id,),
            ).fetchall()
            cell_rows = self._db.execute(
                "SELECT host, role, status, blocking_json, warnings_json, unknown_json, reason FROM cells"
                " WHERE run_id = ? ORDER BY position",
                (run_id,),
            ).fetchall()
        try:
            return self._result(info, outcomes, roles_json, org_json, verdict_rows, cell_rows)
        except (ValueError, TypeError) as exc:  # undecodable JSON, an unknown status: a damaged row
            raise HistoryError(
                f"history database {self.path}: run {run_id} is unreadable ({type(exc).__name__}: {exc})"
            ) from exc

    def _result(self, info: RunInfo, outcomes: list[HostOutcome], roles_json: str, org_json: str | None,
                verdict_rows: list[Any], cell_rows: list[Any]) -> ScanResult:
        verdicts: dict[str, list[Verdict]] = {}
        for host, rule_id, status, detail, evidence_json, reason in verdict_rows:
            verdicts.setdefault(host, []).append(
                Verdict(
                    rule_id=rule_id,
                    host=host,
                    status=Status(status),
                    detail=detail,
                    evidence=json.loads(evidence_json),
                    reason=UnknownReason(reason) if reason else None,
                )
            )
        order = {o.host.name: i for i, o in enumerate(outcomes)}
        cells = [
            Cell(
                host=r[0],
                role=r[1],
                status=CellStatus(r[2]),
                blocking=tuple(json.loads(r[3])),
                warnings=tuple(json.loads(r[4])),
                unknown=tuple(json.loads(r[5])),
                reason=r[6],
            )
            for r in cell_rows
        ]
        return ScanResult(
            info=info,
            roles=tuple(json.loads(roles_json)),
            outcomes=outcomes,
            verdicts={h: verdicts[h] for h in sorted(verdicts, key=lambda h: order.get(h, len(order)))},
            cells=cells,
            org=self._org(org_json),
        )

    def _org(self, org_json: str | None) -> OrgFacts:
        if not org_json:
            return OrgFacts()
        try:
            return codec.org_facts_from_json(org_json)
        except (ValueError, FactsError) as exc:
            raise HistoryError(
                f"history database {self.where}: stored AD facts are unreadable ({exc})"
            ) from exc

    def delete_run(self, run_id: str) -> None:
        with self._transaction("delete the run") as db:
            db.execute("DELETE FROM runs WHERE id = ?", (run_id,))

    def prune(
        self, *, keep: int | None = None, before: str | None = None, zone: str | None = None
    ) -> list[str]:
        """Delete old runs, zone by zone (only ``zone`` when one is named): all but the ``keep``
        newest, and/or those started before ``before`` (ISO 8601). Each zone's newest complete run is
        always kept, so the next diff has a baseline. Returns the deleted ids. Call with the sweep lock
        of each zone held."""
        doomed = []
        for z in [zone] if zone is not None else self.zones():
            runs = self.list_runs(zone=z)
            newest_complete = next((r.run_id for r in runs if r.status is RunStatus.COMPLETE), None)
            for index, run in enumerate(runs):
                if run.run_id == newest_complete or run.status is RunStatus.RUNNING:
                    continue
                if (keep is not None and index >= keep) or (before is not None and run.started < before):
                    doomed.append(run.run_id)
        with self._transaction("delete old runs") as db:
            db.executemany("DELETE FROM runs WHERE id = ?", [(run_id,) for run_id in doomed])
        return doomed

    def vacuum(self) -> None:
        """Give the space of deleted runs back to the file system (SQLite rewrites the whole file;
        PostgreSQL's plain VACUUM makes the space reusable, as autovacuum would)."""
        with self._errors("compact the database"):
            self._db.execute("VACUUM")


def _host_values(host: Host) -> tuple[Any, ...]:
    """run_hosts' columns from ``name`` on."""
    return (
        host.name,
        host.fqdn,
        host.address,
        host.site,
        host.port,
        host.scheme.value if host.scheme else None,
        host.auth.value if host.auth else None,
        host.source,
        int(host.is_dc),
        host.os,
        json.dumps(list(host.tags)),
        host.tls_name,
    )


# Add a host to a run's inventory, at the end, unless it is there: one statement, no answer needed.
_INSERT_HOST_IF_MISSING = (
    "INSERT INTO run_hosts (run_id, position, name, fqdn, address, site, port, scheme, auth, source,"
    " is_dc, os, tags_json, tls_name) SELECT ?, (SELECT COALESCE(MAX(position) + 1, 0) FROM run_hosts"
    " WHERE run_id = ?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?"
    " WHERE NOT EXISTS (SELECT 1 FROM run_hosts WHERE run_id = ? AND name = ?)"
)


def _outcome_values(run_id: str, outcome: HostOutcome) -> tuple[Any, ...]:
    return (
        run_id,
        outcome.host.name,
        outcome.kind.value,
        outcome.reason,
        outcome.auth_mechanism,
        outcome.duration_s,
        codec.host_facts_to_json(outcome.facts) if outcome.facts is not None else None,
        _now(),
    )


_OUTCOME_COLUMNS = (
    "run_id", "host", "kind", "reason", "auth_mechanism", "duration_s", "facts_json", "recorded"
)


def _host_from_row(r: Sequence[Any]) -> Host:
    return Host(
        name=r[0],
        fqdn=r[1],
        address=r[2],
        site=r[3],
        port=r[4],
        scheme=Scheme(r[5]) if r[5] else None,
        auth=AuthMethod(r[6]) if r[6] else None,
        source=r[7],
        is_dc=bool(r[8]),
        os=r[9],
        tags=tuple(json.loads(r[10])),
        tls_name=r[11],
    )
