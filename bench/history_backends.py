"""Benchmark of the history backends: SQLite and PostgreSQL, same run, same machine.

1. Recording a 5,000-host sweep, the way a sweep records it: the run and its inventory at the start,
   then each host's outcome (raw facts included) in its own transaction as the host finishes, then
   the verdicts and the matrix at the end; then reading the whole run back. The result is built
   offline: the demo's real collector facts (samples/facts/demo-facts.json), cycled over 5,000 host
   names, judged by the real catalog (pipeline.assemble). Into a SQLite file (WAL, synchronous=NORMAL,
   as exready opens it) and into a PostgreSQL database (a throw-away cluster with PostgreSQL's
   default durability: fsync on, synchronous_commit on), over TCP on loopback with a password.
2. Three zones swept at the same time: three ``exready sweep`` processes, each with its own zone and
   inventory, against one simulator process, into one PostgreSQL database; then the same three
   zones one after another into a new database, for comparison. Wall time and database size.

    python bench/history_backends.py [--hosts 5000] [--zone-hosts 300] [--no-write]

Prints the figures and writes them to bench/RESULTS.md between the history markers. Linux (the
throw-away cluster is tests/pg_cluster.py's, which needs Debian's PostgreSQL server binaries).
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

import pg_cluster  # noqa: E402
from results_md import RESULTS, write_section  # noqa: E402

from scanner.credentials import Secret  # noqa: E402
from scanner.history.backend import PgSettings  # noqa: E402
from scanner.history.store import HistoryStore  # noqa: E402
from scanner.model.host import Host  # noqa: E402
from scanner.model.outcome import HostOutcome, OutcomeKind  # noqa: E402
from scanner.model.run import RunInfo, ScanResult  # noqa: E402

PASSWORD = "Bench-History-Pass-5!"  # noqa: S105 - the simulated lab's account
EXCHANGE = "2019"


def build_result(hosts: int) -> ScanResult:
    from scanner.checks.catalog import load_catalog
    from scanner.evaluate.engine import EvaluationParams
    from scanner.facts.serial import facts_from_json
    from scanner.pipeline import assemble

    doc = facts_from_json((ROOT / "samples" / "facts" / "demo-facts.json").read_text(encoding="utf-8"))
    outcomes = []
    for n in range(hosts):
        facts = doc.hosts[n % len(doc.hosts)]
        name = f"EX{n + 1:05d}"
        host = Host(name=name, fqdn=f"{name.lower()}.corp.example",
                    address=f"10.{n // 65536}.{n // 256 % 256}.{n % 256}", site=("Paris-HQ", "Lyon-DR")[n % 2],
                    port=5985, source=f"inventory.csv:{n + 2}")
        outcomes.append(HostOutcome(host=host, kind=OutcomeKind.OK, facts=replace(facts, host=name),
                                    auth_mechanism="ntlm", duration_s=0.8 + (n % 50) / 100))
    info = RunInfo(run_id="bench-5000", started_at=datetime.now(UTC).isoformat(timespec="seconds"),
                   finished_at="", exchange_version=EXCHANGE, inventory_source="file:inventory.csv",
                   tool_version="bench")
    result = assemble(info, outcomes, load_catalog(), EvaluationParams(exchange_version=EXCHANGE, org=doc.org))
    return replace(result, info=replace(result.info, finished_at=datetime.now(UTC).isoformat(timespec="seconds")))


def record(store: HistoryStore, result: ScanResult) -> dict[str, Any]:
    hosts = [o.host for o in result.outcomes]
    t0 = time.perf_counter()
    store.begin_run(result.info, hosts, result.roles, result.org, zone="bench")
    t1 = time.perf_counter()
    per_host = []
    for outcome in result.outcomes:
        s = time.perf_counter()
        store.record_outcome(result.info.run_id, outcome)
        per_host.append(time.perf_counter() - s)
    t2 = time.perf_counter()
    store.finish_run(result)
    t3 = time.perf_counter()
    loaded = store.load_result(result.info.run_id)
    t4 = time.perf_counter()
    assert len(loaded.outcomes) == len(result.outcomes) and len(loaded.cells) == len(result.cells)
    per_host.sort()
    return {
        "begin_s": t1 - t0, "hosts_s": t2 - t1, "finish_s": t3 - t2, "load_s": t4 - t3,
        "host_ms_p50": 1000 * statistics.median(per_host), "host_ms_p99": 1000 * per_host[int(len(per_host) * 0.99)],
        "total_s": t3 - t0,
    }


def sqlite_size(path: Path) -> int:
    import sqlite3

    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.suffix != ".lock")


def pg_size(url: str) -> int:
    import psycopg

    with psycopg.connect(url, password=pg_cluster.PASSWORD) as conn:
        return int(conn.execute("SELECT pg_database_size(current_database())").fetchone()[0])


def part_one(cluster: pg_cluster.Cluster, hosts: int, work: Path) -> dict[str, Any]:
    t = time.perf_counter()
    result = build_result(hosts)
    built = time.perf_counter() - t
    rows = {}
    path = work / "history.sqlite3"
    with HistoryStore(path) as store:
        rows["SQLite"] = record(store, result)
    rows["SQLite"]["size"] = sqlite_size(path)
    empty = work / "empty.sqlite3"
    HistoryStore(empty).close()
    rows["SQLite"]["empty_size"] = sqlite_size(empty)
    url = cluster.create_database("bench_record")
    empty_url = cluster.create_database("bench_empty")
    settings = PgSettings(url=url, password=Secret(pg_cluster.PASSWORD))
    with HistoryStore(settings) as store:
        rows["PostgreSQL"] = record(store, result)
    HistoryStore(PgSettings(url=empty_url, password=Secret(pg_cluster.PASSWORD))).close()
    rows["PostgreSQL"]["size"] = pg_size(url)
    rows["PostgreSQL"]["empty_size"] = pg_size(empty_url)
    facts_bytes = sum(len(_facts_json(o)) for o in result.outcomes)
    return {"rows": rows, "hosts": hosts, "built_s": built, "cells": len(result.cells),
            "verdicts": sum(len(v) for v in result.verdicts.values()), "facts_mb": facts_bytes / 2**20}


def _facts_json(o: HostOutcome) -> str:
    from scanner.history import codec

    return codec.host_facts_to_json(o.facts) if o.facts is not None else ""


# ---- part two: three zones at once --------------------------------------------------------------


def zone_config(work: Path, zone: str, url: str, concurrency: int) -> Path:
    path = work / f"{zone}.toml"
    path.write_text(
        f"""exchange = "{EXCHANGE}"
