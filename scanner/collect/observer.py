"""Observers of a sweep (progress bars, event logs, the history store).

Observers are called on the event loop's thread, in order, and must not block for long. An observer
that raises is a bug in that observer: the orchestrator logs it once and stops calling it, and the
sweep goes on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from scanner.model.host import Host
from scanner.model.outcome import HostOutcome
from scanner.model.run import RunInfo, ScanResult


class ScanObserver(Protocol):
    def run_started(self, info: RunInfo, hosts: Sequence[Host]) -> None: ...

    def host_started(self, host: Host) -> None: ...

    def host_done(self, outcome: HostOutcome) -> None: ...

    def run_done(self, result: ScanResult) -> None: ...


class NullObserver:
    """Base class with no-op hooks, so an observer overrides only what it needs."""

    def run_started(self, info: RunInfo, hosts: Sequence[Host]) -> None:
        return None

    def host_started(self, host: Host) -> None:
        return None

    def host_done(self, outcome: HostOutcome) -> None:
        return None

    def run_done(self, result: ScanResult) -> None:
        return None
