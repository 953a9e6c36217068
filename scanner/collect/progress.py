"""A progress bar on a terminal (rich), nothing otherwise: an observer like any other."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from scanner.collect.observer import NullObserver
from scanner.model.host import Host
from scanner.model.outcome import HostOutcome
from scanner.model.run import RunInfo, ScanResult


class ProgressObserver(NullObserver):
    def __init__(self, console: Console | None = None) -> None:
        self._console = console or Console(stderr=True)
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self._kinds: Counter[str] = Counter()

    @property
    def active(self) -> bool:
        return self._console.is_terminal

    def run_started(self, info: RunInfo, hosts: Sequence[Host]) -> None:
        if not self.active:
            return
        self._progress = Progress(
            TextColumn("[bold]scanning"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            TextColumn("{task.fields[kinds]}"), console=self._console, transient=True)
        self._progress.start()
        self._task = self._progress.add_task("scan", total=len(hosts), kinds="")

    def host_done(self, outcome: HostOutcome) -> None:
        self._kinds[outcome.kind.value] += 1
        if self._progress is not None and self._task is not None:
            kinds = " ".join(f"{k}={n}" for k, n in sorted(self._kinds.items()))
            self._progress.update(self._task, advance=1, kinds=kinds)

    def run_done(self, result: ScanResult) -> None:
        self.close()

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
