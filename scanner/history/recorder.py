"""The observer that writes a sweep into history as it happens."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from scanner.collect.observer import NullObserver
from scanner.errors import HistoryError
from scanner.history.store import HistoryStore
from scanner.model.facts import OrgFacts
from scanner.model.host import Host
from scanner.model.outcome import HostOutcome
from scanner.model.run import RunInfo, ScanResult

log = logging.getLogger(__name__)


class HistoryRecorder(NullObserver):
    """Records the run start, each host outcome in its own transaction, and the final result.

    A write that fails (disk full, database removed) must not stop the sweep: the recorder keeps the
    first error in ``failure``, stops writing, and the caller reports it after the outputs are out.
    """

    def __init__(
        self, store: HistoryStore, roles: Sequence[str] = (), org: OrgFacts | None = None, zone: str = "default"
    ) -> None:
        self.store = store
        self.roles = tuple(roles)
        self.org = org
        self.zone = zone
        self.run_id: str | None = None
        self.failure: HistoryError | None = None
        self.recorded = 0

    def run_started(self, info: RunInfo, hosts: Sequence[Host]) -> None:
        self.run_id = info.run_id
        self._guard(lambda: self.store.begin_run(info, hosts, self.roles, self.org, self.zone))

    def host_done(self, outcome: HostOutcome) -> None:
        run_id = self.run_id
        if run_id is None:
            return
        if self._guard(lambda: self.store.record_outcome(run_id, outcome)):
            self.recorded += 1

    def run_done(self, result: ScanResult) -> None:
        if self.run_id is None:  # the pipeline never announced the run: record it whole
            self.run_id = result.info.run_id
            self._guard(lambda: self.store.save_result(result, zone=self.zone))
            return
        self._guard(lambda: self.store.finish_run(result))

    def _guard(self, write: Callable[[], None]) -> bool:
        if self.failure is not None:
            return False
        try:
            write()
        except HistoryError as exc:
            self.failure = exc
            log.error("history: %s; no more writes for this run", exc)
            return False
        return True
