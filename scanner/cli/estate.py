"""``exready estate``: one matrix from the latest complete run of every zone in the history, with the
same CSV, findings CSV, HTML and JSON as a sweep, and the zones whose data is old or whose last sweep
failed marked."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from tabulate import tabulate

from scanner.cli.history import DbOpt, FindingsOut, HtmlOut, JsonOutOpt, rules_by_id
from scanner.cli.scan_options import CsvDialectOpt, CsvOut, LangOpt, lang_or_default
from scanner.history.estate import Estate, build_estate
from scanner.history.store import HistoryStore
from scanner.model.run import ScanResult
from scanner.report.csv_safe import CsvDialect

MaxAgeOpt = Annotated[float, typer.Option(
    "--max-age", min=0.1, metavar="HOURS",
    help="A zone whose latest complete run started longer ago than this is marked stale (default 36).")]
ConfigOpt = Annotated[Path | None, typer.Option(
    "--config", "-C", metavar="FILE", help="Take the history database from this sweep configuration's "
    "[history] (url, password_env, password_file, ca_file).")]


def open_estate_store(db: str | None, config: Path | None) -> HistoryStore:
    from scanner.cli.history_db import open_history

    history = None
    if config is not None:
        from scanner.sweep.config import load_config

        history = load_config(config).history
    return open_history(db, history, create=False, read_only=True)


def load_estate(store: HistoryStore, max_age_h: float, reevaluate: bool, previous: bool = False) -> Estate:
    from scanner import __version__

    judge: Callable[[ScanResult], ScanResult] | None = None
    if reevaluate:
        from scanner.checks.catalog import load_catalog
        from scanner.history.reevaluate import reevaluate as again

        catalog = load_catalog()

        def judge_with_today(result: ScanResult) -> ScanResult:
            return again(result, catalog)

        judge = judge_with_today
    return build_estate(store, datetime.now(UTC), timedelta(hours=max_age_h), previous=previous,
                        judge=judge, tool_version=__version__)


def zones_table(estate: Estate) -> str:
    rows = [
        [z.zone, z.health.value, z.run_id or "-", z.started or "-",
         f"{z.age_hours:.1f}" if z.age_hours is not None else "-", str(z.hosts),
         z.latest_run_id + (f" ({z.latest_status.value})" if z.latest_run_id != z.run_id else "")]
        for z in estate.zones
    ]
    return tabulate(rows, headers=["zone", "state", "run used", "started (UTC)", "age (h)", "hosts",
                                   "latest run"], disable_numparse=True)


def estate(
    db: DbOpt = None,
    config: ConfigOpt = None,
    max_age: MaxAgeOpt = 36.0,
    reevaluate: Annotated[bool, typer.Option(
        "--reevaluate", help="Judge every zone's stored facts again with today's rules (offline).")] = False,
    csv: CsvOut = None,
    csv_dialect: CsvDialectOpt = CsvDialect.EXCEL,
    findings_csv: FindingsOut = None,
    html: HtmlOut = None,
    json: JsonOutOpt = None,
    lang: LangOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Do not print the matrix.")] = False,
) -> None:
    """The whole estate: one matrix from the latest complete run of every zone. Exit codes as a sweep's;
    a zone marked stale or failed makes it 2 (its hosts' state is not current)."""
    from scanner.cli.scanning import Outputs, exit_code, print_result, write_outputs
    from scanner.exitcodes import EXIT_UNKNOWN
    from scanner.history.diff import diff_results

    chosen = lang_or_default(lang)
    with open_estate_store(db, config) as store:
        current = load_estate(store, max_age, reevaluate)
        before = load_estate(store, max_age, reevaluate, previous=True) if html is not None else None
    result = current.result
    typer.echo(zones_table(current))
    if current.duplicates:
        names = ", ".join(current.duplicates[:10]) + (" ..." if len(current.duplicates) > 10 else "")
        typer.echo(f"{len(current.duplicates)} host(s) swept in more than one zone, kept from the newest "
                   f"run: {names}")
    for z in current.marked:
        typer.echo(f"zone {z.zone}: {z.health.value}" + (
            f" (latest run {z.latest_run_id} is {z.latest_status.value})" if z.latest_run_id != z.run_id else "")
            + (f"; using run {z.run_id} of {z.started}" if z.run_id else "; its hosts are not in the matrix"))
    typer.echo("")
    outputs = Outputs(csv=csv, csv_dialect=csv_dialect, json=json, lang=chosen, quiet=quiet)
    write_outputs(result, outputs)
    if findings_csv is not None or html is not None:
        rules = rules_by_id()
        if findings_csv is not None:
            from scanner.report.findings_csv import write_findings_csv

            write_findings_csv(result, findings_csv, rules, csv_dialect, chosen.value)
            typer.echo(f"wrote {findings_csv}")
        if html is not None:
            from scanner.report.html import write_html

            moved = before is not None and [z.run_id for z in before.zones] != [z.run_id for z in current.zones]
            changes = diff_results(before.result, result) if before is not None and moved else None
            write_html(result, html, rules, changes, chosen.value)
            typer.echo(f"wrote {html}")
    print_result(result, outputs)
    code = exit_code(result)
    if current.marked:
        code = max(code, EXIT_UNKNOWN)
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command("estate")(estate)
