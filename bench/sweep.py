"""Benchmark of a whole sweep: 5,000 simulated hosts, faults included, through the real scanner.

The site has two AD sites and about 5 % faulty hosts, of every fault kind the simulator has. The
simulator runs in its own process; the scanner runs as ``python -m scanner scan`` (the command a user
types: Negotiate, which is NTLM here, with WinRM message encryption over HTTP; CSV and JSON written),
so its start-up, worker processes and report writing are all counted. It sweeps once per ``--workers``
setting (default: one process, then two worker processes), each time against a fresh simulator.
Reported: wall time, hosts per second, client CPU per host (the scanner and its workers), peak memory
of the scanner's process tree, per-host latency percentiles and the count of hosts by outcome.

Side by side (``--rows side``), on 200 healthy hosts of the same simulator: the scanner, plain pypsrp
(bench/pypsrp_baseline.py, 32 threads) and Ansible (ansible-core, its psrp connection, ``-m raw`` with
the same collector script; default forks and forks 32), giving the ratio of hosts per second.

    python bench/sweep.py [--rows big,side] [--hosts 5000] [--workers 1,2] [--concurrency 64,0]
                          [--scan-args '--transport pypsrp'] [--side-hosts 200] [--ansible-forks default,32]
                          [--ansible-venv DIR | --setup-ansible | --no-ansible] [--no-write]

Prints the figures and writes them to bench/RESULTS.md, the faulty site between the sweep markers and
the side-by-side rows between the sweep-side markers, so each part can be run on its own. Linux only
(it reads process trees through psutil). Every step has a time limit.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from harness import (  # noqa: E402
    Measurement,
    TreeWatch,
    children_cpu,
    load_average,
    machine,
    machine_busy,
    measure,
    proc_cpu,
    shown_command,
    utc_now,
    write_inventory,
)
from results_md import RESULTS, write_section  # noqa: E402

from scanner.probes.collector import build_collector_script  # noqa: E402
from scanner.simulator import (  # noqa: E402
    Credentials,
    SimHost,
    SimulatorProcess,
    generate_site_document,
    write_site_file,
)
from scanner.simulator.profiles import ALL_FAULT_MIX  # noqa: E402

# re-exported for the benchmarks that imported them from here
__all__ = ["TreeWatch", "children_cpu", "machine", "machine_busy", "proc_cpu", "write_inventory"]

PASSWORD = "Bench-Sweep-Pass-5!"  # noqa: S105 - the simulated lab's account
ANSIBLE_CORE = "ansible-core==2.19.14"  # the newest that runs on Python 3.11
PYPSRP = "pypsrp==0.9.1"

# Every fault kind the simulator has. tls_name_mismatch needs an HTTPS listener, so those hosts
# are HTTPS-only (Basic over verified TLS) and added by name below.
FAULT_MIX: tuple[Any, ...] = (
    *ALL_FAULT_MIX,
    {"kind": "stall", "stage": "create"},
    {"kind": "wsman_fault", "stage": "command", "code": 2150858843, "subcode": "w:InvalidSelectors",
     "reason": "The request contained invalid selectors for the resource."},
    {"kind": "http_status", "stage": "connect", "status": 503},
    {"kind": "close", "stage": "receive", "nth": 2},
    {"kind": "garbage", "stage": "receive", "nth": 2},
)
TLS_FAULT_HOSTS = 10

# The scan's limits: production-like timeouts, shortened where a hung host would otherwise hold the
# end of a 5,000-host sweep for the default two minutes.
SCAN_ARGS = ("--deadline", "15", "--connect-timeout", "5", "--read-timeout", "10", "--operation-timeout", "5")


def build_site(hosts: int, work: Path) -> Path:
    doc = generate_site_document(hosts, seed=2026, name=f"bench-{hosts}", ad_sites=("Paris-HQ", "Lyon-DR"),
                                 faulty_percent=5.0, fault_kinds=FAULT_MIX, password=PASSWORD)
    first = doc["ad_sites"][0]
    step = max(1, first["count"] // TLS_FAULT_HOSTS)
    doc["hosts"] = [{"name": first["pattern"].format(n=n).upper(), "schemes": ["https"], "auth": ["basic"],
                     "fault": "tls_name_mismatch"} for n in range(step // 2 + 1, first["count"] + 1, step)]
    return write_site_file(doc, work / "site.yaml")


def run_exready(sim: SimulatorProcess, inventory: Path, out: Path, *, workers: int, concurrency: int,
                timeout: float, extra: tuple[str, ...] = ()) -> dict[str, Any]:
    user = sim.credentials.username
    cmd = [sys.executable, "-m", "scanner", "scan", "--inventory", str(inventory), "--user", user,
           "--workers", str(workers), "--concurrency", str(concurrency), *SCAN_ARGS, *extra,
           "--no-progress", "--quiet", "--csv", str(out / "matrix.csv"), "--json", str(out / "scan.json")]
    env = {**os.environ, "EXREADY_PASSWORD": sim.credentials.password, "PYTHONPATH": str(ROOT)}
    m = measure(cmd, env=env, out=out, timeout=timeout, server_pids=[sim.pid], cwd=ROOT)
    report = json.loads((out / "scan.json").read_text(encoding="utf-8")) if m.exit_code >= 0 else {"hosts": []}
    hosts = report["hosts"]
    durations = sorted(h["outcome"]["duration_s"] for h in hosts if h["outcome"]["kind"] == "ok")
    n = sum(1 for _ in inventory.open(encoding="utf-8")) - 1
    watch = m.watch
    chosen = "auto" if concurrency == 0 else str(concurrency)  # auto: the scanner's stderr line says what
    setting = f"workers={workers} concurrency={chosen}" + (f" {' '.join(extra)}" if extra else "")
    return {
        **_figures("exready", setting, n, m),
        "peak_rss_sweep_mb": watch.peak_rss_multi / 2**20,
        "after_workers_s": m.ended - watch.workers_gone if watch.workers_gone else 0.0,
        "cpu_s_by_process": {("scanner" if pid == m.pid else f"child {pid}"): round(c, 1)
                             for pid, c in watch.cpu.items()},
        "peak_rss_mb_by_process": {("scanner" if pid == m.pid else f"child {pid}"): round(r / 2**20)
                                   for pid, r in watch.rss.items()},
        "outcomes": dict(Counter(h["outcome"]["kind"] for h in hosts)),
        "faults": _faults_by_outcome(sim, hosts),
        "latency_ok_s": _percentiles(durations),
        "successes": sum(1 for h in hosts if h["outcome"]["kind"] == "ok"),
        "command": f"EXREADY_PASSWORD=... python {shown_command(cmd[1:], ROOT)}",
    }


def _figures(tool: str, setting: str, n: int, m: Measurement) -> dict[str, Any]:
    """The figures every row has, from one measured command over ``n`` hosts."""
    return {
        "tool": tool, "setting": setting, "hosts": n, "exit_code": m.exit_code, "wall_s": m.wall_s,
        "hosts_per_s": n / m.wall_s, "client_cpu_s": m.client_cpu_s,
        "client_cpu_ms_per_host": 1000 * m.client_cpu_s / n, "peak_rss_mb": m.watch.peak_rss / 2**20,
        "other_cpu_s": m.other_cpu_s, "peak_processes": m.watch.peak_procs, "peak_threads": m.watch.peak_threads,
        "server_cpu_ms_per_host": 1000 * m.server_cpu_s / n, "load": f"{m.load_before} -> {m.load_after}",
        "stderr": m.stderr_tail(),
    }


def run_baseline(sim: SimulatorProcess, inventory: Path, out: Path, timeout: float,
                 threads: int = 32) -> dict[str, Any]:
    """Plain pypsrp, a pool of ``threads`` threads, one process (bench/pypsrp_baseline.py), on the same hosts."""
    cmd = [sys.executable, str(ROOT / "bench" / "pypsrp_baseline.py"), str(inventory), sim.credentials.username,
           "--threads", str(threads)]
    env = {**os.environ, "EXREADY_PASSWORD": sim.credentials.password, "PYTHONPATH": str(ROOT)}
    m = measure(cmd, env=env, out=out, timeout=timeout, server_pids=[sim.pid], cwd=ROOT)
    lines = m.stdout.read_text(encoding="utf-8").strip().splitlines()
    line = json.loads(lines[-1]) if lines else {"successes": 0}
    n = sum(1 for _ in inventory.open(encoding="utf-8")) - 1
    return {
        **_figures("pypsrp", f"plain, {threads} threads, one process", n, m),
        "successes": int(line["successes"]), "outcomes": {},
        "command": f"python bench/pypsrp_baseline.py inventory.csv USER --threads {threads}",
    }


def _faults_by_outcome(sim: SimulatorProcess, hosts: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    label = {h.name: (h.fault.label if h.fault else "none") for h in sim.hosts}
    table: dict[str, Counter[str]] = {}
    for h in hosts:
        table.setdefault(label.get(h["name"], "?"), Counter())[h["outcome"]["kind"]] += 1
    return {k: dict(v) for k, v in sorted(table.items())}


def _percentiles(values: list[float]) -> dict[str, float]:
    if len(values) < 2:
        return {}
    q = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": q[49], "p90": q[89], "p99": q[98], "max": values[-1]}


# -- Ansible --------------------------------------------------------------------------------------------

_HEADER = re.compile(r"^(h\d{5}) \| ([A-Z]+!?)(?: \| rc=(-?\d+))?(?: >>| => \{)?\s*$")


def setup_ansible(venv: Path) -> None:
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", ANSIBLE_CORE, PYPSRP], check=True, timeout=900)


def ansible_version(venv: Path) -> str:
    out = subprocess.run([str(venv / "bin" / "python"), "-c",
                          "import importlib.metadata as m; print(m.version('ansible-core'), m.version('pypsrp'))"],
                         capture_output=True, text=True, timeout=60, check=True).stdout.split()
    return f"ansible-core {out[0]}, pypsrp {out[1]}"


def ansible_script(script: str) -> str:
    """The collector as Ansible's ``raw`` accepts it. Its argument splitter fails on the apostrophes in
    the script's comments and on the PowerShell string '\\' (it reads the backslash as an escape), so,
    as a user of ``raw`` must: comment lines dropped (the marker line stays) and that string written
    as [char]92. PowerShell runs the same statements."""
    lines = script.splitlines()
    kept = [lines[0], *(line for line in lines[1:] if not line.lstrip().startswith("#"))]
    return "\n".join(kept).replace("'\\'", "[string][char]92")


def run_ansible(hosts: Sequence[SimHost], credentials: Credentials, server_pids: Sequence[int], venv: Path,
                forks: int | None, script: str, timeout: float) -> dict[str, Any]:
    """``ansible all -m raw`` with the collector script over its psrp connection (NTLM with message
    encryption over HTTP) on ``hosts``."""
    work = Path(tempfile.mkdtemp(prefix="exready-bench-ansible-"))
    try:
        lines = ["all:", "  vars:", "    ansible_connection: psrp", "    ansible_psrp_protocol: http",
                 "    ansible_psrp_auth: ntlm", "    ansible_psrp_message_encryption: auto",
                 f"    ansible_user: !unsafe {json.dumps(credentials.username)}",
                 f"    ansible_password: !unsafe {json.dumps(credentials.password)}", "  hosts:"]
        for i, h in enumerate(hosts, start=1):
            lines.append(f"    h{i:05d}: {{ansible_host: {json.dumps(h.address)}, ansible_port: {h.http_port}}}")
        inventory = work / "inventory.yml"
        fd = os.open(inventory, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")
        (work / "ansible.cfg").write_text("[defaults]\ndeprecation_warnings = False\n", encoding="utf-8")
        env = {**os.environ, "ANSIBLE_CONFIG": str(work / "ansible.cfg"), "ANSIBLE_HOME": str(work / "home"),
               "ANSIBLE_LOCAL_TEMP": str(work / "tmp"), "ANSIBLE_NOCOLOR": "1"}
        cmd = [str(venv / "bin" / "ansible"), "all", "-i", str(inventory), "-m", "raw", "-a", script]
        if forks is not None:
            cmd += ["-f", str(forks)]
        m = measure(cmd, env=env, out=work / "run", timeout=timeout, server_pids=server_pids, cwd=work,
                    interval=0.5)
        ok, statuses = _ansible_successes(m.stdout.read_text(encoding="utf-8", errors="replace"))
        return {
            **_figures("ansible", f"-m raw, forks={forks if forks is not None else 'default (5)'}", len(hosts), m),
            "successes": ok, "outcomes": statuses,
            "command": "ansible all -i inventory.yml -m raw -a \"$(cat collector.ps1)\""
                       + (f" -f {forks}" if forks is not None else ""),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)  # the inventory holds the password


def _ansible_successes(text: str) -> tuple[int, dict[str, int]]:
    blocks: dict[str, list[Any]] = {}
    current = None
    for line in text.splitlines():
        m = _HEADER.match(line)
        if m:
            current = m.group(1)
            blocks[current] = [m.group(2), int(m.group(3)) if m.group(3) else None, []]
        elif current is not None:
            blocks[current][2].append(line)
    statuses: Counter[str] = Counter()
    ok = 0
    for status, rc, body in blocks.values():
        good = status in ("CHANGED", "SUCCESS") and rc in (0, None) and "exready_collector" in "\n".join(body)
        ok += good
        statuses[status if good else f"{status} (no collector answer)"] += 1
    return ok, dict(statuses)


# -- report ---------------------------------------------------------------------------------------------


def row(r: dict[str, Any]) -> str:
    lat = r.get("latency_ok_s") or {}
    lat_text = f"{lat['p50']:.2f} / {lat['p90']:.2f} / {lat['p99']:.2f}" if lat else "-"
    return (f"| {r['tool']} | {r['setting']} | {r['hosts']} | {r['successes']} | {r['wall_s']:.1f} | "
            f"{r['hosts_per_s']:.1f} | {r['client_cpu_ms_per_host']:.1f} | {r['peak_rss_mb']:.0f} | "
            f"{r['server_cpu_ms_per_host']:.1f} | {lat_text} |")


HEAD = ("| tool | setting | hosts | ok | wall s | hosts/s | client CPU ms/host | peak RSS MB (tree) | "
        "simulator CPU ms/host | latency p50 / p90 / p99 s (ok hosts) |\n|---|---|---|---|---|---|---|---|---|---|")


def render(bigs: list[dict[str, Any]], started: str, load: str) -> str:
    big = bigs[0]
    out = [
        "## Whole sweep (bench/sweep.py)", "",
        f"Measured {started}. Machine: {machine()} Load average (1 / 5 / 15 min) {load}.", "",
        "Site: two AD sites, about 5 % of the hosts faulty, cycling through every simulator fault kind "
        f"({TLS_FAULT_HOSTS} more HTTPS hosts with a certificate for another name). The scanner runs as the "
        "`exready scan` command (NTLM with message encryption over HTTP, Basic over verified TLS for the "
        "HTTPS hosts), writing CSV and JSON; wall time is the whole command, start-up and reports included. "
        "Client CPU is user + system time of the scanner and its worker processes (exact, from the "
        "parent's rusage); peak RSS is the largest sum of RSS over the scanner's process tree, sampled "
        "every 0.2 s. Each sweep has a simulator process of its own, started afresh.", "",
        f"    {big['command']}", "",
        HEAD, *[row(b) for b in bigs], "",
    ]
    for b in bigs:
        per_process = ", ".join(f"{k} {v} MB" for k, v in b["peak_rss_mb_by_process"].items())
        cpu = ", ".join(f"{k} {v}" for k, v in b["cpu_s_by_process"].items())
        after = (f" The worker processes ended {b['after_workers_s']:.1f} s before the command did (the "
                 "scanner then evaluates what is left, writes the CSV and the streamed JSON report, exits); "
                 f"peak while they ran {b['peak_rss_sweep_mb']:.0f} MB." if b["after_workers_s"] else "")
        out += [f"- {b['setting']}: other processes on the machine used {b['other_cpu_s']:.0f} CPU-seconds "
                f"during the sweep (of {2 * b['wall_s']:.0f} available on 2 CPUs). Peak RSS per process: "
                f"{per_process}; CPU seconds: {cpu}.{after} Exit code {b['exit_code']}."]
    out += ["", "Hosts by outcome (" + big["setting"] + "): "
            + ", ".join(f"{k} {v}" for k, v in sorted(big["outcomes"].items())) + ".", ""]
    for b in bigs[1:]:
        same = b["outcomes"] == big["outcomes"]
        out += [f"With {b['setting']}: " + ("the same counts." if same else ", ".join(
            f"{k} {v}" for k, v in sorted(b["outcomes"].items())) + "."), ""]
    out += [
        "| simulator fault | outcomes |", "|---|---|",
        *[f"| {fault} | {', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))} |"
          for fault, kinds in big["faults"].items()], "",
    ]
    out.append("Goals on this machine: the faulty 5,000-host site in at most 55 s (issue 17; 90 s before), "
               "at most 300 MB peak RSS, client CPU per host well under the 14-18 ms of a plain pypsrp client. "
               "The VM is shared and noisy: compare figures within one run.")
    return "\n".join(out).rstrip() + "\n"


def render_side(side: list[dict[str, Any]], ansible: str, started: str, load: str) -> str:
    ex = next((r for r in side if r["tool"] == "exready"), None)
    best = max((r for r in side if r["tool"] == "ansible"), key=lambda r: r["hosts_per_s"], default=None)
    plain = next((r for r in side if r["tool"] == "pypsrp"), None)
    n = side[0]["hosts"]
    out = ["## Side by side on fast hosts (bench/sweep.py)", "",
           f"Measured {started}. Machine: {machine()} Load average (1 / 5 / 15 min) {load}.", "",
           f"{n} healthy hosts of the whole-sweep site, answering in milliseconds, one simulator process "
           f"({ansible or 'no Ansible'}; the plain pypsrp client is bench/pypsrp_baseline.py, the same "
           "collector script in a 32-thread pool; Ansible ran `ansible all -m raw` over its psrp connection, "
           "NTLM with message encryption, the same collector script, its comment lines dropped and one "
           "`'\\\\'` written `[char]92` so that Ansible's argument splitter accepts it):", "",
           HEAD, *[row(r) for r in side], ""]
    if ex is not None and best is not None:
        ratio = ex["hosts_per_s"] / best["hosts_per_s"]
        out.append(f"Ratio of hosts per second, exready / best Ansible: **{ratio:.1f}x** "
                   f"({ex['hosts_per_s']:.1f} vs {best['hosts_per_s']:.1f}); client CPU per host "
                   f"{ex['client_cpu_ms_per_host']:.1f} ms vs {best['client_cpu_ms_per_host']:.1f} ms.")
    if ex is not None and plain is not None:
        out.append(f"Against plain pypsrp in the same run: {ex['hosts_per_s'] / plain['hosts_per_s']:.1f}x the "
                   f"hosts per second, {ex['client_cpu_ms_per_host']:.1f} vs "
                   f"{plain['client_cpu_ms_per_host']:.1f} ms of client CPU per host (exready's figure "
                   "includes evaluating every rule and writing the reports).")
    return "\n".join(out).rstrip() + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hosts", type=int, default=5000)
    ap.add_argument("--rows", default="big,side",
                    help="what to run: big (the faulty site, once per --workers setting), side (exready, plain "
                         "pypsrp and Ansible on --side-hosts healthy hosts); each writes its own section")
    ap.add_argument("--workers", default="1,2",
                    help="worker settings to sweep with, comma-separated; the first is the headline")
    ap.add_argument("--concurrency", default="64",
                    help="concurrency settings, comma-separated, each swept with every --workers setting; "
                         "0: the scanner's own choice (auto)")
    ap.add_argument("--scan-args", default="", help="more `exready scan` options for every exready row, e.g. "
                    "'--transport pypsrp' (one string, split as a shell would)")
    ap.add_argument("--side-hosts", type=int, default=200)
    ap.add_argument("--ansible-forks", default="default,32",
                    help="forks settings for the side-by-side Ansible rows ('default' = Ansible's own, 5)")
    ap.add_argument("--timeout", type=float, default=600, help="limit for each measured command, seconds")
    ap.add_argument("--ansible-venv", type=Path, default=Path(tempfile.gettempdir()) / "exready-ansible-venv")
    ap.add_argument("--setup-ansible", action="store_true", help=f"create the venv ({ANSIBLE_CORE}, {PYPSRP})")
    ap.add_argument("--no-ansible", action="store_true")
    ap.add_argument("--no-write", action="store_true", help="print only; leave bench/RESULTS.md alone")
    a = ap.parse_args()
    rows = {r.strip() for r in a.rows.split(",") if r.strip()}
    if not rows or rows - {"big", "side"}:
        ap.error("--rows takes big, side or both")
    extra = tuple(shlex.split(a.scan_args))
    if a.setup_ansible and not (a.ansible_venv / "bin" / "ansible").exists():
        setup_ansible(a.ansible_venv)
    use_ansible = "side" in rows and not a.no_ansible and (a.ansible_venv / "bin" / "ansible").exists()
    if "side" in rows and not use_ansible and not a.no_ansible:
        print(f"no Ansible in {a.ansible_venv} (use --setup-ansible): the Ansible rows are skipped")
    started = utc_now()
    load = load_average()
    work = Path(tempfile.mkdtemp(prefix="exready-bench-sweep-"))
    try:
        site = build_site(a.hosts, work)
        workers_list = [int(w) for w in a.workers.split(",") if w.strip()] if "big" in rows else [1]
        concurrencies = [int(c) for c in a.concurrency.split(",") if c.strip()] or [64]
        settings = [(w, c) for w in workers_list for c in concurrencies]
        bigs: list[dict[str, Any]] = []
        side: list[dict[str, Any]] = []
        version = ""
        for index, (workers, concurrency) in enumerate(settings):
            # a fresh simulator for each sweep: faults that act from a host's n-th request count requests
            with SimulatorProcess(site, work / f"sim{index}", startup_timeout_s=300) as sim:
                print(f"simulator: {len(sim.hosts)} hosts, pid {sim.pid}", flush=True)
                if "big" in rows:
                    big = run_exready(sim, write_inventory(sim.hosts, work / "inventory.csv"), work / f"big{index}",
                                      workers=workers, concurrency=concurrency, timeout=a.timeout, extra=extra)
                    bigs.append(big)
                    print(json.dumps({k: v for k, v in big.items() if k != "faults"}, indent=1), flush=True)
                if index == 0 and "side" in rows:
                    healthy = [h for h in sim.hosts if h.fault is None and h.http_port is not None][:a.side_hosts]
                    inv = write_inventory(healthy, work / "inv-side.csv")
                    side.append(run_exready(sim, inv, work / "small", workers=workers, concurrency=32,
                                            timeout=a.timeout, extra=extra))
                    side.append(run_baseline(sim, inv, work / "baseline", a.timeout))
                    if use_ansible:
                        version = ansible_version(a.ansible_venv)
                        script = ansible_script(build_collector_script())
                        for forks in a.ansible_forks.split(","):
                            side.append(run_ansible(healthy, sim.credentials, [sim.pid], a.ansible_venv,
                                                    None if forks.strip() == "default" else int(forks), script,
                                                    a.timeout))
                    for r in side:
                        print(json.dumps(r), flush=True)
        if bigs:
            body = render(bigs, started, load)
            print(body)
            if not a.no_write:
                write_section("sweep", body)
        if side:
            body = render_side(side, version, started, load)
            print(body)
            if not a.no_write:
                write_section("sweep-side", body)
        if not a.no_write:
            print(f"wrote {RESULTS}")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
