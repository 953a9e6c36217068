"""``exready sweep``: the unattended, recurring scan. A TOML file holds the settings (command-line
options override it); every run goes into the history database; the reports for the change-management
handoff are written; ``--fail-on`` decides which findings make the exit code non-zero; ``--resume``
finishes a sweep that was killed or interrupted, scanning only the hosts it did not finish."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from scanner.checks.catalog import Catalog, load_catalog
from scanner.checks.targets import EXCHANGE_VERSIONS, normalize_version
from scanner.cli.scan_options import (
    CsvOut,
    JsonOut,
    LangOpt,
    NoProgress,
    Quiet,
    check_target,
    exchange_option,
    lang_or_default,
    sweep_limits,
    transport_settings,
)
from scanner.cli.scanning import (
    Outputs,
    check_output_paths,
    exit_code,
    print_result,
    run_scan,
    say_run_failure,
    write_outputs,
)
from scanner.cli.stopping import StopSignals
from scanner.collect.limits import MAX_CONCURRENCY
from scanner.collect.observer import ScanObserver
from scanner.collect.order import expected_seconds
from scanner.credentials import Credentials, resolve_credentials
from scanner.errors import CredentialError, HistoryError, UsageError
from scanner.evaluate.engine import EvaluationParams
from scanner.history.diff import RunDiff, diff_results
from scanner.history.recorder import HistoryRecorder
from scanner.history.store import HistoryStore, RunStatus
from scanner.i18n import Lang
from scanner.model.facts import OrgFacts
from scanner.model.host import AuthMethod, Host, Scheme
from scanner.model.outcome import HostOutcome
from scanner.model.run import ScanResult
from scanner.pipeline import ScanRequest, new_run_id
from scanner.report.csv_safe import CsvDialect
from scanner.sweep.config import (
    AdConfig,
    CredentialsConfig,
    CredentialSource,
    FailOn,
    SweepConfig,
    load_config,
)
from scanner.sweep.password_file import read_password_file
from scanner.sweep.policy import apply_fail_on

if TYPE_CHECKING:
    from scanner.report.events import EventLog

SWEEP = "Sweep"
OUT = "Outputs"


@dataclass(frozen=True, slots=True)
class Target:
    """What this run scans: the hosts, the ones already done (a resume), and where they came from."""

    run_id: str
    hosts: tuple[Host, ...]
    prior: dict[str, HostOutcome]
    inventory_source: str
    exchange: str
    cu: int | None
    org: OrgFacts


def _spool_dir(config: SweepConfig) -> Path:
    from scanner.history.spool import default_spool_dir

    return config.history.spool_dir or default_spool_dir()


def sweep_credentials(cfg: CredentialsConfig, where: str) -> Credentials:
    """The WinRM account, from the source the configuration names. Never prompts: nobody is there."""
    if cfg.ccache is not None:
        os.environ["KRB5CCNAME"] = f"FILE:{cfg.ccache}"  # read by the Kerberos library in this process
    if cfg.source is CredentialSource.KERBEROS:
        if cfg.keytab is not None:
            if not cfg.keytab.is_file():
                raise CredentialError(f"[credentials] keytab {cfg.keytab}: no such file (see {where})")
            return Credentials(cfg.user, None, keytab=cfg.keytab)
        return Credentials(None, None)
    assert cfg.user is not None  # the loader checked it
    if cfg.source is CredentialSource.FILE:
        assert cfg.password_file is not None
        return Credentials(cfg.user, read_password_file(cfg.password_file))
    try:
        return resolve_credentials(cfg.user, env_var=cfg.password_env, prompt=False)
    except CredentialError:
        raise CredentialError(
            f"no password for {cfg.user}: the environment variable {cfg.password_env} is not set "
            f"(see [credentials] in {where}; or use source = \"file\" with a password file)"
        ) from None


def _ad_inventory(ad: AdConfig, where: str) -> tuple[tuple[Host, ...], OrgFacts, str]:
    from scanner.cli.ad_options import ad_settings
    from scanner.directory.settings import AdAuth
    from scanner.inventory.ad import discover_hosts

    bind_credentials = None
    if ad.password_file is not None and ad.user is not None:
        bind_credentials = Credentials(ad.user, read_password_file(ad.password_file))
    elif ad.user is not None:
        try:
            bind_credentials = resolve_credentials(ad.user, env_var=ad.password_env, prompt=False)
        except CredentialError:
            raise CredentialError(
                f"no password for the AD account {ad.user}: the environment variable {ad.password_env} is "
                f"not set (see ad_password_env and ad_password_file in [inventory] of {where})"
            ) from None
    settings = ad_settings(
        ad.url, ad_user=ad.user, ad_auth=AdAuth(ad.auth), starttls=ad.starttls, ca_file=ad.ca_file,
        tls_name=ad.tls_name, insecure=ad.insecure_skip_tls_verify,
        allow_cleartext=ad.allow_cleartext_bind, bases=list(ad.base), ous=list(ad.ou),
        names=list(ad.name), stale_days=ad.stale_days, resolve_file=ad.resolve_file, no_dns=ad.no_dns,
        dns_servers=list(ad.dns_server), timeout=ad.timeout, deadline=ad.deadline, credentials=bind_credentials)
    inv = discover_hosts(settings)
    return inv.hosts, inv.org, f"ad:{inv.source}"


def _fresh_target(config: SweepConfig) -> Target:
    if config.inventory_file is not None:
        from scanner.inventory.file import load_inventory

        inv = load_inventory(config.inventory_file)
        for line in inv.merged:
            typer.echo(f"exready: merged duplicate inventory entries: {line}", err=True)
        hosts, org, source = inv.hosts, OrgFacts(), inv.source
    elif config.ad is not None:
        hosts, org, source = _ad_inventory(config.ad, str(config.source or "the command line"))
    else:
        raise UsageError("say what to sweep: --config FILE with an [inventory], or --inventory FILE")
    if not hosts:
        raise UsageError(f"the inventory {source} has no hosts")
    return Target(new_run_id(), tuple(hosts), {}, source, config.exchange, config.cu, org)


def _resume_target(store: HistoryStore, ref: str, config: SweepConfig) -> Target:
    run_id = store.resolve(ref, config.zone if ref.strip().startswith("last") else None)
    summary = store.summary(run_id)
    if summary.status is RunStatus.COMPLETE:
        raise HistoryError(f"run {run_id} is complete; there is nothing to resume")
    if summary.zone != config.zone:  # each scanner writes only its own zone's hosts
        raise HistoryError(f"run {run_id} belongs to zone {summary.zone!r}; this sweep is zone "
                           f"{config.zone!r} (--zone or zone = in the configuration)")
    info = store.run_info(run_id)
    hosts = tuple(store.hosts(run_id))
    prior = {o.host.name: o for o in store.finished_outcomes(run_id)}
    org = store.load_result(run_id).org
    typer.echo(f"exready sweep: resuming run {run_id}: {len(hosts) - len(prior)} of {len(hosts)} hosts "
               "left to scan", err=True)
    if (config.exchange, config.cu) != (info.exchange_version, info.cu):
        typer.echo(f"exready sweep: the run targets Exchange {info.exchange_version}"
                   f"{f' CU{info.cu}' if info.cu is not None else ''}; it is finished with that target, "
                   "not the configuration's", err=True)
    return Target(run_id, hosts, prior, info.inventory_source, info.exchange_version, info.cu, org)


def _previous(store: HistoryStore | None, run_id: str, zone: str) -> ScanResult | None:
    """The newest complete run of this zone before this one, for "changes since the previous sweep". One that
    cannot be read (a damaged database page, a corrupt row) costs the comparison, never tonight's
    reports: a warning line says so."""
    if store is None:
        return None
    previous_id: str | None = None
    try:
        previous_id = store.previous_complete(run_id)
        if previous_id is None:
            for candidate in store.last_complete(2, zone):  # a brand-new run is not in the database yet
                if candidate != run_id:
                    previous_id = candidate
                    break
        return store.load_result(previous_id) if previous_id else None
    except HistoryError as exc:
        which = f"run {previous_id}" if previous_id else "the previous run"
        typer.echo(f"exready sweep: warning: cannot read {which} to compare with ({exc}); the reports "
                   "show no changes since the previous sweep", err=True)
        return None


def sweep(
    config_file: Annotated[Path | None, typer.Option(
        "--config", "-C", metavar="FILE", help="Sweep configuration (TOML); see --example-config.")] = None,
    example_config: Annotated[bool, typer.Option(
        "--example-config", help="Print a commented configuration with every key, and exit.")] = False,
    inventory: Annotated[Path | None, typer.Option(
        "--inventory", "-i", metavar="FILE", help="Inventory file (overrides [inventory]).")] = None,
    exchange: Annotated[str | None, typer.Option(
        "--exchange", "-x", metavar="2013|2016|2019|SE", callback=exchange_option,
        help="Target Exchange version.")] = None,
    cu: Annotated[int | None, typer.Option(
        "--cu", min=0, metavar="N", help="Target cumulative update.")] = None,
    user: Annotated[str | None, typer.Option(
        "--user", "-u", metavar="USER", help="WinRM account (password from [credentials]).")] = None,
    concurrency: Annotated[int | None, typer.Option(
        "--concurrency", "-c", min=0, max=MAX_CONCURRENCY, metavar="N",
        help="Hosts scanned at once (default: [limits] concurrency); 0: chosen from the CPU cores and free "
             "memory.")] = None,
    workers: Annotated[int | None, typer.Option(
        "--workers", "-w", min=0, max=64, metavar="N",
        help="Processes that run the WinRM sessions; 0: one per core, up to 4, from 200 hosts.")] = None,
    deadline: Annotated[float | None, typer.Option(
        "--deadline", min=1, metavar="SECONDS", help="Seconds one host may take, connect to close.")] = None,
    transport: Annotated[str | None, typer.Option(
        "--transport", metavar="lean|pypsrp",
        help="How sessions hold their WS-Man/PSRP conversation (overrides [winrm] transport): lean (asyncio) "
             "or pypsrp (a thread per host); Kerberos and CredSSP always use pypsrp.")] = None,
    db: Annotated[str | None, typer.Option(
        "--db", metavar="FILE|URL", envvar="EXREADY_DB", rich_help_panel=SWEEP,
        help="History database: a SQLite file or a postgresql:// URL without a password (default: "
             "[history] db or url, else the user's state directory).")] = None,
    zone: Annotated[str | None, typer.Option(
        "--zone", metavar="ZONE", rich_help_panel=SWEEP,
        help="The zone this sweep covers (default: the configuration's zone, else 'default').")] = None,
    no_history: Annotated[bool, typer.Option(
        "--no-history", rich_help_panel=SWEEP, help="Do not record this sweep.")] = False,
    lock_wait: Annotated[float | None, typer.Option(
        "--lock-wait", min=0, metavar="SECONDS", rich_help_panel=SWEEP,
        help="Wait this long for another sweep on the same database (default 0: exit at once).")] = None,
    resume: Annotated[str | None, typer.Option(
        "--resume", metavar="RUN", rich_help_panel=SWEEP,
        help="Finish an interrupted or killed run ('last' or its id): scan only its unfinished "
             "hosts.")] = None,
    fail_on: Annotated[FailOn | None, typer.Option(
        "--fail-on", case_sensitive=False, rich_help_panel=SWEEP,
        help="blocked: exit 1 if a host is blocked, 2 if one is unknown (default); unknown: only 2; "
             "never: 0 (a failed or interrupted run still exits 3/130/143).")] = None,
    csv: CsvOut = None,
    csv_dialect: Annotated[CsvDialect | None, typer.Option(
        "--csv-dialect", case_sensitive=False, rich_help_panel=OUT,
        help="excel (comma) or excel-fr (semicolon and a BOM); default: [outputs] csv_dialect.")] = None,
    findings_csv: Annotated[Path | None, typer.Option(
        "--findings-csv", metavar="FILE", rich_help_panel=OUT,
        help="Write one row per host and failing, warning or unknown rule.")] = None,
    html: Annotated[Path | None, typer.Option(
        "--html", metavar="FILE", rich_help_panel=OUT,
        help="Write the self-contained HTML report, with the changes since the previous sweep.")] = None,
    json: JsonOut = None,
    log_json: Annotated[Path | None, typer.Option(
        "--log-json", metavar="FILE", rich_help_panel=OUT,
        help="Append one JSON line per host outcome (and run start and end) for log collectors.")] = None,
    lang: LangOpt = None,
    no_progress: NoProgress = False,
    quiet: Quiet = False,
) -> None:
    """Run a recurring sweep from a configuration file, record it in the history, write the reports."""
    if example_config:
        from scanner.sweep.config import example_config as example

        typer.echo(example(), nl=False)
        return
    config = load_config(config_file) if config_file is not None else SweepConfig()
    where = str(config_file) if config_file is not None else "the command line"
    if inventory is not None:
        config = replace(config, inventory_file=inventory, ad=None)
    if exchange is not None:
        exchange = normalize_version(exchange)
        if exchange not in EXCHANGE_VERSIONS:
            raise UsageError(f"--exchange {exchange!r}: expected {', '.join(EXCHANGE_VERSIONS)}")
        config = replace(config, exchange=exchange)
    if cu is not None:
        config = replace(config, cu=cu)
    check_target(config.exchange, config.cu)
    if fail_on is not None:
        config = replace(config, fail_on=fail_on)
    if zone is not None:
        from scanner.history.zone_lock import check_zone

        config = replace(config, zone=check_zone(zone))
    if user is not None:
        source = CredentialSource.ENV if config.credentials.source is CredentialSource.KERBEROS \
            else config.credentials.source
        config = replace(config, credentials=replace(config.credentials, user=user, source=source))
    if concurrency is not None or deadline is not None or workers is not None:
        config = replace(config, limits=replace(
            config.limits, concurrency=config.limits.concurrency if concurrency is None else concurrency,
            deadline=deadline or config.limits.deadline,
            workers=config.limits.workers if workers is None else workers))
    if transport is not None:
        config = replace(config, winrm=replace(config.winrm, transport=transport.lower()))
    chosen_lang = lang or (Lang(config.outputs.lang) if config.outputs.lang else None)
    lang_value = lang_or_default(chosen_lang)
    dialect = csv_dialect or CsvDialect(config.outputs.csv_dialect)

    catalog = load_catalog()
    store: HistoryStore | None = None
    if not no_history and config.history.enabled:
        from scanner.cli.history_db import open_history

        store = open_history(db, config.history, create=True)
    elif resume is not None:
        raise UsageError("--resume needs the history database (drop --no-history)")
    try:
        if store is not None:
            store.lock(lock_wait if lock_wait is not None else config.history.lock_wait, config.zone)
            if store.can_reconnect:  # what an earlier sweep of this zone kept while the server was away
                from scanner.history.recorder import deliver_pending

                for line in deliver_pending(store, _spool_dir(config), config.zone):
                    typer.echo(f"exready sweep: {line}", err=True)
        target = _resume_target(store, resume, config) if store is not None and resume is not None \
            else _fresh_target(config)
        _run(config, where, catalog, store, target, lang_value, dialect,
             csv=csv, findings_csv=findings_csv, html=html, json=json, log_json=log_json,
             no_progress=no_progress, quiet=quiet)
    finally:
        if store is not None:
            store.close()


def _expected(store: HistoryStore | None, deadline: float, zone: str) -> dict[str, float]:
    """How long each host took in the zone's last complete sweep: the slow and the hung start first tonight."""
    if store is None:
        return {}
    last = store.last_complete(1, zone)
    return expected_seconds(store.durations(last[0]), deadline) if last else {}


