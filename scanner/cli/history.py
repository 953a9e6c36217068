"""``exready history list|show`` and ``exready diff``: past sweeps from the history database."""

from __future__ import annotations

import json as jsonlib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

import typer
from tabulate import tabulate

from scanner.cli.scan_options import CsvDialectOpt, CsvOut, LangOpt, lang_or_default
from scanner.cli.terminal import echo
from scanner.errors import HistoryError, UsageError
from scanner.history.diff import CellChangeKind, RuleChangeKind, RunDiff, diff_results
from scanner.history.store import HistoryStore, RunStatus
from scanner.i18n import Lang
from scanner.model.rule import RuleMeta
from scanner.model.run import ScanResult
from scanner.model.verdict import Status
from scanner.report.csv_safe import CsvDialect

DbOpt = Annotated[str | None, typer.Option(
    "--db", metavar="FILE|URL", envvar="EXREADY_DB",
    help="History database: a SQLite file or a postgresql:// URL without a password (default: "
    "history.sqlite3 in the user's state directory; $EXREADY_DB).")]
ZoneOpt = Annotated[str | None, typer.Option(
    "--zone", metavar="ZONE", help="Only this zone's runs ('last' counts this zone's runs).")]
HtmlOut = Annotated[Path | None, typer.Option(
    "--html", metavar="FILE", help="Write the self-contained HTML report, with the changes since the "
    "previous complete sweep.")]
FindingsOut = Annotated[Path | None, typer.Option(
    "--findings-csv", metavar="FILE", help="Write one row per host and failing, warning or unknown rule.")]
JsonOutOpt = Annotated[Path | None, typer.Option("--json", metavar="FILE", help="Write the JSON report.")]


ConfigOpt = Annotated[Path | None, typer.Option(
    "--config", "-C", metavar="FILE",
    help="A sweep configuration (TOML): use the database its [history] names (db or url; --db wins).")]


def open_store(db: str | None, config: Path | None = None, *, read_only: bool = True) -> HistoryStore:
    """The history database of --db / --config, read-only unless the command writes (prune)."""
    from scanner.cli.history_db import open_history

    history = None
    if config is not None:
        from scanner.sweep.config import load_config

        history = load_config(config).history
    return open_history(db, history, read_only=read_only)


def rules_by_id() -> dict[str, RuleMeta]:
    from scanner.checks.catalog import load_catalog

    return {m.id: m for m in load_catalog().all_meta()}


# ---- history list -----------------------------------------------------------------------------


def history_list(
    db: DbOpt = None,
    config: ConfigOpt = None,
    zone: ZoneOpt = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, metavar="N", help="Newest runs to show.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="JSON on stdout instead of a table.")] = False,
) -> None:
    """The sweeps in the history database, newest first."""
    with open_store(db, config) as store:
        runs = store.list_runs(limit, zone=zone)
        path = store.where
        zoned = len({r.zone for r in runs}) > 1 or any(r.zone != "default" for r in runs)
    if as_json:
        typer.echo(jsonlib.dumps([
            {"run_id": r.run_id, "started": r.started, "finished": r.finished, "status": r.status.value,
             "exchange_version": r.exchange_version, "inventory_source": r.inventory_source,
             "tool_version": r.tool_version, "hosts": r.hosts, "finished_hosts": r.finished_hosts,
             "cells": dict(r.cells), "resumed": r.resumed, "zone": r.zone}
            for r in runs], indent=2))
        return
    if not runs:
        typer.echo(f"no runs in {path} yet")
        return
    rows = [
        [r.run_id, r.started, r.status.value + (f" (resumed {r.resumed}x)" if r.resumed else ""),
         r.exchange_version, f"{r.finished_hosts}/{r.hosts}",
         str(r.cells.get("BLOCKED", 0)), str(r.cells.get("UNKNOWN", 0)), r.inventory_source]
        for r in runs
    ]
    headers = ["run", "started (UTC)", "status", "exchange", "hosts done", "blocked cells", "unknown cells",
               "inventory"]
    if zoned:  # a column only when the database holds zones, so a single scanner's list is unchanged
        rows = [[*row[:2], r.zone, *row[2:]] for row, r in zip(rows, runs, strict=True)]
        headers = [*headers[:2], "zone", *headers[2:]]
    echo(tabulate(rows, headers=headers, disable_numparse=True))
    if any(r.status is RunStatus.ABANDONED for r in runs):
        typer.echo("\nabandoned: the sweep process died before the end; "
                   "finish it with `exready sweep --resume RUN`.")


# ---- history show -----------------------------------------------------------------------------


def load_run(store: HistoryStore, ref: str, reevaluate: bool) -> ScanResult:
    result = store.load_result(store.resolve(ref))
    if reevaluate:
        from scanner.checks.catalog import load_catalog
        from scanner.history.reevaluate import reevaluate as judge

        result = judge(result, load_catalog())
    return result


