"""Benchmark: what a hostile host costs the client, for this tree and, with ``--before TREE``, another.

The simulator (this tree's, in a child process) runs hosts whose faults are the issue's incidents:

  NEG-CHUNK   a chunked Receive reply whose chunk size is -1, then a flood of ``--flood`` MiB
  HUGE        a 30 MiB collector answer (an authenticated host, answering "whole")
  HEALTHY     a host without fault, for reference

Each host is scanned by one client process per tree (``CollectorSession.run_outcome``, the scan's own
path, NTLM over HTTP with message encryption), which reports its outcome, wall time and peak RSS
(ru_maxrss, the whole process; the peak working set on Windows). The client tree is chosen with PYTHONPATH.

    python bench/hostile_peer.py [--before /path/to/other/tree] [--flood 256] [--no-write]

Writes bench/RESULTS.md between the hostile-peer markers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TREE = HERE.parent
MiB = 1024 * 1024


def site_file(path: Path, flood_mib: int) -> Path:
    import yaml

    doc = {
        "name": "hostile-peer-bench", "seed": 1, "domain": {"dns": "contoso.test", "netbios": "CONTOSO"},
        "credentials": {"username": "svc-bench", "password": "Bench-Hostile-1!"},
        "defaults": {"schemes": ["http"], "auth": ["negotiate"]},
        "baseline": "builtin",
        "ad_sites": [{"name": "Bench", "pattern": "B{n:02d}", "addresses": "127.95.0.0/24", "count": 0}],
        "hosts": [
            {"name": "HEALTHY", "address": "127.95.0.1"},
            {"name": "NEG-CHUNK", "address": "127.95.0.2",
             "fault": {"kind": "negative_chunk", "stage": "receive", "nth": 2, "size": flood_mib * MiB}},
            {"name": "HUGE", "address": "127.95.0.3", "fault": {"kind": "huge_answer", "size": 30 * MiB}},
        ],
    }
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


def client(inventory: str, name: str, password: str) -> None:
    """One host, one process: print its outcome, time and peak RSS as JSON."""
    from scanner.collect.session import CollectorSession, collector_for
    from scanner.credentials import Credentials, Secret
    from scanner.facts.parse import parse_collector_output
    from scanner.inventory.file import load_inventory
    from scanner.transport.settings import TransportSettings

    host = next(h for h in load_inventory(Path(inventory)).hosts if h.name == name)
    settings = TransportSettings(credentials=Credentials("svc-bench", Secret(password)), connection_timeout=5,
                                 read_timeout=30, operation_timeout=20, deadline=120)
    started = time.monotonic()
    outcome = CollectorSession(host, settings, collector_for, parse_collector_output).run_outcome()
    elapsed = time.monotonic() - started
    try:
        import resource

        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    except ImportError:  # Windows: the peak working set
        import psutil

        rss = int(getattr(psutil.Process().memory_info(), "peak_wset", 0))
    print(json.dumps({"kind": outcome.kind.value, "reason": outcome.reason, "seconds": round(elapsed, 2),
                      "peak_rss_mib": round(rss / MiB, 1)}))


def measure(tree: Path, inventory: Path, name: str, password: str) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(  # noqa: S603 - this interpreter, this script
        [sys.executable, str(Path(__file__).resolve()), "--client", str(inventory), name, password],
        env=env, capture_output=True, text=True, timeout=600, check=False)
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    if not lines:
        return {"kind": "crashed", "reason": done.stderr.strip().splitlines()[-1:], "seconds": 0, "peak_rss_mib": 0}
    result: dict[str, object] = json.loads(lines[-1])
    return result


def _commit(tree: Path) -> str:
    done = subprocess.run(["git", "-C", str(tree), "rev-parse", "--short", "HEAD"],  # noqa: S603, S607
                          capture_output=True, text=True, check=False)
    return done.stdout.strip() or "?"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--before", type=Path, help="another tree to compare with (its scanner package)")
    ap.add_argument("--flood", type=int, default=256, help="MiB the NEG-CHUNK host streams after its -1")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--client", nargs=3, metavar=("INVENTORY", "HOST", "PASSWORD"))
    args = ap.parse_args()
    if args.client:
        client(*args.client)
        return 0
    sys.path.insert(0, str(TREE))
    from scanner.simulator.runner import SimulatorProcess, write_inventory_csv

    trees = [(f"this tree ({_commit(TREE)})", TREE)]
    if args.before:
        trees.append((f"before ({_commit(args.before)})", args.before.resolve()))
    rows: list[tuple[str, str, dict[str, object]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with SimulatorProcess(site_file(work / "site.yaml", args.flood), work / "sim") as sim:
            inventory = write_inventory_csv(sim.hosts, work / "inventory.csv")
            password = sim.credentials.password
            for host in ("HEALTHY", "NEG-CHUNK", "HUGE"):
                for label, tree in trees:
                    result = measure(tree, inventory, host, password)
                    rows.append((host, label, result))
                    print(f"{host:10} {label:24} {result['kind']:13} {result['seconds']:>7} s "
                          f"{result['peak_rss_mib']:>8} MiB  {str(result['reason'])[:110]}", flush=True)
    body = [
        "## Hostile peers (bench/hostile_peer.py)",
        "",
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {platform.python_version()}, "
        f"{os.cpu_count()} cores shared; NEG-CHUNK floods {args.flood} MiB after its `-1` chunk size, HUGE "
        "answers 30 MiB. One client process per host and tree; peak RSS is the whole process's.",
        "",
        "| host | client | outcome | wall s | peak RSS MiB | reason |",
        "|---|---|---|---:|---:|---|",
    ]
    for host, label, r in rows:
        reason = str(r["reason"]).replace("|", "\\|")[:140]
        body.append(f"| {host} | {label} | {r['kind']} | {r['seconds']} | {r['peak_rss_mib']} | {reason} |")
    if not args.no_write:
        sys.path.insert(0, str(HERE))
        from results_md import write_section

        write_section("hostile-peer", "\n".join(body))
    return 0


if __name__ == "__main__":
    sys.exit(main())
