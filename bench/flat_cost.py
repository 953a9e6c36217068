"""Benchmark: does exready's cost per host stay flat as the sweep grows?

The same kind of site (healthy hosts answering in milliseconds, NTLM with message encryption over HTTP,
each host on its own loopback address) at 200, 1,000, 5,000 and 20,000 hosts, swept by ``exready scan``
with the same options. A site larger than 5,000 hosts is served by several simulator processes at once,
5,000 hosts each (bench/harness.py Fleet: one generated site split by AD site, disjoint names and
addresses); the scanner reads one inventory of all of them. Reported per size: wall time, hosts per
second, client CPU per host (user + system of the scanner's whole process tree, exact), peak RSS of that
tree and per host, the memory each host past the smallest size added, simulator CPU per host, outcomes.

    python bench/flat_cost.py [--sizes 200,1000,5000,20000] [--concurrency 0] [--scan-args '...']
                              [--per-simulator 5000] [--network 127.64.0.0/10] [--section flat-cost]
                              [--no-write]

Writes bench/RESULTS.md between the flat-cost markers (or ``--section``). Linux only. Every step has a
time limit.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from harness import (  # noqa: E402
    HOSTS_PER_SIMULATOR,
    Fleet,
    load_average,
    machine,
    measure,
    shard_site_names,
    shown_command,
    utc_now,
    write_inventory,
)
from results_md import write_section  # noqa: E402

from scanner.simulator import generate_site_document  # noqa: E402

PASSWORD = "Bench-Flat-Pass-7!"  # noqa: S105 - the simulated lab's account
SCAN_ARGS = ("--deadline", "30", "--connect-timeout", "5", "--read-timeout", "15", "--operation-timeout", "5")


def site_document(hosts: int, network: str, per_simulator: int) -> dict[str, Any]:
    return generate_site_document(hosts, seed=2028, name=f"flat-{hosts}",
                                  ad_sites=shard_site_names(hosts, per_simulator),
                                  faulty_percent=0.0, password=PASSWORD, base_network=network)


def run_size(hosts: int, work: Path, network: str, concurrency: int, extra: tuple[str, ...],
             timeout: float, per_simulator: int) -> dict[str, Any]:
    shards = len(shard_site_names(hosts, per_simulator))
    with Fleet(site_document(hosts, network, per_simulator), work, shards=shards, address_mode="address",
               tag=f"flat{hosts}-") as fleet:
        print(f"{hosts} hosts: {len(fleet.pids)} simulator(s) started in {fleet.startup_s:.0f} s", flush=True)
        inventory = write_inventory(fleet.hosts, work / f"inventory-{hosts}.csv")
        out = work / f"run-{hosts}"
        cmd = [sys.executable, "-m", "scanner", "scan", "--inventory", str(inventory), "--user",
               fleet.credentials.username, "--concurrency", str(concurrency), *SCAN_ARGS, *extra, "--no-progress",
               "--quiet", "--json", str(out / "scan.json")]
        env = {**os.environ, "EXREADY_PASSWORD": fleet.credentials.password, "PYTHONPATH": str(ROOT)}
        m = measure(cmd, env=env, out=out, timeout=timeout, server_pids=fleet.pids, cwd=ROOT)
        startup = fleet.startup_s
    outcomes: dict[str, int] = {f"exit {m.exit_code}": hosts}
    if m.exit_code >= 0 and (out / "scan.json").exists():
        report = json.loads((out / "scan.json").read_text(encoding="utf-8"))
        outcomes = dict(Counter(h["outcome"]["kind"] for h in report["hosts"]))
    (out / "scan.json").unlink(missing_ok=True)
    return {
        "hosts": hosts, "simulators": shards, "simulator_startup_s": startup, "exit_code": m.exit_code,
        "wall_s": m.wall_s, "hosts_per_s": hosts / m.wall_s, "client_cpu_ms_per_host": 1000 * m.client_cpu_s / hosts,
        "peak_rss_mb": m.watch.peak_rss / 2**20, "rss_kb_per_host": m.watch.peak_rss / 1024 / hosts,
        "server_cpu_ms_per_host": 1000 * m.server_cpu_s / hosts, "other_cpu_s": m.other_cpu_s,
        "peak_processes": m.watch.peak_procs, "peak_threads": m.watch.peak_threads, "outcomes": outcomes,
        "load": f"{m.load_before} -> {m.load_after}", "stderr": m.stderr_tail(),
        "command": "EXREADY_PASSWORD=... python " + shown_command(cmd[1:], ROOT),
    }


def render(rows: list[dict[str, Any]], started: str, load: str, concurrency: int, extra: tuple[str, ...],
           per_simulator: int) -> str:
    base = rows[0]
    lines = [
        "## Cost per host as the sweep grows (bench/flat_cost.py)",
        "",
        f"Run {started} on {machine()} Load average (1 / 5 / 15 min) at the start: {load}. Healthy simulated "
        "hosts answering in milliseconds, no faults; NTLM with message encryption over HTTP, each host on its own "
        f"loopback address; at most {per_simulator:,} hosts per simulator process (one site split by AD "
        "site), all simulators started before the sweep and sharing the same CPUs. One `exready scan` per size "
        f"(`--concurrency {concurrency}" + (f" {' '.join(extra)}" if extra else "") + " "
        + " ".join(SCAN_ARGS) + " --no-progress --quiet --json ...`; concurrency 0 and no `--workers` leave both "
        "to the scanner, as a user would). Client CPU is user + system time of the "
        "scanner's whole process tree (exact, from rusage); peak RSS the largest sum of RSS over that tree, "
        f"sampled every 0.2 s; *added per host* is (peak RSS - peak RSS at {base['hosts']:,} hosts) / "
        f"(hosts - {base['hosts']:,}).",
        "",
        "| Hosts | Simulators | Wall time | Hosts/s | Client CPU/host | Peak RSS (client tree) | RSS/host | "
        "Added per host | Simulator CPU/host | Outcomes |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        added = ("-" if r is base else
                 f"{(r['peak_rss_mb'] - base['peak_rss_mb']) * 1024 / (r['hosts'] - base['hosts']):.1f} KB")
        outcomes = ", ".join(f"{v} {k}" for k, v in sorted(r["outcomes"].items(), key=lambda kv: -kv[1]))
        lines.append(f"| {r['hosts']:,} | {r['simulators']} | {r['wall_s']:.1f} s | {r['hosts_per_s']:.1f} | "
                     f"{r['client_cpu_ms_per_host']:.1f} ms | {r['peak_rss_mb']:.0f} MB | "
                     f"{r['rss_kb_per_host']:.0f} KB | {added} | {r['server_cpu_ms_per_host']:.1f} ms | {outcomes} |")
    lines.append("")
    for r in rows:
        lines.append(f"- {r['hosts']:,} hosts: simulators started in {r['simulator_startup_s']:.0f} s (not counted); "
                     f"load average {r['load']}; other processes used {r['other_cpu_s']:.0f} CPU-seconds meanwhile; "
                     f"peak {r['peak_processes']} processes, {r['peak_threads']} threads; exit code {r['exit_code']}.")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="200,1000,5000,20000")
    ap.add_argument("--concurrency", type=int, default=0, help="0, the default: the scanner's own choice")
    ap.add_argument("--scan-args", default="", help="more `exready scan` options, e.g. '--transport pypsrp'")
    ap.add_argument("--network", default="127.64.0.0/10", help="loopback network for the hosts' addresses")
    ap.add_argument("--per-simulator", type=int, default=HOSTS_PER_SIMULATOR,
                    help="most hosts one simulator process serves (a larger site is split)")
    ap.add_argument("--timeout", type=float, default=3600, help="limit for each sweep, seconds")
    ap.add_argument("--section", default="flat-cost")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if not sizes or min(sizes) < 1:
        ap.error("--sizes takes positive host counts")
    extra = tuple(shlex.split(args.scan_args))
    started, load = utc_now(), load_average()
    rows = []
    with tempfile.TemporaryDirectory(prefix="exready-flat-") as tmp:
        for n in sorted(sizes):
            row = run_size(n, Path(tmp), args.network, args.concurrency, extra, args.timeout, args.per_simulator)
            rows.append(row)
            print(json.dumps({k: (round(v, 2) if isinstance(v, float) else v) for k, v in row.items()}), flush=True)
            time.sleep(1)  # the simulators' sockets closed before the next size binds the same addresses
    body = render(rows, started, load, args.concurrency, extra, args.per_simulator)
    print(body)
    if not args.no_write:
        write_section(args.section, body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