def history_show(
    run: Annotated[str, typer.Argument(
        metavar="RUN", help="A run id (or a unique prefix), 'last', 'last~1'.")] = "last",
    db: DbOpt = None,
    config: ConfigOpt = None,
    reevaluate: Annotated[bool, typer.Option(
        "--reevaluate", help="Judge the stored facts again with today's rules (offline).")] = False,
    csv: CsvOut = None,
    csv_dialect: CsvDialectOpt = CsvDialect.EXCEL,
    findings_csv: FindingsOut = None,
    html: HtmlOut = None,
    json: JsonOutOpt = None,
    lang: LangOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Do not print the matrix.")] = False,
) -> None:
    """One sweep: its matrix and summary, and the hosts it did not finish. Can write its reports again."""
    from scanner.cli.scanning import Outputs, print_result, write_outputs

    chosen = lang_or_default(lang)
    with open_store(db, config) as store:
        result = load_run(store, run, reevaluate)
        summary = store.summary(result.info.run_id)
        unfinished = store.unfinished_hosts(result.info.run_id)
        previous_id = store.previous_complete(result.info.run_id)
        previous = store.load_result(previous_id) if previous_id and html is not None else None
    info = result.info
    echo(f"run {info.run_id}: {summary.status.value}, Exchange {info.exchange_version}, "
               f"started {info.started_at}, finished {info.finished_at or '-'}, {info.inventory_source}")
    if not result.cells and not reevaluate:
        typer.echo("this run never reached its end, so it has no matrix: use --reevaluate to judge the "
                   "hosts it finished, or `exready sweep --resume " + info.run_id + "` to finish it")
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

            diff = diff_results(previous, result) if previous is not None else None
            write_html(result, html, rules, diff, chosen.value)
            typer.echo(f"wrote {html}")
    if result.cells:
        print_result(result, outputs)
    if unfinished:
        names = ", ".join(h.name for h in unfinished[:10]) + (" ..." if len(unfinished) > 10 else "")
        echo(f"{len(unfinished)} host(s) not finished: {names}")


# ---- history prune ----------------------------------------------------------------------------


def history_prune(
    keep: Annotated[int | None, typer.Option("--keep", min=1, metavar="N", help="Keep the N newest runs.")]
    = None,
    older_than: Annotated[int | None, typer.Option(
        "--older-than", min=1, metavar="DAYS", help="Delete runs started more than DAYS days ago.")] = None,
    vacuum: Annotated[bool, typer.Option(
        "--vacuum", help="Then give the freed space back to the file system (rewrites the file).")] = False,
    db: DbOpt = None,
    config: ConfigOpt = None,
    zone: ZoneOpt = None,
    lock_wait: Annotated[float, typer.Option(
        "--lock-wait", min=0, metavar="SECONDS", help="Wait this long for a running sweep.")] = 0.0,
) -> None:
    """Delete old runs. The newest complete run is always kept, so the next diff has a baseline."""
    from datetime import UTC, datetime, timedelta

    if keep is None and older_than is None:
        raise UsageError("say what to delete: --keep N and/or --older-than DAYS")
    before = (datetime.now(UTC) - timedelta(days=older_than)).isoformat(timespec="seconds") \
        if older_than is not None else None
    with open_store(db, config, read_only=False) as store:
        for z in [zone] if zone is not None else store.zones() or ["default"]:
            store.lock(lock_wait, z)  # each zone's sweep lock (on SQLite, the file's)
        deleted = store.prune(keep=keep, before=before, zone=zone)
        if vacuum:
            store.vacuum()
    typer.echo(f"deleted {len(deleted)} run(s)" + (f": {', '.join(deleted)}" if deleted else ""))


# ---- diff -------------------------------------------------------------------------------------


def render_diff(d: RunDiff, lang: Lang = Lang.EN) -> str:
    from scanner.i18n import t
    from scanner.report.html import word

    w = lang.value

    def status(value: Status | None) -> str:
        return t(value.value, lang) if value is not None else "-"

    lines = [f"{word('run', w)} {d.old.run_id} ({d.old.started_at}) -> {d.new.run_id} ({d.new.started_at})"]
    if d.empty:
        lines.append(word("no_change", w).format(run=d.old.run_id))
        return "\n".join(lines)
    for kind, key in ((CellChangeKind.NEWLY_BLOCKED, "newly_blocked"),
                      (CellChangeKind.NEWLY_READY, "newly_ready"),
                      (CellChangeKind.NEWLY_UNKNOWN, "newly_unknown"), (CellChangeKind.OTHER, "other")):
        changes = d.cells(kind)
        if changes:
            lines += ["", f"{word(key, w)} ({len(changes)}):", tabulate(
                [[c.host, c.role, f"{t(c.before.value, lang)} -> {t(c.after.value, lang)}",
                  " ".join(c.blocking) or c.reason] for c in changes],
                tablefmt="plain", disable_numparse=True)]
    for rkind, key in ((RuleChangeKind.APPEARED, "appeared"), (RuleChangeKind.CLEARED, "cleared"),
                       (RuleChangeKind.CHANGED, "changed")):
        rules = d.rules(rkind)
        if rules:
            lines += ["", f"{word(key, w)} ({len(rules)}):", tabulate(
                [[r.host, r.rule_id, f"{status(r.before)} -> {status(r.after)}",
                  word("was", w).format(detail=r.detail) if key == "cleared" and r.detail else r.detail]
                 for r in rules],
                tablefmt="plain", disable_numparse=True, maxcolwidths=[None, None, None, 70])]
    for key, names in (("added", d.added_hosts), ("removed", d.removed_hosts)):
        if names:
            lines += ["", f"{word(key, w)} ({len(names)}): {', '.join(names)}"]
    return "\n".join(lines)


