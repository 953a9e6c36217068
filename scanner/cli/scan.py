"""``exready scan``: scan the servers of an inventory file (or of Active Directory) and print the matrix."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scanner.checks.catalog import load_catalog
from scanner.cli.scan_options import (
    AuthOpt,
    Breaker,
    CaFile,
    Concurrency,
    ConnectTimeout,
    CsvDialectOpt,
    CsvOut,
    Cu,
    Deadline,
    Exchange,
    Insecure,
    JsonOut,
    LangOpt,
    NoProgress,
    OperationTimeout,
    PasswordEnv,
    Quiet,
    ReadTimeout,
    SchemeOpt,
    User,
    lang_or_default,
    sweep_limits,
    transport_settings,
)
from scanner.cli.scanning import Outputs, exit_code, print_result, run_scan, write_outputs
from scanner.credentials import PASSWORD_ENV, resolve_credentials
from scanner.errors import UsageError
from scanner.evaluate.engine import EvaluationParams
from scanner.inventory.file import load_inventory
from scanner.model.host import AuthMethod, Scheme
from scanner.pipeline import ScanRequest
from scanner.report.csv_safe import CsvDialect

InventoryOpt = Annotated[Path | None, typer.Option(
    "--inventory", "-i", metavar="FILE",
    help="Inventory file: a list of hosts (.txt), CSV (.csv) or YAML (.yaml).")]


def scan(
    inventory: InventoryOpt = None,
    user: User = None,
    password_env: PasswordEnv = PASSWORD_ENV,
    scheme: SchemeOpt = Scheme.HTTP,
    auth: AuthOpt = AuthMethod.NEGOTIATE,
    ca_file: CaFile = None,
    insecure_skip_tls_verify: Insecure = False,
    concurrency: Concurrency = 32,
    deadline: Deadline = 120.0,
    connect_timeout: ConnectTimeout = 10.0,
    read_timeout: ReadTimeout = 30.0,
    operation_timeout: OperationTimeout = 20,
    auth_breaker: Breaker = 5,
    exchange: Exchange = "2013",
    cu: Cu = None,
    csv: CsvOut = None,
    csv_dialect: CsvDialectOpt = CsvDialect.EXCEL,
    json: JsonOut = None,
    lang: LangOpt = None,
    no_progress: NoProgress = False,
    quiet: Quiet = False,
) -> None:
    """Scan servers over WinRM with read-only PowerShell and print which is ready for which role."""
    if inventory is None:
        raise UsageError("say what to scan: --inventory FILE")
    inv = load_inventory(inventory)
    for line in inv.merged:
        typer.echo(f"exready: merged duplicate inventory entries: {line}", err=True)
    params = EvaluationParams(exchange_version=exchange, cu=cu)
    catalog = load_catalog()
    credentials = resolve_credentials(user, env_var=password_env)
    request = ScanRequest(
        hosts=inv.hosts,
        transport=transport_settings(
            credentials, scheme=scheme, auth=auth, ca_file=ca_file, insecure=insecure_skip_tls_verify,
            connect_timeout=connect_timeout, read_timeout=read_timeout,
            operation_timeout=operation_timeout, deadline=deadline),
        limits=sweep_limits(concurrency, deadline, auth_breaker, credentials.label),
        params=params,
        inventory_source=inv.source,
    )
    outputs = Outputs(csv=csv, csv_dialect=csv_dialect, json=json, lang=lang_or_default(lang), quiet=quiet)
    run = run_scan(request, catalog, progress=not no_progress)
    write_outputs(run.result, outputs)
    print_result(run.result, outputs)
    raise typer.Exit(exit_code(run.result, run.signal_name))


def register(app: typer.Typer) -> None:
    app.command("scan")(scan)
