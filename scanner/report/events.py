"""A JSON Lines event log for log collectors (``--log-json FILE``): one JSON object per line.

Events: ``run_started`` (run id, host count), ``host_done`` (one per host outcome: host, fqdn, site,
outcome, reason, negotiated auth, duration), ``run_done`` (counts by outcome and by matrix status).
Every line has ``ts`` (UTC, ISO 8601), ``event`` and ``run_id``. No facts, no evidence, no
credentials: only what the outcome's one-line reason already says, which the transport keeps free of
secrets. Each line is flushed as written, so a collector tailing the file sees hosts as they finish
and a killed sweep leaves whole lines.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from scanner.collect.observer import NullObserver
from scanner.errors import UsageError
from scanner.model.host import Host
from scanner.model.outcome import HostOutcome
from scanner.model.run import RunInfo, ScanResult

EVENTS_SCHEMA_VERSION = 1


class EventLog(NullObserver):
    """Appends to ``path`` (a sweep every night adds to the same file, as log files do)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self._stream: IO[str] | None = open(self.path, "a", encoding="utf-8", newline="\n")  # noqa: SIM115
        except OSError as exc:
            raise UsageError(f"cannot write the event log {self.path}: {exc.strerror or exc}") from exc
        self._run_id = ""

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None

    def _emit(self, event: str, **fields: Any) -> None:
        if self._stream is None:
            return
        record = {
            "ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "event": event,
            "schema": EVENTS_SCHEMA_VERSION,
            "run_id": self._run_id,
            **fields,
        }
        self._stream.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
        self._stream.flush()

    def run_started(self, info: RunInfo, hosts: Sequence[Host]) -> None:
        self._run_id = info.run_id
        self._emit(
            "run_started",
            hosts=len(hosts),
            exchange_version=info.exchange_version,
            inventory_source=info.inventory_source,
            tool_version=info.tool_version,
        )

    def host_done(self, outcome: HostOutcome) -> None:
        host = outcome.host
        self._emit(
            "host_done",
            host=host.name,
            fqdn=host.fqdn,
            site=host.site,
            outcome=outcome.kind.value,
            reason=outcome.reason,
            auth_mechanism=outcome.auth_mechanism,
            duration_s=round(outcome.duration_s, 3),
        )

    def run_done(self, result: ScanResult) -> None:
        self._run_id = result.info.run_id
        self._emit(
            "run_done",
            interrupted=result.info.interrupted,
            hosts=len(result.outcomes),
            outcomes=dict(sorted(Counter(o.kind.value for o in result.outcomes).items())),
            cells=dict(sorted(Counter(c.status.value for c in result.cells).items())),
        )
        self.close()