def pick_pair(
    store: HistoryStore, run_a: str | None, run_b: str | None, zone: str | None = None
) -> tuple[str, str]:
    if run_a is not None and run_b is not None:
        return store.resolve(run_a, zone), store.resolve(run_b, zone)
    if run_a is not None:  # one run given: compare it with the newest complete run of its zone
        older = store.resolve(run_a, zone)
        complete = store.last_complete(1, zone if zone is not None else store.run_zone(older))
        if not complete or complete[0] == older:
            raise HistoryError(f"no complete run newer than {older} to compare with; name both runs")
        return older, complete[0]
    if zone is None:
        zones = store.zones()
        if len(zones) > 1:
            raise UsageError(f"{store.where} holds {len(zones)} zones ({', '.join(zones)}): say which with "
                             "--zone ZONE, or compare the whole estate with --estate")
    complete = store.last_complete(2, zone)
    if len(complete) < 2:
        scope = f" of zone {zone!r}" if zone is not None else ""
        raise HistoryError(f"diff needs two complete runs{scope}; {store.where} has {len(complete)} "
                           "(name the runs to compare others)")
    return complete[1], complete[0]


def diff(
    run_a: Annotated[str | None, typer.Argument(metavar="RUN_A", help="The older run (default: the "
                     "second newest complete run).")] = None,
    run_b: Annotated[str | None, typer.Argument(metavar="RUN_B", help="The newer run (default: the "
                     "newest complete run).")] = None,
    db: DbOpt = None,
    config: ConfigOpt = None,
    zone: ZoneOpt = None,
    estate: Annotated[bool, typer.Option(
        "--estate", help="Compare the whole estate (every zone's latest complete run) with the estate "
        "before it (every zone's previous complete run).")] = False,
    reevaluate: Annotated[bool, typer.Option(
        "--reevaluate", help="Judge both runs with today's rules first, so only the servers' changes "
        "show, not the rules'.")] = False,
    json: Annotated[Path | None, typer.Option(
        "--json", metavar="FILE", help="Also write the changes as JSON ('-' for stdout only).")] = None,
    lang: LangOpt = None,
) -> None:
    """What changed between two sweeps: hosts newly blocked, ready or unknown per role, rules that
    appeared or cleared per host, hosts added to or gone from the inventory."""
    if estate and (run_a is not None or zone is not None):
        raise UsageError("--estate compares every zone's latest run with its previous one: name no run or zone")
    with open_store(db, config) as store:
        if estate:
            from scanner.cli.estate import load_estate

            new_estate = load_estate(store, 1e9, reevaluate)
            old_estate = load_estate(store, 1e9, reevaluate, previous=True)
            old, new = old_estate.result, new_estate.result
            if [z.run_id for z in old_estate.zones] == [z.run_id for z in new_estate.zones]:
                raise HistoryError("every zone has only one complete run: no earlier estate to compare with")
        else:
            a, b = pick_pair(store, run_a, run_b, zone)
            if a == b:
                raise UsageError(f"both sides are run {a}: name two different runs")
            old, new = load_run(store, a, reevaluate), load_run(store, b, reevaluate)
    for side in (old, new):
        if not side.cells:
            raise HistoryError(f"run {side.info.run_id} never reached its end and has no matrix; "
                               "add --reevaluate to compare the hosts it finished")
    changes = diff_results(old, new)
    data: Mapping[str, object] = changes.to_json()
    if json is not None and str(json) == "-":
        typer.echo(jsonlib.dumps(data, indent=2, ensure_ascii=False))
        return
    echo(render_diff(changes, lang_or_default(lang)))
    if json is not None:
        try:
            json.write_text(jsonlib.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {json}: {exc.strerror or exc}") from None
        typer.echo(f"wrote {json}")


def register(app: typer.Typer) -> None:
    history_app = typer.Typer(name="history", help="Past sweeps kept in the history database.",
                              no_args_is_help=True)
    history_app.command("list")(history_list)
    history_app.command("show")(history_show)
    history_app.command("prune")(history_prune)
    app.add_typer(history_app, name="history")
    app.command("diff")(diff)
