"""What ``scan``, ``demo`` and ``sweep`` share: running a scan under signals, writing the outputs,
and turning a result into an exit code."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import typer

from scanner.checks.catalog import Catalog
from scanner.cli import EXIT_BLOCKED, EXIT_INTERRUPTED, EXIT_OK, EXIT_RUN_FAILED, EXIT_TERMINATED, EXIT_UNKNOWN
from scanner.cli.stopping import StopSignals
from scanner.cli.terminal import echo
from scanner.collect.limits import AUTO_CONCURRENCY, auto_concurrency, check_file_limit
from scanner.collect.observer import ScanObserver
from scanner.collect.progress import ProgressObserver
from scanner.collect.runner import SweepStats
from scanner.errors import UsageError
from scanner.i18n import Lang, t
from scanner.model.matrix import CellStatus
from scanner.model.outcome import OutcomeKind
from scanner.model.run import ScanResult
from scanner.pipeline import ScanRequest, scan
from scanner.report.csv_safe import CsvDialect
from scanner.report.json_report import write_json_report
from scanner.report.matrix_csv import write_matrix_csv
from scanner.report.table import matrix_table, summary_table, terminal_width
from scanner.transport.kerberos_check import kerberos_problem
from scanner.transport.lean_session import lean_applies


@dataclass(frozen=True, slots=True)
class Outputs:
    csv: Path | None = None
    csv_dialect: CsvDialect = CsvDialect.EXCEL
    json: Path | None = None
    findings_csv: Path | None = None
    html: Path | None = None
    lang: Lang = Lang.EN
    quiet: bool = False  # no matrix on stdout
    wide: bool = False  # the matrix in its wide form, whatever the terminal's width

    @property
    def paths(self) -> tuple[Path, ...]:
        return tuple(p for p in (self.csv, self.findings_csv, self.html, self.json) if p is not None)


def check_output_paths(outputs: Mapping[str, Path | None]) -> None:
    """Every file the run will write can be written: not a folder, in a folder that exists and that this
    process may write in. Called before the scan, so a mistyped path costs one line, not a sweep.
    ``outputs`` maps the option that named it ("--csv") to the path."""
    for option, path in outputs.items():
        if path is None:
            continue
        if path.is_dir():
            raise UsageError(f"{option} {path}: is a folder; name a file")
        folder = path.parent
        if not folder.is_dir():
            what = "is not a folder" if folder.exists() else "no such folder"
            raise UsageError(f"{option} {path}: {folder} {what}")
        if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
            raise UsageError(f"{option} {path}: not writable by this user")


@dataclass(frozen=True, slots=True)
class ScanRun:
    result: ScanResult
    stats: SweepStats
    signal_name: str | None  # "SIGINT" / "SIGTERM" when a signal stopped the sweep


def run_scan(request: ScanRequest, catalog: Catalog, observers: Sequence[ScanObserver] = (),
             progress: bool = True, signals: StopSignals | None = None) -> ScanRun:
    """Run the sweep on a fresh event loop; Ctrl-C and SIGTERM stop new work and let in-flight hosts
    finish within their grace, so every output is still written. ``signals``: the command's handlers,
    kept until its outputs are written (without them, handlers are installed for the scan alone)."""
    problem = kerberos_problem(request.hosts, request.transport)
    if problem is not None:  # once, before any host is contacted, not once per host
        raise UsageError(problem)
    if signals is None:
        with StopSignals() as own:
            return run_scan(request, catalog, observers, progress, own)
    if request.limits.concurrency == AUTO_CONCURRENCY:
        todo = [h for h in request.hosts if h.name not in request.prior]
        chosen, why = auto_concurrency(len(todo), lean=all(lean_applies(h, request.transport) for h in todo))
        typer.echo(why, err=True)
        request = replace(request, limits=replace(request.limits, concurrency=chosen))
    limit = check_file_limit(request.limits.concurrency, request.limits.abandon_cap)
    if limit.message:
        typer.echo(limit.message, err=True)
        request = replace(request, limits=replace(request.limits, concurrency=limit.concurrency))
    all_observers: list[ScanObserver] = list(observers)
    bar = ProgressObserver() if progress else None
    if bar is not None and bar.active:
        all_observers.append(bar)

    async def main() -> tuple[ScanResult, SweepStats]:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()

        def on_stop() -> None:  # the handler runs in the main thread between two steps of the loop
            loop.call_soon_threadsafe(stop.set)

        signals.stop_with(on_stop)
        try:
            return await scan(request, catalog, all_observers, stop)
        finally:
            signals.stop_with(None)

    try:
        result, stats = asyncio.run(main())
    finally:
        if bar is not None:
            bar.close()
    return ScanRun(result, stats, signals.first)


def write_outputs(result: ScanResult, outputs: Outputs, signals: StopSignals | None = None) -> None:
    """Write the reports ``outputs`` names; each one written is ticked off in ``signals``."""
    signals = signals or StopSignals()
    if outputs.csv is not None:
        write_matrix_csv(result, outputs.csv, outputs.csv_dialect)
        signals.wrote(outputs.csv)
    if outputs.json is not None:
        write_json_report(result, outputs.json)
        signals.wrote(outputs.json)
    if outputs.findings_csv is not None or outputs.html is not None:
        from scanner.checks.catalog import load_catalog
        from scanner.report.findings_csv import write_findings_csv
        from scanner.report.html import write_html

        rules = {m.id: m for m in load_catalog().all_meta()}
        if outputs.findings_csv is not None:
            write_findings_csv(result, outputs.findings_csv, rules, outputs.csv_dialect, outputs.lang.value)
            signals.wrote(outputs.findings_csv)
        if outputs.html is not None:
            write_html(result, outputs.html, rules, None, outputs.lang.value)
            signals.wrote(outputs.html)


def run_failure(result: ScanResult, lang: Lang = Lang.EN) -> str | None:
    """One line saying why the run failed (exit 3) when the outcomes say it, else None."""
    if not result.info.breaker_opened:
        return None
    refused = [o for o in result.outcomes if o.kind is OutcomeKind.AUTH_FAILED]
    skipped = sum(1 for o in result.outcomes if o.kind is OutcomeKind.NOT_ATTEMPTED)
    if not refused:
        return t("breaker_stopped_short", lang, skipped=skipped)
    first = refused[0]
    reason = " ".join((first.reason or first.kind.value).split())  # one line, whatever the transport said
    return t("breaker_stopped", lang, failed=len(refused), host=first.host.name, reason=reason, skipped=skipped)


def say_run_failure(result: ScanResult, lang: Lang) -> None:
    """Why this run failed, in one line on stderr, when it did. Scanning commands call it with or without
    --quiet: --quiet drops the table, never the reason for exit 3."""
    failure = run_failure(result, lang)
    if failure is not None:
        typer.echo(f"exready: error: {failure}", err=True)


def print_result(result: ScanResult, outputs: Outputs) -> None:
    if outputs.quiet:
        return
    lang = outputs.lang
    # host names, sites and reasons come from the inventory and hosts
    echo(matrix_table(result, lang, width=None if outputs.wide else terminal_width()))
    echo("")
    echo(t("summary", lang))
    echo(summary_table(result, lang))
    ok = sum(1 for o in result.outcomes if o.ok)
    typer.echo("")
    typer.echo(t("hosts_scanned", lang, ok=ok, total=len(result.outcomes)))
    for path in outputs.paths:
        echo(t("wrote", lang, path=path))


def exit_code(result: ScanResult, signal_name: str | None = None) -> int:
    """The documented exit codes, most severe first: a signal, the breaker (the run failed: its
    credential is wrong), some host unknown, some host blocked, else 0."""
    if signal_name == "SIGTERM":
        return EXIT_TERMINATED
    if signal_name is not None or result.info.interrupted:
        return EXIT_INTERRUPTED
    if result.info.breaker_opened:
        return EXIT_RUN_FAILED
    if result.any_cell(CellStatus.UNKNOWN):
        return EXIT_UNKNOWN
    if result.any_cell(CellStatus.BLOCKED):
        return EXIT_BLOCKED
    return EXIT_OK
