"""The garbage collector tuned for a sweep (scanner.collect.gc_tuning), measured against its absence.

The same sweep of bench/sweep.py's site (about 5 % faulty hosts, every fault kind) runs with the
tuning on and off, alternately, each time against a fresh simulator process and in a fresh scanning
process (``SweepLimits(tune_gc=...)`` through the Python API; there is no user option for it). Each
measured process reports its CPU time (user + system, its worker processes included), the time spent
in the collector and its collections (in the scanning process, from ``gc.callbacks``), and its peak
RSS (VmHWM, or the peak of the process tree with worker processes).

    python bench/gc_tuning.py [--hosts 1000] [--rounds 3] [--workers 1,2] [--no-write]

Writes its section of bench/RESULTS.md between the gc markers. Linux only (VmHWM, psutil trees).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from results_md import RESULTS, write_section  # noqa: E402
from sweep import SCAN_ARGS, TreeWatch, build_site, proc_cpu, write_inventory  # noqa: E402

from scanner.simulator import SimulatorProcess  # noqa: E402

CONCURRENCY = 64


def _arg(name: str) -> float:
    return float(SCAN_ARGS[SCAN_ARGS.index(name) + 1])


def _status_kb(field: str) -> int:
    return next(int(line.split()[1]) for line in Path("/proc/self/status").read_text().splitlines()
                if line.startswith(field))


def measure_one(inventory: Path, user: str, ca_file: str | None, tune: bool, workers: int) -> dict[str, Any]:
    """One sweep in this process (the child's side); returns its figures."""
    from scanner.checks.catalog import load_catalog
    from scanner.collect.runner import SweepLimits
    from scanner.credentials import Credentials, Secret
    from scanner.evaluate.engine import EvaluationParams
    from scanner.inventory.file import load_inventory
    from scanner.pipeline import ScanRequest, scan
    from scanner.transport.settings import TransportSettings

    hosts = load_inventory(inventory).hosts
    deadline = _arg("--deadline")
    request = ScanRequest(
        hosts=hosts,
        transport=TransportSettings(
            credentials=Credentials(user, Secret(os.environ["EXREADY_PASSWORD"])),
            ca_file=Path(ca_file) if ca_file else None, connection_timeout=_arg("--connect-timeout"),
            read_timeout=_arg("--read-timeout"), operation_timeout=int(_arg("--operation-timeout")),
            deadline=deadline),
        limits=SweepLimits(concurrency=CONCURRENCY, deadline=deadline, workers=workers, breaker_account=user,
                           tune_gc=tune),
        params=EvaluationParams(exchange_version="2013"), inventory_source="bench gc_tuning")
    catalog = load_catalog()
    spent = [0.0, 0.0]  # seconds in the collector, start of the current collection
    counts = [0, 0, 0]

    def watch(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            spent[1] = time.thread_time()  # CPU time: a loaded machine does not inflate it
        else:
            spent[0] += time.thread_time() - spent[1]
            counts[info["generation"]] += 1

    before = _status_kb("VmRSS:")
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM from here: the sweep, not the imports
    gc.callbacks.append(watch)
    r0, c0 = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result, _ = asyncio.run(scan(request, catalog))
    wall = time.perf_counter() - started
    r1, c1 = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    gc.callbacks.remove(watch)
    hwm = _status_kb("VmHWM:")
    cpu = (r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime)
    children = (c1.ru_utime + c1.ru_stime - c0.ru_utime - c0.ru_stime)
    kinds: dict[str, int] = {}
    for o in result.outcomes:
        kinds[o.kind.value] = kinds.get(o.kind.value, 0) + 1
    return {"hosts": len(hosts), "wall_s": wall, "cpu_s": cpu + children, "gc_s": spent[0], "collections": counts,
            "vmhwm_mb": hwm / 1024, "rss_before_mb": before / 1024,
            "outcomes": kinds, "accounted": len(result.outcomes) == len(hosts)}


def run_child(sim: SimulatorProcess, inventory: Path, tune: bool, workers: int, timeout: float) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(inventory), "--user",
           sim.credentials.username, "--ca-file", str(sim.ca_file or ""), "--tune", "on" if tune else "off",
           "--workers", str(workers)]
    env = {**os.environ, "EXREADY_PASSWORD": sim.credentials.password, "PYTHONPATH": str(ROOT)}
    sim0 = proc_cpu(sim.pid)
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watch = TreeWatch(proc.pid).start()
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    watch.stop()
    if proc.returncode != 0:
        raise RuntimeError(f"measured sweep failed ({proc.returncode}): {err.strip()[-500:]}")
    r: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    r["sim_cpu_s"] = proc_cpu(sim.pid) - sim0
    r["tree_peak_mb"] = watch.peak_rss / 2**20
    r["tune"] = tune
    r["workers"] = workers
    return r


def machine() -> str:
    return (f"{platform.system()} {platform.release()}, {os.cpu_count()} CPUs; Python {platform.python_version()}; "
            f"1-minute load average {os.getloadavg()[0]:.1f} at the end")


def render(rows: list[dict[str, Any]], hosts: int, rounds: int, started: str, load0: float) -> str:
    out = [
        "## Garbage collector tuned for a sweep (bench/gc_tuning.py)",
        "",
        f"Measured {started}. {machine()} (1-minute load average {load0:.1f} at the start: other work shares "
        "the machine, so compare CPU times, within this run).",
        "",
        f"bench/sweep.py's site at {hosts} hosts (about 5 % faulty, every fault kind), concurrency {CONCURRENCY}, "
        f"bench/sweep.py's limits ({' '.join(SCAN_ARGS)}). Each sweep runs in a fresh scanning process through the "
        "Python API (`SweepLimits(tune_gc=True/False)`) against a fresh simulator process; tuned and untuned "
        f"alternate, {rounds} rounds each, medians shown. *Tuned*: `gc.freeze()` of what the process holds when the "
        "sweep starts (imports, catalog, inventory) and the young generation's threshold at "
        "10,000 instead of 700, restored when the sweep ends (scanner/collect/gc_tuning.py), in the scanning "
        "process and in worker processes. *Client CPU* is user + system of the scanning process and its workers; "
        "*GC* is the CPU time inside the collector in the scanning process (gc.callbacks; with workers, the parent "
        "alone: not measured inside worker processes); *peak RSS* is VmHWM of the scanning process during the "
        "sweep, or the peak summed RSS of the process tree with workers.",
        "",
        "| workers | GC | client CPU ms/host | GC ms/host | collections gen0 / gen1 / gen2 | peak RSS MB | "
        "simulator CPU ms/host | wall s | hosts accounted for |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for workers in sorted({r["workers"] for r in rows}):
        for tune in (False, True):
            sel = [r for r in rows if r["workers"] == workers and r["tune"] is tune]
            if not sel:
                continue
            n = sel[0]["hosts"]

            def med(key: str, rs: list[dict[str, Any]] = sel) -> float:
                return float(statistics.median(r[key] for r in rs))

            cols = [statistics.median(r["collections"][g] for r in sel) for g in range(3)]
            peak = med("vmhwm_mb") if workers == 1 else med("tree_peak_mb")
            gc_cell = f"{1000 * med('gc_s') / n:.2f}" + ("" if workers == 1 else " (parent only)")
            out.append(
                f"| {workers} | {'tuned' if tune else 'default'} | {1000 * med('cpu_s') / n:.2f} | {gc_cell} | "
                f"{cols[0]:.0f} / {cols[1]:.0f} / {cols[2]:.0f} | {peak:.0f} | {1000 * med('sim_cpu_s') / n:.2f} | "
                f"{med('wall_s'):.1f} | {sum(r['accounted'] for r in sel)}/{len(sel)} runs |")
    before = [r["rss_before_mb"] for r in rows if "rss_before_mb" in r]
    if before:
        out.append("")
        out.append(f"RSS of the scanning process as its sweep starts (imports, catalog, inventory): "
                   f"{statistics.median(before):.0f} MB (median).")
    out.append("")
    out.append("Each run (client CPU ms/host, in order):")
    for r in rows:
        out.append(f"- workers={r['workers']} {'tuned' if r['tune'] else 'default'}: "
                   f"{1000 * r['cpu_s'] / r['hosts']:.2f} ms/host, GC {1000 * r['gc_s'] / r['hosts']:.2f} ms/host, "
                   f"outcomes {json.dumps(r['outcomes'], sort_keys=True)}")
    return "\n".join(out) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hosts", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--user", help=argparse.SUPPRESS)
    ap.add_argument("--ca-file", help=argparse.SUPPRESS)
    ap.add_argument("--tune", choices=("on", "off"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child is not None:
        print(json.dumps(measure_one(a.child, a.user, a.ca_file or None, a.tune == "on", int(a.workers))))
        return 0
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    load0 = os.getloadavg()[0]
    work = Path(tempfile.mkdtemp(prefix="exready-bench-gc-"))
    rows: list[dict[str, Any]] = []
    try:
        site = build_site(a.hosts, work)
        for rnd in range(a.rounds):
            for workers in [int(w) for w in a.workers.split(",") if w.strip()]:
                # alternate which goes first, so that a drift of the machine's load falls on both
                for tune in ((False, True) if rnd % 2 == 0 else (True, False)):
                    with SimulatorProcess(site, work / f"sim-{rnd}-{workers}-{tune}", startup_timeout_s=300) as sim:
                        inventory = write_inventory(sim, work / "inventory.csv")
                        r = run_child(sim, inventory, tune, workers, a.timeout)
                    rows.append(r)
                    print(json.dumps({k: v for k, v in r.items() if k != "outcomes"}), flush=True)
        body = render(rows, a.hosts, a.rounds, started, load0)
        print(body)
        if not a.no_write:
            write_section("gc", body)
            print(f"wrote {RESULTS}")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
