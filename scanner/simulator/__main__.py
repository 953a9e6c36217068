"""``python -m scanner.simulator SITEFILE``: the simulator as a child process (see runner.SimulatorProcess).
Prints ``READY {json}`` once it listens and ``STATS {json}`` when it stops."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from pathlib import Path

from scanner.errors import ExreadyError
from scanner.simulator.profiles import load_site
from scanner.simulator.runner import READY, STATS
from scanner.simulator.server import FleetServer
from scanner.simulator.service import serve_until_stopped


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m scanner.simulator")
    ap.add_argument("site")
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--address-mode", default="auto", choices=("auto", "address", "port"))
    ap.add_argument("--duration", type=float, default=0.0)
    ap.add_argument("--idle-timeout", type=float, default=None)
    ap.add_argument("--max-shells", type=int, default=None)
    ap.add_argument("--stop-on-stdin-eof", action="store_true")
    ap.add_argument("--keytab-dir", default=None, help="one <fqdn>.keytab per host in the Kerberos domain")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    workdir = Path(args.workdir)
    try:
        site = load_site(args.site)
        server = FleetServer(
            site,
            workdir,
            address_mode=args.address_mode,
            idle_timeout_s=args.idle_timeout,
            max_shells=args.max_shells,
            keytab_dir=Path(args.keytab_dir) if args.keytab_dir else None,
        )
    except ExreadyError as exc:
        print(f"simulator: error: {exc}", file=sys.stderr)
        return 3

    def ready(srv: FleetServer) -> None:
        hosts_file = workdir / "hosts.json"
        hosts_file.write_text(
            json.dumps(
                [
                    {
                        "name": h.name,
                        "address": h.address,
                        "http_port": h.http_port,
                        "https_port": h.https_port,
                    }
                    for h in srv.hosts
                ]
            ),
            encoding="utf-8",
        )
        info = {
            "hosts": len(srv.hosts),
            "hosts_file": str(hosts_file),
            "ca_file": str(srv.ca_file) if srv.ca_file else None,
        }
        print(f"{READY} {json.dumps(info)}", flush=True)

    try:
        asyncio.run(
            serve_until_stopped(
                server,
                duration_s=args.duration or None,
                stop_on_stdin_eof=args.stop_on_stdin_eof,
                on_ready=ready,
            )
        )
    except ExreadyError as exc:
        print(f"simulator: error: {exc}", file=sys.stderr)
        return 3
    print(f"{STATS} {json.dumps(server.stats().to_json())}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
