"""``exready scan``: scan the servers of an inventory file (or of Active Directory) and print the matrix."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scanner.checks.catalog import load_catalog
from scanner.cli.ad_options import (
    AdAllowCleartext,
    AdAuthOption,
    AdBase,
    AdCaFile,
    AdDeadline,
    AdDnsServer,
    AdInsecure,
    AdName,
    AdNoDns,
    AdOu,
    AdResolve,
    AdResolveFile,
    AdStaleDays,
    AdStartTls,
    AdTimeout,
    AdTlsName,
    AdUrl,
    AdUser,
    ad_settings,
)
from scanner.cli.installer_option import InstallerAccount
from scanner.cli.scan_options import (
    AuthOpt,
    Breaker,
    CaFile,
    Ccache,
    Concurrency,
    ConfigurationName,
    ConnectTimeout,
    CsvDialectOpt,
    CsvOut,
    Cu,
    Deadline,
    Exchange,
    FindingsCsvOut,
    HtmlOut,
    Insecure,
    JsonOut,
    Keytab,
    LangOpt,
    NoProgress,
    OperationTimeout,
    PasswordEnv,
    Quiet,
    ReadTimeout,
    SchemeOpt,
    TlsName,
    Transport,
    User,
    Wide,
    Workers,
    check_target,
    lang_or_default,
    sweep_limits,
    transport_settings,
    winrm_credentials,
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
from scanner.collect.limits import AUTO_CONCURRENCY
from scanner.credentials import PASSWORD_ENV
from scanner.directory.installer import read_installer
from scanner.directory.settings import DEFAULT_STALE_DAYS, AdAuth
from scanner.errors import UsageError
from scanner.evaluate.engine import EvaluationParams
from scanner.inventory.ad import discover_hosts, read_org
from scanner.inventory.file import load_inventory
from scanner.model.facts import OrgFacts
from scanner.model.host import AuthMethod, Host, Scheme
from scanner.pipeline import ScanRequest
from scanner.report.csv_safe import CsvDialect

InventoryOpt = Annotated[Path | None, typer.Option(
    "--inventory", "-i", metavar="FILE",
    help="Inventory file: a list of hosts (.txt), CSV (.csv) or YAML (.yaml).")]


def scan(
    inventory: InventoryOpt = None,
    ad: AdUrl = None,
    ad_user: AdUser = None,
    ad_auth: AdAuthOption = AdAuth.SIMPLE,
    starttls: AdStartTls = False,
    ad_ca_file: AdCaFile = None,
    ad_tls_name: AdTlsName = None,
    ad_insecure: AdInsecure = False,
    ad_allow_cleartext_bind: AdAllowCleartext = False,
    base: AdBase = None,
    ou: AdOu = None,
    name: AdName = None,
    stale_days: AdStaleDays = DEFAULT_STALE_DAYS,
    resolve: AdResolve = None,
    resolve_file: AdResolveFile = None,
    no_dns: AdNoDns = False,
    ad_dns_server: AdDnsServer = None,
    ad_timeout: AdTimeout = 10.0,
    ad_deadline: AdDeadline = 120.0,
    user: User = None,
    password_env: PasswordEnv = PASSWORD_ENV,
    keytab: Keytab = None,
    ccache: Ccache = None,
    scheme: SchemeOpt = Scheme.HTTP,
    auth: AuthOpt = AuthMethod.NEGOTIATE,
    ca_file: CaFile = None,
    insecure_skip_tls_verify: Insecure = False,
    tls_name: TlsName = None,
    configuration_name: ConfigurationName = "Microsoft.PowerShell",
    transport: Transport = "lean",
    concurrency: Concurrency = AUTO_CONCURRENCY,
    workers: Workers = 0,
    deadline: Deadline = 120.0,
    connect_timeout: ConnectTimeout = 10.0,
    read_timeout: ReadTimeout = 30.0,
    operation_timeout: OperationTimeout = 20,
    auth_breaker: Breaker = 5,
    exchange: Exchange = "2013",
    cu: Cu = None,
    installer_account: InstallerAccount = None,
    csv: CsvOut = None,
    csv_dialect: CsvDialectOpt = CsvDialect.EXCEL,
    json: JsonOut = None,
    findings_csv: FindingsCsvOut = None,
    html: HtmlOut = None,
    lang: LangOpt = None,
    no_progress: NoProgress = False,
    quiet: Quiet = False,
    wide: Wide = False,
) -> None:
    """Scan servers over WinRM with read-only PowerShell and print which is ready for which role.

    The servers come from --inventory FILE, or from Active Directory with --ad URL. With both, the
    file says what to scan and AD gives the organisation facts that the AD-level rules need."""
    check_target(exchange, cu)
    check_output_paths({"--csv": csv, "--json": json, "--findings-csv": findings_csv, "--html": html})
    if inventory is None and ad is None:
        raise UsageError("say what to scan: --inventory FILE, or --ad URL to read the servers from AD")
    hosts: tuple[Host, ...] = ()
    source = ""
    org = OrgFacts()
    if inventory is not None:
        inv = load_inventory(inventory)
        for line in inv.merged:
            typer.echo(f"exready: merged duplicate inventory entries: {line}", err=True)
        hosts, source = inv.hosts, inv.source
    if ad is not None:
        settings = ad_settings(
            ad, ad_user=ad_user, ad_auth=ad_auth, starttls=starttls, ca_file=ad_ca_file, tls_name=ad_tls_name,
            insecure=ad_insecure, allow_cleartext=ad_allow_cleartext_bind, bases=base, ous=ou, names=name,
            stale_days=stale_days, resolve=resolve,
            resolve_file=resolve_file, no_dns=no_dns, dns_servers=ad_dns_server,
            timeout=ad_timeout, deadline=ad_deadline)
        if inventory is None:
            found = discover_hosts(settings)
            hosts, source, org = found.hosts, found.source, found.org
            left_out = sum(found.exclusions.values())
            typer.echo(f"exready: {len(hosts)} server(s) from {found.source}; {left_out} computer(s) left out "
                       "(see 'exready inventory --ad')", err=True)
            if not hosts:
                raise UsageError(f"{found.source}: no server to scan (see 'exready inventory --ad' for why)")
        else:
            org = read_org(settings, hosts)
    installer = None
    if installer_account is not None:
        if ad is None:
            raise UsageError("--installer-account needs --ad: the account's groups are read from Active Directory")
        installer = read_installer(settings, installer_account)
    params = EvaluationParams(exchange_version=exchange, cu=cu, org=org, installer=installer)
    catalog = load_catalog()
    credentials = winrm_credentials(user, password_env, keytab, ccache)
    request = ScanRequest(
        hosts=hosts,
        transport=transport_settings(
            credentials, scheme=scheme, auth=auth, ca_file=ca_file, insecure=insecure_skip_tls_verify,
            connect_timeout=connect_timeout, read_timeout=read_timeout,
            operation_timeout=operation_timeout, deadline=deadline, configuration_name=configuration_name,
            tls_name=tls_name, transport=transport),
        limits=sweep_limits(concurrency, deadline, auth_breaker, credentials.label, workers),
        params=params,
        inventory_source=source,
    )
    outputs = Outputs(csv=csv, csv_dialect=csv_dialect, json=json, findings_csv=findings_csv, html=html,
                      lang=lang_or_default(lang), quiet=quiet, wide=wide)
    with StopSignals() as signals:  # until the outputs are written: a late Ctrl-C waits for them
        signals.expect(outputs.paths)
        run = run_scan(request, catalog, progress=not no_progress, signals=signals)
        write_outputs(run.result, outputs, signals)
        print_result(run.result, outputs)
        say_run_failure(run.result, outputs.lang)
    raise typer.Exit(exit_code(run.result, signals.first))


def register(app: typer.Typer) -> None:
    app.command("scan")(scan)
