"""Benchmark of the fleet simulator: sessions per second and CPU per session, client and server.

One session is what the scanner does per host: connect, authenticate, open a runspace pool, run the
collector script, read its facts, close. The simulator runs in its own process (so its CPU is measured
apart from the client's); the client is the unmodified pypsrp, one thread per concurrent session.

    python bench/simulator.py [--quick] [--no-write]

Prints the figures and writes them to bench/RESULTS.md between the simulator markers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import psutil
from pypsrp.powershell import PowerShell, RunspacePool
from pypsrp.wsman import WSMan

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scanner.simulator import (  # noqa: E402
    SimHost,
    SimulatorProcess,
    generate_site_document,
    write_site_file,
)
from scanner.simulator.scripts import collector_answer  # noqa: E402

COLLECTOR = "# exready-collector 1\n"
HOSTS = 200
PASSWORD = "Bench-Lab-Pass-1!"  # noqa: S105 - the simulated lab's account


@dataclass(frozen=True)
class Mode:
    name: str
    ssl: bool
    auth: str


MODES = (
    Mode("NTLM + message encryption, HTTP", False, "ntlm"),
    Mode("Basic, HTTPS (CA verified)", True, "basic"),
)
from results_md import RESULTS, write_section  # noqa: E402

CONCURRENCY = (1, 32, 128)


@dataclass(frozen=True)
class Result:
    mode: str
    concurrency: int
    sessions: int
    errors: int
    wall_s: float
    client_cpu_s: float
    server_cpu_s: float
    p50_s: float
    p95_s: float

    @property
    def per_s(self) -> float:
        return self.sessions / self.wall_s

    def ms(self, cpu_s: float) -> float:
        return 1000.0 * cpu_s / max(1, self.sessions)


def _cpu(proc: psutil.Process) -> float:
    t = proc.cpu_times()
    return float(t.user + t.system)


def session(host: SimHost, mode: Mode, ca_file: str | None) -> None:
    port = host.https_port if mode.ssl else host.http_port
    kwargs: dict[str, Any] = {"cert_validation": ca_file} if mode.ssl else {}
    with (
        WSMan(
            host.address,
            port=port,
            ssl=mode.ssl,
            auth=mode.auth,
            username="svc-exready",
            password=PASSWORD,
            connection_timeout=10,
            read_timeout=30,
            operation_timeout=20,
            **kwargs,
        ) as wsman,
    ):
        if mode.ssl:
            # the certificate names the host's FQDN only, as a WinRM one does: check it while connecting by address
            transport: Any = wsman.transport
            transport.session = transport._build_session()
            transport.session.get_adapter("https://").poolmanager.connection_pool_kw["server_hostname"] = host.fqdn
        _collect(wsman, host)


def _collect(wsman: WSMan, host: SimHost) -> None:
    with RunspacePool(wsman) as pool:
        ps = PowerShell(pool)
        ps.add_script(COLLECTOR)
        out = ps.invoke()
        if ps.had_errors or not out or json.loads(out[0])["facts"]["computer.name"]["value"] != host.name:
            raise RuntimeError("wrong answer")


def run(
    mode: Mode,
    concurrency: int,
    sessions: int,
    hosts: tuple[SimHost, ...],
    ca_file: str | None,
    server: psutil.Process,
) -> Result:
    me = psutil.Process()
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def one(i: int) -> None:
        nonlocal errors
        t = time.perf_counter()
        try:
            session(hosts[i % len(hosts)], mode, ca_file)
        except Exception:  # counted: a benchmark reports failures, it does not stop on them
            with lock:
                errors += 1
            return
        with lock:
            latencies.append(time.perf_counter() - t)

    c0, s0, t0 = _cpu(me), _cpu(server), time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, range(sessions)))
    wall = time.perf_counter() - t0
    c1, s1 = _cpu(me), _cpu(server)
    lat = sorted(latencies) or [0.0]
    return Result(
        mode.name,
        concurrency,
        sessions,
        errors,
        wall,
        c1 - c0,
        s1 - s0,
        statistics.median(lat),
        lat[min(len(lat) - 1, int(0.95 * len(lat)))],
    )


def _load() -> str:
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except (AttributeError, OSError):  # Windows has no load average
        return "n/a"


def table(results: list[Result]) -> str:
    lines = [
        "| mode | concurrent clients | sessions | errors | sessions/s | client CPU ms/session | "
        "server CPU ms/session | latency p50 / p95 (s) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        lines.append(
            f"| {r.mode} | {r.concurrency} | {r.sessions} | {r.errors} | {r.per_s:.1f} | "
            f"{r.ms(r.client_cpu_s):.1f} | {r.ms(r.server_cpu_s):.1f} | {r.p50_s:.2f} / {r.p95_s:.2f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer sessions (a smoke run)")
    ap.add_argument("--no-write", action="store_true", help="print only; leave bench/RESULTS.md alone")
    args = ap.parse_args(argv)
    scale = 0.2 if args.quick else 1.0
    counts: dict[int, int] = {1: 40, 32: 320, 128: 384}
    load_before = _load()
    started = time.perf_counter()
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="exready-bench-") as tmp:
        doc = generate_site_document(
            HOSTS,
            seed=1,
            faulty_percent=0,
            schemes=("http", "https"),
            base_network="127.90.0.0/16",
            password=PASSWORD,
        )
        doc["credentials"]["local"] = True  # Windows' WinRM takes Basic for a local account only
        site_file = write_site_file(doc, Path(tmp) / "bench-site.yaml")
        with SimulatorProcess(site_file, Path(tmp) / "sim") as sim:
            server = psutil.Process(sim.pid)
            ca = str(sim.ca_file) if sim.ca_file else None
            for h in sim.hosts[:2]:  # warm both paths (imports, first TLS handshake)
                for mode in MODES:
                    session(h, mode, ca)
            for mode in MODES:
                for c in CONCURRENCY:
                    r = run(mode, c, max(c, int(counts[c] * scale)), sim.hosts, ca, server)
                    results.append(r)
                    print(
                        f"{r.mode:34s} c={c:<4d} {r.per_s:6.1f} sessions/s  client {r.ms(r.client_cpu_s):5.1f} ms"
                        f"  server {r.ms(r.server_cpu_s):5.1f} ms/session  errors {r.errors}",
                        flush=True,
                    )
            server_rss = server.memory_info().rss
            answer_size = len(collector_answer("1", dict(sim.hosts[0].facts)).encode("utf-8"))
        stats = sim.final_stats
    total = time.perf_counter() - started
    load_after = _load()
    body = "\n".join(
        [
            "## Fleet simulator (bench/simulator.py)",
            "",
            "One session = connect, authenticate, open a runspace pool, run the collector script, read the "
            "facts, close. The unmodified pypsrp client runs one thread per concurrent session; the simulator "
            f"runs in its own process serving {HOSTS} hosts (HTTP and HTTPS listeners on loopback addresses). "
            "CPU is user + system time of each process over the run (psutil).",
            "",
            table(results),
            "",
            f"Machine: {os.cpu_count()} CPUs, {platform.system()} {platform.release()}, Python "
            f"{platform.python_version()}; pypsrp {metadata.version('pypsrp')}, psrpcore "
            f"{metadata.version('psrpcore')}, pyspnego {metadata.version('pyspnego')}. Client and simulator share "
            f"the CPUs. Simulator peak RSS {server_rss / 2**20:.0f} MiB; sessions counted by the simulator: "
            f"{stats.totals.scripts_run if stats else 'n/a'}. Whole run {total:.0f} s"
            f"{' (quick run)' if args.quick else ''}; 1-minute load average {load_before} before, {load_after} "
            "after (other work on the machine inflates both CPU and latency figures).",
            "",
            f"The collector's answer is one JSON string of {len(sim.hosts[0].facts)} facts, "
            f"{answer_size / 1024:.1f} KiB. The client here is stock pypsrp over requests; exready's own "
            "client cost per host is in the whole-sweep section below.",
        ]
    )
    print()
    print(table(results))
    if not args.no_write:
        write_section("simulator", body)
        print(f"\nwritten to {RESULTS}")
    return 0 if all(r.errors == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