zone = "{zone}"
[inventory]
file = "inventory-{zone}.csv"
[credentials]
user = "svc-exready"
password_env = "EXREADY_PASSWORD"
[limits]
concurrency = {concurrency}
deadline = 15
workers = 1
[history]
url = "{url}"
spool_dir = "spool-{zone}"
""",
        encoding="utf-8",
    )
    return path


def write_inventories(sim: Any, work: Path, zones: list[str]) -> None:
    rows = [(h.name, h.fqdn, h.address, h.http_port, "http", "negotiate", h.ad_site)
            for h in sim.hosts if h.http_port is not None]
    size = len(rows) // len(zones)
    for i, zone in enumerate(zones):
        with open(work / f"inventory-{zone}.csv", "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(("name", "fqdn", "address", "port", "scheme", "auth", "site"))
            w.writerows(rows[i * size:(i + 1) * size])


def sweep_zones(work: Path, zones: list[str], url: str, concurrent: bool, concurrency: int) -> dict[str, Any]:
    env = {**os.environ, "EXREADY_PASSWORD": PASSWORD, "EXREADY_DB_PASSWORD": pg_cluster.PASSWORD,
           "PYTHONPATH": str(ROOT)}
    configs = {z: zone_config(work, z, url, concurrency) for z in zones}
    walls: dict[str, float] = {}
    codes: dict[str, int] = {}
    started = time.perf_counter()
    if concurrent:
        procs = {}
        for z in zones:
            procs[z] = (subprocess.Popen([sys.executable, "-m", "scanner", "sweep", "--config", str(configs[z]),
                                          "--no-progress", "--quiet"], env=env, cwd=work,
                                         stdout=subprocess.DEVNULL, stderr=open(work / f"{z}.err", "w")),  # noqa: SIM115
                        time.perf_counter())
        pending = dict(procs)
        while pending:
            for z, (p, t0) in list(pending.items()):
                if p.poll() is not None:
                    walls[z], codes[z] = time.perf_counter() - t0, p.returncode
                    del pending[z]
            time.sleep(0.05)
    else:
        for z in zones:
            t0 = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "scanner", "sweep", "--config", str(configs[z]),
                                   "--no-progress", "--quiet"], env=env, cwd=work, stdout=subprocess.DEVNULL,
                                  stderr=open(work / f"{z}.seq.err", "w"), timeout=1800, check=False)  # noqa: SIM115
            walls[z], codes[z] = time.perf_counter() - t0, done.returncode
    total = time.perf_counter() - started
    with HistoryStore(PgSettings(url=url, password=Secret(pg_cluster.PASSWORD))) as store:
        runs = {z: store.list_runs(zone=z) for z in zones}
        ok = sum(1 for r in runs.values() if r for o in store.outcomes(r[0].run_id).values() if o.ok)
    complete = {z: (len(r), r[0].status.value if r else "-", r[0].finished_hosts if r else 0)
                for z, r in runs.items()}
    return {"walls": walls, "codes": codes, "total_s": total, "size": pg_size(url), "runs": complete, "ok": ok,
            "concurrency": concurrency}


def part_two(cluster: pg_cluster.Cluster, zone_hosts: int, work: Path) -> dict[str, Any]:
    from scanner.simulator import SimulatorProcess, generate_site_document, write_site_file

    zones = ["paris", "lyon", "nice"]
    doc = generate_site_document(zone_hosts * len(zones), seed=2026, name="bench-zones", faulty_percent=0.0,
                                 password=PASSWORD)
    site = write_site_file(doc, work / "site.yaml")
    out: dict[str, Any] = {"zones": zones, "zone_hosts": zone_hosts}
    with SimulatorProcess(site, work / "sim", startup_timeout_s=300) as sim:
        write_inventories(sim, work, zones)
        # the same total of sessions in flight: 32 for one sweep alone, about a third each for three at once
        out["concurrent"] = sweep_zones(work, zones, cluster.create_database("bench_zones_concurrent"), True, 11)
        out["sequential"] = sweep_zones(work, zones, cluster.create_database("bench_zones_sequential"), False, 32)
    return out


# ---- report -------------------------------------------------------------------------------------


def machine() -> str:
    versions = ", ".join(f"{p} {metadata.version(p)}" for p in ("psycopg", "psycopg-binary"))
    import sqlite3

    import psycopg

    server = subprocess.run([str(pg_cluster.find_bindir() / "postgres"), "--version"], capture_output=True,
                            text=True, check=False).stdout.strip()
    return (f"{platform.system()} {platform.release()}, {os.cpu_count()} CPUs; Python {platform.python_version()}; "
            f"SQLite {sqlite3.sqlite_version}; {server}; {versions} (libpq {psycopg.pq.version()}).")


def mb(n: int) -> str:
    return f"{n / 2**20:.1f}"


def render(one: dict[str, Any], two: dict[str, Any], started: str, load: tuple[float, float]) -> str:
    lines = [
        "## History backends (bench/history_backends.py)",
        "",
        f"Measured {started}. {machine()} 1-minute load average {load[0]:.1f} before, {load[1]:.1f} after "
        "(other work on the shared machine inflates the times).",
        "",
        f"### Recording {one['hosts']:,} hosts' results, same run",
        "",
        f"One result of {one['hosts']:,} hosts ({one['verdicts']:,} verdicts, {one['cells']:,} cells, "
        f"{one['facts_mb']:.1f} MiB of raw facts as JSON), recorded as a sweep records it: the run and its "
        "inventory, then one transaction per host (its outcome and raw facts), then the verdicts and cells; "
        "then the whole run read back. SQLite: a file in WAL mode, synchronous=NORMAL. PostgreSQL: a "
        "throw-away cluster on the same machine with the server's default durability (fsync on, "
        "synchronous_commit on), over TCP on 127.0.0.1 with a password (scram-sha-256), no TLS.",
        "",
        "| backend | run start s | hosts s (one transaction each) | per host p50 / p99 ms "
        "| run end s (verdicts, cells) "
        "| total write s | read back s | database size MB (empty schema) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, r in one["rows"].items():
        lines.append(
            f"| {name} | {r['begin_s']:.2f} | {r['hosts_s']:.2f} | {r['host_ms_p50']:.2f} / {r['host_ms_p99']:.2f} "
            f"| {r['finish_s']:.2f} | {r['total_s']:.2f} | {r['load_s']:.2f} "
            f"| {mb(r['size'])} ({mb(r['empty_size'])}) |"
        )
    c, s = two["concurrent"], two["sequential"]
    zones = two["zones"]
    lines += [
        "",
        f"### Three zones, {two['zone_hosts']} simulated hosts each, into one PostgreSQL database",
        "",
        "Three `exready sweep` processes (zones paris, lyon, nice; one worker process each; NTLM with "
        "message encryption over HTTP; deadline 15 s per host) against one simulator process, all on the "
        "same 2 CPUs. First the three at the same time into one database (concurrency 11 each), then the "
        "same three one after another into a new database (concurrency 32 each): about 32 sessions in "
        "flight either way.",
        "",
        "| mode | " + " | ".join(f"{z} wall s" for z in zones) + " | all three, wall s | runs complete "
        "| hosts recorded | hosts answered (ok) | database size MB |",
        "|---|" + "---|" * len(zones) + "---|---|---|---|---|",
    ]
    for label, r in (("at the same time", c), ("one after another", s)):
        done = sum(1 for v in r["runs"].values() if v[1] == "complete")
        recorded = sum(v[2] for v in r["runs"].values())
        lines.append(f"| {label} | " + " | ".join(f"{r['walls'][z]:.1f}" for z in zones)
                     + f" | {r['total_s']:.1f} | {done}/3 | {recorded} | {r['ok']} | {mb(r['size'])} |")
    rec = one["rows"]["PostgreSQL"]
    faster = "faster than" if c["total_s"] < s["total_s"] else "no faster than"
    lines += ["", f"At the same time the three took {c['total_s']:.1f} s, one after another {s['total_s']:.1f} s "
              f"({faster} one after another). Here the three scanners and the simulator share the same 2 CPUs, "
              "so the wall time follows the CPU left over; on separate jump hosts each scanner keeps its own "
              "CPUs. The shared database costs each host one pipelined transaction (median "
              f"{rec['host_ms_p50']:.2f} ms, mean {1000 * rec['hosts_s'] / one['hosts']:.2f} ms in the recording "
              "above), and each zone holds its own advisory lock, so the zones never wait for one another."]
    lines += ["", "Exit codes: " + "; ".join(
        f"{label} " + ", ".join(f"{z} {r['codes'][z]}" for z in zones) for label, r in
        (("same time:", c), ("one after another:", s))) + " (0: nothing blocked; the generated estate's rules "
        "may block or leave hosts unknown, which is 1 or 2, not a failure)."]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hosts", type=int, default=5000)
    parser.add_argument("--zone-hosts", type=int, default=300)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load0 = os.getloadavg()[0]
    with (tempfile.TemporaryDirectory(prefix="exready-bench-history-") as tmp,
          pg_cluster.cluster(durable=True) as cluster):
        work = Path(tmp)
        one = part_one(cluster, args.hosts, work)
        print(one, flush=True)
        two = part_two(cluster, args.zone_hosts, work)
        print(two, flush=True)
    text = render(one, two, started, (load0, os.getloadavg()[0]))
    print(text)
    if not args.no_write:
        write_section("history", text)
        print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
