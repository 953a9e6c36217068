"""``exready simulate SITE``: run the fleet simulator in the foreground."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from tabulate import tabulate

from scanner.cli import EXIT_INTERRUPTED, EXIT_OK, EXIT_TERMINATED
from scanner.errors import UsageError
from scanner.i18n import Lang, default_lang

_TEXT: dict[str, tuple[str, str]] = {
    "head": ("Simulated hosts ({n}, site {site})", "Serveurs simulés ({n}, site {site})"),
    "cols": ("Host|Address|Port(s)|AD site|Profile|Fault", "Serveur|Adresse|Port(s)|Site AD|Profil|Panne"),
    "creds": (
        "Credentials: user {user} (or {alt}), password {password}",
        "Identifiants : utilisateur {user} (ou {alt}), mot de passe {password}",
    ),
    "ca": ("CA file (HTTPS): {path}", "Fichier de l'AC (HTTPS) : {path}"),
    "inv": ("Inventory written to {path}", "Inventaire écrit dans {path}"),
    "fallback": (
        "{n} host(s) listen on 127.0.0.1 with their own port: their address could not be bound.",
        "{n} serveur(s) écoutent sur 127.0.0.1 avec leur propre port : leur adresse n'a pas pu être liée.",
    ),
    "serving": ("Serving until Ctrl-C or SIGTERM{until}.", "En service jusqu'à Ctrl-C ou SIGTERM{until}."),
    "until": (" (or {s:g} s)", " (ou {s:g} s)"),
    "stopped": (
        "Simulator stopped: {conns} connections, {scripts} scripts answered.",
        "Simulateur arrêté : {conns} connexions, {scripts} scripts servis.",
    ),
}


def _t(key: str, lang: Lang, **values: object) -> str:
    en, fr = _TEXT[key]
    return (fr if lang is Lang.FR else en).format(**values)


def register(app: typer.Typer) -> None:
    @app.command("simulate")
    def simulate(
        sitefile: Annotated[str, typer.Argument(
            metavar="SITE", help="Site file (YAML), or a bundled site's name: demo or faults.")],
        workdir: Annotated[
            Path | None,
            typer.Option(metavar="DIR", help="Where to write the CA and NTLM files (default: a temporary "
                         "directory)."),
        ] = None,
        duration: Annotated[
            float | None, typer.Option(metavar="SECONDS", help="Stop by itself after this many seconds.")
        ] = None,
        address_mode: Annotated[
            str,
            typer.Option(
                metavar="auto|address|port",
                help="auto: one loopback address per host, falling back to a port on 127.0.0.1; "
                "address: addresses only; port: a port per host on 127.0.0.1."
            ),
        ] = "auto",
        write_inventory: Annotated[
            Path | None,
            typer.Option(metavar="FILE",
                         help="Also write the hosts as an inventory CSV for 'exready scan --inventory'."),
        ] = None,
        idle_timeout: Annotated[
            float | None,
            typer.Option(metavar="SECONDS",
                         help="Close shells idle for this many seconds (default: each host's IdleTimeOut)."),
        ] = None,
    ) -> None:
        """Run simulated Windows hosts (WinRM/PSRP on loopback) until Ctrl-C or SIGTERM."""
        # imported here: the simulator is not needed by the other commands
        from scanner.bundled import site_file
        from scanner.simulator.profiles import load_site, write_inventory_csv
        from scanner.simulator.server import FleetServer
        from scanner.simulator.service import serve_until_stopped

        if address_mode not in ("auto", "address", "port"):
            raise UsageError(f"--address-mode must be auto, address or port, not {address_mode!r}")
        if duration is not None and duration <= 0:
            raise UsageError("--duration must be a positive number of seconds")
        lang = default_lang()
        site = load_site(site_file(sitefile))
        owned = workdir is None
        wd = Path(tempfile.mkdtemp(prefix="exready-sim-")) if workdir is None else workdir
        server = FleetServer(
            site,
            wd,
            address_mode=address_mode,  # type: ignore[arg-type]
            idle_timeout_s=idle_timeout,
        )

        def ready(srv: FleetServer) -> None:
            rows = []
            for h in srv.hosts:
                ports = "/".join(
                    f"{p} ({s})" for s, p in (("http", h.http_port), ("https", h.https_port)) if p is not None
                )
                rows.append(
                    (h.name, h.address, ports, h.ad_site, h.variant or "baseline", h.fault_label or "-")
                )
            typer.echo(_t("head", lang, n=len(rows), site=site.name))
            typer.echo(tabulate(rows, headers=_t("cols", lang).split("|"), disable_numparse=True))
            typer.echo("")
            c = site.credentials
            alt = f"{c.domain_netbios}\\{c.username}" if c.domain_netbios else c.username
            typer.echo(_t("creds", lang, user=c.username, alt=alt, password=c.password))
            if srv.ca_file is not None:
                typer.echo(_t("ca", lang, path=srv.ca_file))
            if srv.fallback_hosts:
                typer.echo(_t("fallback", lang, n=srv.fallback_hosts))
            if write_inventory is not None:
                typer.echo(_t("inv", lang, path=write_inventory_csv(srv.hosts, write_inventory)))
            until = _t("until", lang, s=duration) if duration else ""
            typer.echo(_t("serving", lang, until=until), nl=True)

        try:
            reason = asyncio.run(serve_until_stopped(server, duration_s=duration, on_ready=ready))
        except KeyboardInterrupt:
            reason = "interrupt"
        finally:
            if owned:
                shutil.rmtree(wd, ignore_errors=True)
        totals = server.stats().totals
        typer.echo(_t("stopped", lang, conns=totals.connections, scripts=totals.scripts_run))
        if reason == "interrupt":
            raise typer.Exit(EXIT_INTERRUPTED)
        if reason == "terminate":
            raise typer.Exit(EXIT_TERMINATED)
        raise typer.Exit(EXIT_OK)