def _run(config: SweepConfig, where: str, catalog: Catalog, store: HistoryStore | None, target: Target,
         lang: Lang, dialect: CsvDialect, *, csv: Path | None, findings_csv: Path | None, html: Path | None,
         json: Path | None, log_json: Path | None, no_progress: bool, quiet: bool) -> None:
    date = datetime.now(UTC).strftime("%Y-%m-%d")

    def out(given: Path | None, template: str | None) -> Path | None:
        return given if given is not None else config.output_path(template, target.run_id, date)

    paths = {
        "csv": out(csv, config.outputs.csv), "findings": out(findings_csv, config.outputs.findings_csv),
        "html": out(html, config.outputs.html), "json": out(json, config.outputs.json),
        "log": out(log_json, config.outputs.log_json),
    }
    for path in paths.values():
        if path is not None and not path.parent.is_dir():
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise UsageError(f"cannot create {path.parent}: {exc.strerror or exc}") from None
    given = {"csv": csv, "findings": findings_csv, "html": html, "json": json, "log": log_json}
    names = {"csv": ("--csv", "csv"), "findings": ("--findings-csv", "findings_csv"), "html": ("--html", "html"),
             "json": ("--json", "json"), "log": ("--log-json", "log_json")}
    # the option when given, else the configuration key that named the file
    check_output_paths({names[k][0] if given[k] is not None else f"[outputs] {names[k][1]}": p
                        for k, p in paths.items()})

    credentials = sweep_credentials(config.credentials, where)
    w = config.winrm
    transport = transport_settings(
        credentials, scheme=Scheme(w.scheme), auth=AuthMethod(w.auth), ca_file=w.ca_file,
        insecure=w.insecure_skip_tls_verify, connect_timeout=w.connect_timeout, read_timeout=w.read_timeout,
        operation_timeout=w.operation_timeout, deadline=config.limits.deadline,
        configuration_name=w.configuration_name, tls_name=w.tls_name, transport=w.transport)
    request = ScanRequest(
        hosts=target.hosts,
        transport=transport,
        limits=sweep_limits(config.limits.concurrency, config.limits.deadline, config.limits.auth_breaker,
                            credentials.label, config.limits.workers),
        params=EvaluationParams(exchange_version=target.exchange, cu=target.cu, org=target.org),
        inventory_source=target.inventory_source,
        prior=target.prior,
        run_id=target.run_id,
        expected=_expected(store, config.limits.deadline, config.zone),
    )
    observers: list[ScanObserver] = []
    recorder = HistoryRecorder(store, catalog.roles(target.exchange), target.org, zone=config.zone,
                               spool_dir=_spool_dir(config)) if store is not None else None
    if recorder is not None:
        observers.append(recorder)
    events = None
    if paths["log"] is not None:
        from scanner.report.events import EventLog

        events = EventLog(paths["log"])
        observers.append(events)
    with StopSignals() as signals:  # until the outputs are written: a late Ctrl-C waits for them
        signals.expect(paths[key] for key in ("csv", "json", "findings", "html"))
        code = _scan_and_report(request, catalog, observers, events, recorder, store, paths, lang, dialect,
                                signals, config, no_progress=no_progress, quiet=quiet)
    if recorder is not None and recorder.failure is not None:
        state = "recorded as interrupted" if recorder.closed_interrupted else "left unfinished"
        raise HistoryError(
            f"the sweep ran and its reports were written, but {recorder.failure}; run {target.run_id} is "
            f"{state} in the history: once there is room, 'exready sweep --resume {target.run_id}' scans the "
            "hosts it could not record")
    raise typer.Exit(code)


