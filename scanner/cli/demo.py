"""``exready demo``: start the fleet simulator on the bundled demo site, scan it through the real
pipeline (WinRM, NTLM, message encryption, TLS), print the matrix and write CSV and JSON.

The demo has no Active Directory, so the rules judged from the organisation and the installing account
are UNKNOWN in the main matrix. Evaluation is pure: the same scanned outcomes are then judged again,
offline, with a saved simulated directory (scanner/samples/sites/demo-directory.json, package data, a
facts document) and its organisation-level findings are shown in a second section. The main matrix stays
AD-less because a legacy organisation blocks every host.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated

import typer
from tabulate import tabulate

from scanner.bundled import DEMO_DIRECTORY, DEMO_SITE
from scanner.bundled import site_file as bundled_site
from scanner.checks.catalog import Catalog, load_catalog
from scanner.checks.context import is_host_fact
from scanner.cli.scan_options import (
    Concurrency,
    CsvDialectOpt,
    Exchange,
    LangOpt,
    NoProgress,
    Wide,
    check_target,
    lang_or_default,
)
from scanner.cli.scanning import Outputs, exit_code, print_result, run_scan, write_outputs
from scanner.collect.runner import SweepLimits
from scanner.credentials import Credentials, Secret
from scanner.errors import FactsError, UsageError
from scanner.evaluate.engine import EvaluationParams
from scanner.facts.serial import FactsDocument, facts_from_json
from scanner.i18n import Lang, t
from scanner.inventory.file import load_inventory
from scanner.matrix.judge import assemble
from scanner.model.rule import Severity
from scanner.model.run import ScanResult
from scanner.model.verdict import Status
from scanner.pipeline import ScanRequest
from scanner.report.csv_safe import CsvDialect
from scanner.report.table import summary_table
from scanner.transport.settings import TransportSettings

# Short limits, so the demo's hung and slow hosts cost seconds, not the production two minutes.
DEMO_DEADLINE = 15.0


DETAIL_WIDTH = 90

# The demo's own words, English and French (shared words come from scanner.i18n).
_TEXT: dict[str, tuple[str, str]] = {
    "heading": ("With the simulated directory ({path}): organisation-level findings",
                "Avec l'annuaire simulé ({path}) : constats au niveau de l'organisation"),
    "intro": ("The same scanned hosts judged again offline, with the organisation and installer-account facts "
              "of this file instead of Active Directory ({source}; installer account {account}).",
              "Les mêmes serveurs analysés, jugés de nouveau hors ligne avec les faits d'organisation et de compte "
              "d'installation de ce fichier au lieu d'Active Directory ({source} ; compte d'installation "
              "{account})."),
    "hosts_col": ("Hosts", "Serveurs"),
    "none": ("No rule judged from the directory fails or warns here.",
             "Aucune règle jugée d'après l'annuaire n'échoue ni n'avertit ici."),
    "counts": ("{findings} of the {judged} rules judged from the directory or the installer account fail or warn "
               "for Exchange {version}.",
               "{findings} des {judged} règles jugées d'après l'annuaire ou le compte d'installation échouent ou "
               "avertissent pour Exchange {version}."),
    "quiet": ("Judged from the directory, no finding here: {rules}",
              "Jugées d'après l'annuaire, sans constat ici : {rules}"),
    "summary": ("Summary by role, with the simulated directory", "Synthèse par rôle, avec l'annuaire simulé"),
    "no_installer": ("(none named)", "(aucun)"),
    "error": ("error", "erreur"),
    "warning": ("warning", "avertissement"),
}


def _say(key: str, lang: Lang, **values: object) -> str:
    en, fr = _TEXT[key]
    return (fr if lang is Lang.FR else en).format(**values)


def load_directory(path: Path) -> FactsDocument:
    """A saved facts document whose organisation (and installer account) facts stand in for AD.
    Raises UsageError/FactsError with one line."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the directory file: {exc.strerror or exc}") from None
    try:
        doc = facts_from_json(data)
    except FactsError as exc:
        raise FactsError(f"{path}: {exc}") from None
    if not doc.org.facts:
        raise FactsError(f"{path}: no organisation facts (org.facts is empty); nothing to judge the directory with")
    return doc


@dataclass(frozen=True, slots=True)
class DirectoryFinding:
    """One rule judged from the directory that fails or warns on some hosts."""

    rule_id: str
    severity: Severity
    status: Status  # FAIL, or WARN when no host fails
    hosts: int
    detail: str  # one example, from the first host in inventory order


def directory_rule_ids(catalog: Catalog, version: str) -> tuple[str, ...]:
    """The rules of this target that read an organisation or installer-account fact."""
    return tuple(r.id for r in catalog.rules_for(version) if any(not is_host_fact(f) for f in r.meta.facts))


def directory_findings(result: ScanResult, rule_ids: Sequence[str], catalog: Catalog) -> list[DirectoryFinding]:
    """Per rule, how many hosts it fails or warns on in ``result``; errors first, then by id."""
    wanted = set(rule_ids)
    hits: dict[str, list[tuple[Status, str]]] = {}
    for outcome in result.outcomes:
        for v in result.verdicts.get(outcome.host.name, ()):
            if v.rule_id in wanted and v.status in (Status.FAIL, Status.WARN):
                hits.setdefault(v.rule_id, []).append((v.status, v.detail))
    out = []
    for rule_id, found in hits.items():
        status = Status.FAIL if any(s is Status.FAIL for s, _ in found) else Status.WARN
        detail = next(d for s, d in found if s is status)
        out.append(DirectoryFinding(rule_id, catalog.rule(rule_id).meta.severity, status, len(found), detail))
    return sorted(out, key=lambda f: (f.severity is not Severity.ERROR, f.rule_id))


