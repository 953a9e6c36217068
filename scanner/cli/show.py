"""``exready show HOST`` (one host's verdicts and evidence) and ``exready evaluate`` (judge saved facts
again, offline, with today's rules)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from scanner.checks.catalog import load_catalog
from scanner.cli import EXIT_BLOCKED, EXIT_OK, EXIT_UNKNOWN
from scanner.cli.scan_options import (
    CsvDialectOpt,
    CsvOut,
    Cu,
    JsonOut,
    LangOpt,
    Wide,
    check_target,
    exchange_option,
    lang_or_default,
)
from scanner.cli.scanning import Outputs, exit_code, print_result, write_outputs
from scanner.cli.terminal import echo
from scanner.errors import FactsError, UsageError
from scanner.evaluate.engine import EvaluationParams, evaluate_organisation
from scanner.facts.installer import InstallerFacts
from scanner.facts.serial import facts_from_json
from scanner.i18n import t
from scanner.matrix.build import organisation_status
from scanner.matrix.judge import assemble
from scanner.model.facts import OrgFacts
from scanner.model.intern import Interner
from scanner.model.matrix import CellStatus
from scanner.model.run import ScanResult
from scanner.report.csv_safe import CsvDialect
from scanner.report.json_report import read_json_report, read_saved_with_installer
from scanner.report.table import host_table, organisation_table

FromReport = Annotated[Path | None, typer.Option(
    "--from", metavar="REPORT.json", help="A JSON report written by --json (default: the history database).")]
RunRef = Annotated[str, typer.Option("--run", metavar="RUN", help="A run in the history: an id, or 'last'.")]
DbOpt = Annotated[str | None, typer.Option(
    "--db", metavar="FILE|URL", help="History database: a SQLite file or a postgresql:// URL.")]

# the exit codes of the matrix, for the organisation alone
_ORG_EXIT = {CellStatus.READY: EXIT_OK, CellStatus.READY_WITH_WARNINGS: EXIT_OK,
             CellStatus.BLOCKED: EXIT_BLOCKED, CellStatus.UNKNOWN: EXIT_UNKNOWN}


def load_result(report: Path | None, run: str, db: str | None) -> ScanResult:
    if report is not None:
        return read_json_report(report)
    from scanner.cli.history_db import open_history

    with open_history(db, create=False, read_only=True) as store:
        return store.load_result(store.resolve(run))


def show(
    host: Annotated[str, typer.Argument(metavar="HOST", help="Short name or FQDN.")],
    report: FromReport = None,
    run: RunRef = "last",
    db: DbOpt = None,
    lang: LangOpt = None,
) -> None:
    """Drill down into one host: its scan outcome, its cells, and every verdict with its evidence."""
    result = load_result(report, run, db)
    wanted = host.strip().lower()
    for outcome in result.outcomes:
        if wanted in (outcome.host.name.lower(), (outcome.host.fqdn or "").lower()):
            echo(host_table(result, outcome.host.name, lang_or_default(lang)))  # fact values: remote text
            return
    source = str(report) if report is not None else f"run {result.info.run_id}"
    raise UsageError(t("no_host", lang_or_default(lang), name=host, source=source))


def evaluate(
    report: Annotated[Path, typer.Argument(
        metavar="FACTS.json", help="A JSON report written by --json, or saved facts (samples/facts/).")],
    exchange: Annotated[str | None, typer.Option(
        "--exchange", "-x", metavar="2013|2016|2019|SE", callback=exchange_option,
        help="Target version (default: the report's).")] = None,
    cu: Cu = None,
    directory: Annotated[list[Path] | None, typer.Option(
        "--directory", metavar="FILE",
        help="A saved facts document whose organisation and/or installer-account facts replace the "
             "report's (e.g. the file 'inventory --org-facts' writes). Repeat it for separate files.")] = None,
    csv: CsvOut = None,
    csv_dialect: CsvDialectOpt = CsvDialect.EXCEL,
    json: JsonOut = None,
    lang: LangOpt = None,
    wide: Wide = False,
) -> None:
    """Judge saved facts again with today's rules. Offline: no host is contacted."""
    saved, installer = read_saved_with_installer(report)
    org = saved.org
    for path in directory or ():
        org, installer = _directory_facts(path, org, installer)
    version = exchange or saved.info.exchange_version
    target_cu = cu if cu is not None else saved.info.cu
    check_target(version, target_cu)
    # everything the documents hold is judged: host, organisation and installer-account facts
    params = EvaluationParams(exchange_version=version, cu=target_cu, org=org, installer=installer)
    # the new report records what it was judged for, so evaluating it again judges the same target
    info = replace(saved.info, exchange_version=version, cu=target_cu)
    # The saved facts were interned as they were read; so are the new verdicts and cells, which
    # keeps a big fleet's result compact and lets the JSON report encode each distinct value once.
    result = assemble(info, saved.outcomes, load_catalog(), params, interner=Interner())
    outputs = Outputs(csv=csv, csv_dialect=csv_dialect, json=json, lang=lang_or_default(lang), wide=wide)
    write_outputs(result, outputs)
    if result.outcomes:
        print_result(result, outputs)
        raise typer.Exit(exit_code(result))
    # No server (the file 'inventory --org-facts' writes): the organisation-level rules still speak,
    # and what blocks every installation in the organisation counts in the exit code.
    catalog = load_catalog()
    verdicts = evaluate_organisation(catalog, params)
    status = organisation_status(verdicts, catalog)
    echo(organisation_table(verdicts, status, outputs.lang))
    for path in outputs.paths:
        echo(t("wrote", outputs.lang, path=path))
    raise typer.Exit(_ORG_EXIT[status])


def _directory_facts(path: Path, org: OrgFacts,
                     installer: InstallerFacts | None) -> tuple[OrgFacts, InstallerFacts | None]:
    """The organisation and installer-account facts of a --directory file, over those given so far.
    A file that holds neither is bad input (one line)."""
    try:
        doc = facts_from_json(path.read_bytes())
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the directory file: {exc.strerror or exc}") from None
    except FactsError as exc:
        raise FactsError(f"{path}: {exc}") from None
    if not doc.org.facts and doc.installer is None:
        raise UsageError(f"{path}: neither organisation nor installer-account facts in this document")
    return (doc.org if doc.org.facts else org), (doc.installer if doc.installer is not None else installer)


def register(app: typer.Typer) -> None:
    app.command("show")(show)
    app.command("evaluate")(evaluate)