def _scan_and_report(request: ScanRequest, catalog: Catalog, observers: list[ScanObserver],
                     events: EventLog | None, recorder: HistoryRecorder | None, store: HistoryStore | None,
                     paths: dict[str, Path | None], lang: Lang, dialect: CsvDialect, signals: StopSignals,
                     config: SweepConfig, *, no_progress: bool, quiet: bool) -> int:
    """Scan, write the reports and say what was written; the exit code by ``--fail-on``."""
    try:
        run = run_scan(request, catalog, observers, progress=not no_progress, signals=signals)
    finally:
        if events is not None:
            events.close()
    result = run.result
    if recorder is not None and recorder.spool is not None:
        typer.echo(f"exready sweep: the history database is unreachable; waiting up to "
                   f"{config.history.deliver_wait:g} s to deliver {recorder.kept} host result(s) kept in "
                   f"{recorder.spool.path}", err=True)
        recorder.settle(config.history.deliver_wait)
    offline = recorder is not None and (recorder.spool is not None or recorder.failure is not None)

    outputs = Outputs(csv=paths["csv"], csv_dialect=dialect, json=paths["json"], lang=lang, quiet=quiet)
    write_outputs(result, outputs, signals)
    rules = {m.id: m for m in catalog.all_meta()}
    if paths["findings"] is not None:
        from scanner.report.findings_csv import write_findings_csv

        write_findings_csv(result, paths["findings"], rules, dialect, lang.value)
        signals.wrote(paths["findings"])
    previous = _previous(store if not offline else None, result.info.run_id, config.zone)
    changes: RunDiff | None = diff_results(previous, result) if previous is not None else None
    if paths["html"] is not None:
        from scanner.report.html import write_html

        write_html(result, paths["html"], rules, changes, lang.value)
        signals.wrote(paths["html"])
    print_result(result, outputs)
    for key in ("findings", "html", "log"):
        if paths[key] is not None and not quiet:
            typer.echo(f"wrote {paths[key]}")
    if changes is not None and not quiet:
        typer.echo(
            f"since run {changes.old.run_id}: {len(changes.newly_blocked)} newly blocked, "
            f"{len(changes.newly_ready)} newly ready, {len(changes.newly_unknown)} newly unknown cell(s); "
            f"{len(changes.added_hosts)} host(s) added, {len(changes.removed_hosts)} gone "
            f"(exready diff {changes.old.run_id} {result.info.run_id})")
    if recorder is not None and recorder.recovered is not None:
        typer.echo(f"exready sweep: warning: a history write failed during the sweep ({recorder.recovered}); "
                   "the whole run was stored at its end", err=True)
    if recorder is not None and recorder.outage is not None and recorder.spool is None \
            and recorder.failure is None:
        typer.echo(f"exready sweep: the history database went away during the sweep ({recorder.outage}); "
                   f"{recorder.delivered} host result(s) kept on disk meanwhile were delivered when it came "
                   "back", err=True)
    if recorder is not None and recorder.spool is not None:
        typer.echo(f"exready sweep: the history database is still unreachable: {recorder.kept} host "
                   f"result(s) and the run's end are kept in {recorder.spool.path}; the next sweep of zone "
                   f"{config.zone} into this database delivers them", err=True)
    elif store is not None and recorder is not None and recorder.failure is None:
        typer.echo(f"recorded as run {result.info.run_id} in {store.where}"
                   + (f" (zone {config.zone})" if config.zone != "default" else ""), err=True)
    say_run_failure(result, lang)
    return apply_fail_on(exit_code(result, run.signal_name), config.fail_on)


def register(app: typer.Typer) -> None:
    app.command("sweep")(sweep)
