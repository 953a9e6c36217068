"""The observer that writes a sweep into history as it happens."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from scanner.collect.observer import NullObserver
from scanner.errors import HistoryError, HistoryUnavailable
from scanner.history.spool import Begin, Finish, Outcome, Record, Spool, read_spool, records_hosts, spool_files
from scanner.history.store import HistoryStore
from scanner.model.facts import OrgFacts
from scanner.model.host import Host
from scanner.model.outcome import HostOutcome
from scanner.model.run import RunInfo, ScanResult

log = logging.getLogger(__name__)

# While the server is gone: try again after this long, doubling up to the cap. A try that meets a
# refused connection costs a millisecond; one that meets a silent network costs the connect timeout,
# on the sweep's event loop, so tries stay rare.
RETRY_FIRST_S = 2.0
RETRY_MAX_S = 60.0


class HistoryRecorder(NullObserver):
    """Records the run start, each host outcome in its own transaction, and the final result.

    A write that fails (disk full, database removed) must not stop the sweep: the recorder keeps the
    first error in ``failure``, stops writing, and the caller reports it after the outputs are out.

    A PostgreSQL server that goes away (HistoryUnavailable) is not a failure when a spool directory
    is given: from then on the records go to a local spool file, in order, and are delivered when
    the server answers again (``settle`` tries once more at the end of the sweep). What is still on
    disk at the end is delivered by the next sweep of the zone (``deliver_pending``).

    At the end it tries once more to store the whole result (the disk may have room again); if that
    fails too, it closes the run as interrupted (``closed_interrupted``), one small update, so the run
    reads as one to resume rather than as a sweep that died (abandoned).
    """

    def __init__(
        self,
        store: HistoryStore,
        roles: Sequence[str] = (),
        org: OrgFacts | None = None,
        zone: str = "default",
        spool_dir: Path | None = None,
    ) -> None:
        self.store = store
        self.roles = tuple(roles)
        self.org = org
        self.zone = zone
        self.spool_dir = spool_dir if store.can_reconnect else None
        self.run_id: str | None = None
        self.failure: HistoryError | None = None
        self.recorded = 0  # host outcomes written to the database as they came
        self.outage: HistoryUnavailable | None = None  # the first time the server went away
        self.delivered = 0  # host outcomes written from the spool once the server was back
        self.spool: Spool | None = None  # set while records wait on disk
        self._next_try = 0.0
        self._delay = RETRY_FIRST_S
        self._kept_hosts = 0
        self.recovered: HistoryError | None = None  # a write failed, but the whole result was stored at the end
        self.closed_interrupted = False

    @property
    def kept(self) -> int:
        """Host outcomes waiting in the spool file now."""
        return self._kept_hosts

    def run_started(self, info: RunInfo, hosts: Sequence[Host]) -> None:
        self.run_id = info.run_id
        self._write(
            Begin(info, tuple(hosts), self.roles, self.org, self.zone),
            lambda: self.store.begin_run(info, hosts, self.roles, self.org, self.zone),
        )

    def host_done(self, outcome: HostOutcome) -> None:
        run_id = self.run_id
        if run_id is None:
            return
        if self._write(Outcome(outcome), lambda: self.store.record_outcome(run_id, outcome)):
            self.recorded += 1

    def run_done(self, result: ScanResult) -> None:
        if self.run_id is None:  # the pipeline never announced the run: record it whole
            self.run_id = result.info.run_id
            self._guard(lambda: self.store.save_result(result, zone=self.zone))
            return
        if self.failure is None:  # a server gone away keeps the end on disk with the rest
            self._write(Finish(result), lambda: self.store.finish_run(result))
            return
        run_id = self.run_id
        try:  # the result holds every outcome: if it fits now, the history is whole after all
            self.store.finish_run(result)
        except HistoryError:
            pass
        else:
            log.warning("history: %s; the whole run was stored at its end", self.failure)
            self.recovered, self.failure = self.failure, None
            return
        try:
            self.store.mark_interrupted(run_id)
        except HistoryError:
            return  # it will read as abandoned; still resumable
        self.closed_interrupted = True

    def settle(self, wait_s: float) -> None:
        """At the end of the sweep: if records wait on disk, try to deliver them for up to ``wait_s``
        seconds (the server may be restarting)."""
        deadline = time.monotonic() + wait_s
        while self.spool is not None and self.failure is None:
            self._next_try = 0.0
            if self._catch_up():
                return
            if time.monotonic() >= deadline:
                return
            time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))

    # -- the write path ---------------------------------------------------------------------------

    def _write(self, record: Record, write: Callable[[], None]) -> bool:
        """True when the record is in the database now; False when it was kept on disk or dropped."""
        if self.failure is not None:
            return False
        if self.spool is not None:  # offline: keep the order, then see whether the server is back
            self._keep(record)
            self._catch_up()
            return False
        try:
            write()
        except HistoryUnavailable as exc:
            if self.spool_dir is None or self.run_id is None:
                self._fail(exc)
                return False
            self.outage = self.outage or exc
            self.spool = Spool(self.spool_dir, self.run_id, self.store.where, self.zone)
            log.warning("history: %s; keeping results in %s until it is back", exc, self.spool.path)
            self._keep(record)
            self._next_try = time.monotonic() + self._delay
            return False
        except HistoryError as exc:
            self._fail(exc)
            return False
        return True

    def _keep(self, record: Record) -> None:
        assert self.spool is not None
        try:
            self.spool.append(record)
        except HistoryError as exc:
            self._fail(exc)
            return
        if isinstance(record, Outcome):
            self._kept_hosts += 1

    def _catch_up(self) -> bool:
        """Deliver the spool if the server answers again; True when it is empty now."""
        spool = self.spool
        if spool is None or self.failure is not None:
            return spool is None
        if time.monotonic() < self._next_try:
            return False
        try:
            self.store.reconnect()
            spool.close()
            _, records = read_spool(spool.path)
            deliver(self.store, spool.run_id, records)
        except HistoryUnavailable:
            self._next_try = time.monotonic() + self._delay
            self._delay = min(self._delay * 2, RETRY_MAX_S)
            return False
        except HistoryError as exc:
            self._fail(exc)  # the file stays: the next sweep of the zone delivers it
            return False
        delivered = records_hosts(records)
        self.delivered += delivered
        self._kept_hosts = 0
        spool.discard()
        self.spool = None
        self._delay = RETRY_FIRST_S
        log.warning("history: the database is back; delivered %d host result(s) kept while it was away",
                    delivered)
        return True

    def _guard(self, write: Callable[[], None]) -> bool:
        if self.failure is not None:
            return False
        try:
            write()
        except HistoryError as exc:
            self._fail(exc)
            return False
        return True

    def _fail(self, exc: HistoryError) -> None:
        self.failure = exc
        log.error("history: %s; no more writes for this run", exc)


def deliver(store: HistoryStore, run_id: str, records: Sequence[Record]) -> None:
    """Write spooled records in their order. Idempotent: each write replaces what is there."""
    for record in records:
        if isinstance(record, Begin):
            store.ensure_run(record.info, record.hosts, record.roles, record.org, record.zone)
        elif isinstance(record, Outcome):
            store.record_outcome(run_id, record.outcome)
        else:
            store.finish_run(record.result)


def deliver_pending(store: HistoryStore, spool_dir: Path, zone: str) -> list[str]:
    """Deliver what earlier sweeps of ``zone`` kept on disk for this database (call with the zone's
    lock held). Returns one line per file delivered."""
    lines = []
    for path in spool_files(spool_dir, store.where, zone):
        run, records = read_spool(path)
        deliver(store, run, records)
        finished = any(isinstance(r, Finish) for r in records)
        lines.append(
            f"delivered {records_hosts(records)} host result(s) of run {run} kept in {path} while the "
            "history database was unreachable"
            + ("" if finished else f"; the run did not finish: `exready sweep --resume {run}`")
        )
        try:
            path.unlink()
        except OSError as exc:
            raise HistoryError(f"delivered {path} but cannot remove it: {exc.strerror or exc}") from exc
    return lines
