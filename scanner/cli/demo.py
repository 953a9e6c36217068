"""``exready demo``: start the fleet simulator on the bundled demo site, scan it through the real
pipeline (WinRM, NTLM, message encryption, TLS), print the matrix and write CSV and JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scanner.checks.catalog import load_catalog
from scanner.cli.scan_options import Concurrency, CsvDialectOpt, Exchange, LangOpt, NoProgress, lang_or_default
from scanner.cli.scanning import Outputs, exit_code, print_result, run_scan, write_outputs
from scanner.collect.runner import SweepLimits
from scanner.credentials import Credentials, Secret
from scanner.errors import UsageError
from scanner.evaluate.engine import EvaluationParams
from scanner.inventory.file import load_inventory
from scanner.pipeline import ScanRequest
from scanner.report.csv_safe import CsvDialect
from scanner.transport.settings import TransportSettings

# Short limits, so the demo's hung and slow hosts cost seconds, not the production two minutes.
DEMO_DEADLINE = 15.0


def samples_dir() -> Path:
    """samples/ of the source checkout this package runs from."""
    return Path(__file__).resolve().parents[2] / "samples"


def demo(
    site: Annotated[Path | None, typer.Option(
        "--site", metavar="FILE", help="Site file to simulate (default: samples/sites/demo.yaml).")] = None,
    out: Annotated[Path, typer.Option("--out", metavar="DIR", help="Where to write the reports.")]
    = Path("exready-demo"),
    exchange: Exchange = "2013",
    concurrency: Concurrency = 32,
    csv_dialect: CsvDialectOpt = CsvDialect.EXCEL,
    lang: LangOpt = None,
    no_progress: NoProgress = False,
) -> None:
    """Scan a simulated site of about 60 Windows servers (on loopback) and show the matrix."""
    from scanner.simulator.runner import SimulatorThread  # the simulator is only needed here

    site_file = site or samples_dir() / "sites" / "demo.yaml"
    if not site_file.is_file():
        raise UsageError(f"{site_file}: no such site file (the demo site ships in the source checkout's "
                         "samples/sites/; pass --site FILE)")
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
                      lang=lang_or_default(lang))
    write_outputs(run.result, outputs)
    print_result(run.result, outputs)
    code = exit_code(run.result, run.signal_name)
    if run.signal_name is not None:
        raise typer.Exit(code)
    typer.echo(f"(a real scan with this result would exit with code {code}; see the README's exit codes)")


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
