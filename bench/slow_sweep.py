"""Benchmark of a sweep of slow hosts: servers that take seconds to run the collector, as real ones do.

bench/sweep.py measures hosts that answer in milliseconds, so it measures the client's CPU. Here every
simulated host takes a time drawn from a log-normal distribution (median 2 s, sigma 0.8, capped at
30 s: one host in twenty takes over 7 s) to run the collector, so the wall time is set by how many
sessions are in flight. The scanner sweeps the same hosts at several concurrencies, each against a
fresh simulator, and plain pypsrp (bench/pypsrp_baseline.py, a thread per host in flight) runs at
256 threads, NetExec's default, on the same hosts. Reported: wall time, hosts per second, client CPU
per host, peak memory of the client's process tree, and the outcomes.

    python bench/slow_sweep.py [--hosts 5000] [--concurrency 32,256,2000] [--no-baseline] [--no-write]

Prints the figures and writes them to bench/RESULTS.md between the slow-sweep markers. Linux only
(it reads process trees through psutil). Every step has a time limit.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from results_md import write_section  # noqa: E402
from sweep import TreeWatch, children_cpu, machine, proc_cpu, write_inventory  # noqa: E402

from scanner.simulator import SimulatorProcess, generate_site_document, write_site_file  # noqa: E402

PASSWORD = "Bench-Slow-Pass-6!"  # noqa: S105 - the simulated lab's account
ANSWER_TIME = {"distribution": "lognormal", "median_s": 2.0, "sigma": 0.8, "max_s": 30.0}
# Timeouts for hosts that take up to 30 s: the deadline covers the slowest host with room to spare.
SCAN_ARGS = ("--deadline", "90", "--connect-timeout", "10", "--read-timeout", "30", "--operation-timeout", "10")


def build_site(hosts: int, work: Path) -> Path:
    doc = generate_site_document(hosts, seed=2027, name=f"slow-{hosts}", faulty_percent=0.0, password=PASSWORD,
                                 answer_time=ANSWER_TIME)
    return write_site_file(doc, work / "site.yaml")


def run_exready(sim: SimulatorProcess, inventory: Path, out: Path, concurrency: int, timeout: float) -> dict[str, Any]:
    out.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "scanner", "scan", "--inventory", str(inventory), "--user",
           sim.credentials.username, "--concurrency", str(concurrency), *SCAN_ARGS, "--no-progress", "--quiet",
           "--json", str(out / "scan.json")]
    env = {**os.environ, "EXREADY_PASSWORD": sim.credentials.password, "PYTHONPATH": str(ROOT)}
    return _measure("exready", f"concurrency {concurrency}", cmd, env, sim, inventory, out, timeout)


def run_pypsrp(sim: SimulatorProcess, inventory: Path, out: Path, threads: int, timeout: float) -> dict[str, Any]:
    out.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, str(ROOT / "bench" / "pypsrp_baseline.py"), str(inventory), sim.credentials.username,
           "--threads", str(threads)]
    env = {**os.environ, "EXREADY_PASSWORD": sim.credentials.password, "PYTHONPATH": str(ROOT)}
    return _measure("pypsrp", f"plain, {threads} threads", cmd, env, sim, inventory, out, timeout)


def _measure(tool: str, setting: str, cmd: list[str], env: dict[str, str], sim: SimulatorProcess,
             inventory: Path, out: Path, timeout: float) -> dict[str, Any]:
    server0 = proc_cpu(sim.pid)
    cpu0 = children_cpu()
    started = time.perf_counter()
    with (out / "stdout.txt").open("w", encoding="utf-8") as so, (out / "stderr.txt").open("w", encoding="utf-8") as se:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=so, stderr=se)
        watch = TreeWatch(proc.pid).start()
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            code = -9
        wall = time.perf_counter() - started
        watch.stop()
    cpu = children_cpu() - cpu0
    server = proc_cpu(sim.pid) - server0
    n = sum(1 for _ in inventory.open(encoding="utf-8")) - 1
    if tool == "exready" and code >= 0:
        hosts = json.loads((out / "scan.json").read_text(encoding="utf-8"))["hosts"]
        outcomes = dict(Counter(h["outcome"]["kind"] for h in hosts))
        ok = outcomes.get("ok", 0)
    else:
        lines = (out / "stdout.txt").read_text(encoding="utf-8").strip().splitlines()
        line = json.loads(lines[-1]) if lines else {"successes": 0}
        ok = int(line["successes"])
        outcomes = {"ok": ok, "failed": n - ok}
    return {
        "tool": tool, "setting": setting, "hosts": n, "exit_code": code, "wall_s": wall, "hosts_per_s": n / wall,
        "client_cpu_ms_per_host": 1000 * cpu / n, "server_cpu_ms_per_host": 1000 * server / n,
        "peak_rss_mb": watch.peak_rss / 2**20, "peak_processes": watch.peak_procs, "successes": ok,
        "outcomes": outcomes, "stderr": (out / "stderr.txt").read_text(encoding="utf-8").strip()[-300:],
    }


def render(rows: list[dict[str, Any]], hosts: int, started: str) -> str:
    lines = [
        "## Slow hosts: answer times of seconds (bench/slow_sweep.py)",
        "",
        f"Run {started} on {machine()} {hosts} simulated hosts, each taking a "
        f"log-normal time to run the collector (median {ANSWER_TIME['median_s']:g} s, sigma {ANSWER_TIME['sigma']:g}, "
        f"capped at {ANSWER_TIME['max_s']:g} s), no faults; NTLM with message encryption over HTTP. The simulator "
        "runs in its own process on the same machine; each row against a fresh simulator.",
        "",
        "| Tool | Setting | Wall time | Hosts/s | Client CPU/host | Peak RSS (client tree) | Outcomes |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        outcomes = ", ".join(f"{v} {k}" for k, v in sorted(r["outcomes"].items(), key=lambda kv: -kv[1]))
        lines.append(f"| {r['tool']} | {r['setting']} | {r['wall_s']:.1f} s | {r['hosts_per_s']:.1f} | "
                     f"{r['client_cpu_ms_per_host']:.1f} ms | {r['peak_rss_mb']:.0f} MB | {outcomes} |")
    lines += ["", "Command: `python bench/slow_sweep.py` (exready: `exready scan --concurrency N "
              + " ".join(SCAN_ARGS) + " --no-progress --quiet --json ...`)."]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=5000)
    parser.add_argument("--concurrency", default="32,256,2000")
    parser.add_argument("--baseline-threads", type=int, default=256)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    rows: list[dict[str, Any]] = []
    runs: list[tuple[str, int]] = [("exready", int(c)) for c in args.concurrency.split(",")]
    if not args.no_baseline:
        runs.append(("pypsrp", args.baseline_threads))
    with tempfile.TemporaryDirectory(prefix="exready-slow-") as tmp:
        work = Path(tmp)
        site = build_site(args.hosts, work)
        for i, (tool, n) in enumerate(runs):
            with SimulatorProcess(site, work / f"sim{i}", startup_timeout_s=600) as sim:
                inventory = write_inventory(sim, work / "inventory.csv")
                out = work / f"run{i}"
                row = (run_exready(sim, inventory, out, n, timeout=3600) if tool == "exready"
                       else run_pypsrp(sim, inventory, out, n, timeout=3600))
            rows.append(row)
            print(json.dumps({k: (round(v, 2) if isinstance(v, float) else v) for k, v in row.items()}), flush=True)
    body = render(rows, args.hosts, started)
    print(body)
    if not args.no_write:
        write_section("slow-sweep", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