def _clip(text: str, width: int = DETAIL_WIDTH) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def directory_section(result: ScanResult, doc: FactsDocument, path: Path, catalog: Catalog, lang: Lang) -> str:
    version = result.info.exchange_version
    rule_ids = directory_rule_ids(catalog, version)
    findings = directory_findings(result, rule_ids, catalog)
    account = doc.installer.account if doc.installer is not None else _say("no_installer", lang)
    lines = [_say("heading", lang, path=path), "",
             _say("intro", lang, source=doc.org.source or path.name, account=account), ""]
    if findings:
        rows = [[f.rule_id, _say(f.severity.value, lang), t(f.status.value, lang), str(f.hosts), _clip(f.detail)]
                for f in findings]
        lines.append(tabulate(rows, headers=[t("rule", lang), t("severity", lang), t("status", lang),
                                             _say("hosts_col", lang), t("detail", lang)],
                              tablefmt="simple", disable_numparse=True))
    else:
        lines.append(_say("none", lang))
    lines += ["", _say("counts", lang, findings=len(findings), judged=len(rule_ids), version=version)]
    quiet = sorted(set(rule_ids) - {f.rule_id for f in findings})
    if quiet:
        lines.append(_say("quiet", lang, rules=", ".join(quiet)))
    lines += ["", _say("summary", lang), summary_table(result, lang)]
    return "\n".join(lines)


def demo(
    site: Annotated[Path | None, typer.Option(
        "--site", metavar="SITE",
        help="Site file to simulate, or a bundled site's name: demo (the default) or faults.")] = None,
    out: Annotated[Path, typer.Option("--out", metavar="DIR", help="Where to write the reports.")]
    = Path("exready-demo"),
    exchange: Exchange = "2013",
    concurrency: Concurrency = 32,
    csv_dialect: CsvDialectOpt = CsvDialect.EXCEL,
    lang: LangOpt = None,
    no_progress: NoProgress = False,
    wide: Wide = False,
    directory: Annotated[Path | None, typer.Option(
        "--directory", metavar="FILE",
        help="Saved facts document whose organisation and installer-account facts stand in for Active "
             "Directory in the second section (default: the bundled demo-directory.json).")] = None,
    no_directory: Annotated[bool, typer.Option(
        "--no-directory", help="Skip the second section (judged with a simulated directory).")] = False,
) -> None:
    """Scan a simulated site of about 70 Windows servers (on loopback) and show the matrix."""
    from scanner.simulator.runner import SimulatorThread  # the simulator is only needed here

    check_target(exchange, None)
    site_file = bundled_site(site) if site is not None else DEMO_SITE
    if no_directory and directory is not None:
        raise UsageError("--directory and --no-directory cannot be used together")
    directory_file = None if no_directory else directory or DEMO_DIRECTORY
    # read before the simulator starts: a bad file costs nothing and says so in one line
    directory_doc = load_directory(directory_file) if directory_file is not None else None
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create {out}: {exc.strerror or exc}") from None
    params = EvaluationParams(exchange_version=exchange)
    catalog = load_catalog()
    typer.echo(f"exready demo: starting the fleet simulator on {site_file}", err=True)
    with SimulatorThread(site_file, out / "simulator") as sim:
        inventory = load_inventory(sim.write_inventory(out / "inventory.csv"))
        account = sim.credentials
        typer.echo(f"exready demo: {len(inventory.hosts)} simulated hosts; scanning as {account.username} "
                   "over WinRM (NTLM with message encryption; Basic over verified TLS where offered)", err=True)
        request = ScanRequest(
            hosts=inventory.hosts,
            transport=TransportSettings(
                credentials=Credentials(account.username, Secret(account.password)),
                ca_file=sim.ca_file, connection_timeout=3.0, read_timeout=10.0, operation_timeout=5,
                deadline=DEMO_DEADLINE),
            limits=SweepLimits(concurrency=concurrency, deadline=DEMO_DEADLINE, grace=2.0,
                               breaker_account=account.username),
            params=params,
            inventory_source=f"simulated site {site_file.name}",
        )
        run = run_scan(request, catalog, progress=not no_progress)
    outputs = Outputs(csv=out / "matrix.csv", csv_dialect=csv_dialect, json=out / "scan.json",
                      findings_csv=out / "findings.csv", html=out / "report.html", lang=lang_or_default(lang),
                      wide=wide)
    write_outputs(run.result, outputs)
    print_result(run.result, outputs)
    code = exit_code(run.result, run.signal_name)
    if run.signal_name is not None:
        raise typer.Exit(code)
    if directory_file is not None and directory_doc is not None:
        with_directory = judge_with_directory(run.result, directory_doc, directory_file, catalog, params)
        more = Outputs(csv=out / "matrix-with-directory.csv", csv_dialect=csv_dialect,
                       json=out / "scan-with-directory.json", lang=outputs.lang)
        write_outputs(with_directory, more)
        typer.echo("")
        typer.echo(directory_section(with_directory, directory_doc, directory_file, catalog, outputs.lang))
        typer.echo("")
        for path in (more.csv, more.json):
            typer.echo(t("wrote", outputs.lang, path=path))
    typer.echo(f"(a real scan with this result would exit with code {code}; see the README's exit codes)")


def judge_with_directory(result: ScanResult, doc: FactsDocument, path: Path, catalog: Catalog,
                         params: EvaluationParams) -> ScanResult:
    """The same outcomes judged again offline, with the document's organisation and installer facts."""
    info = replace(result.info, inventory_source=f"{result.info.inventory_source}; directory from {path.name}")
    return assemble(info, result.outcomes, catalog, replace(params, org=doc.org, installer=doc.installer))


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
