"""Benchmark of a whole sweep: 5,000 simulated hosts, faults included, through the real scanner.

The site has two AD sites and about 5 % faulty hosts, of every fault kind the simulator has. The
simulator runs in its own process; the scanner runs as ``python -m scanner scan`` (the command a user
types: Negotiate, which is NTLM here, with WinRM message encryption over HTTP; CSV and JSON written),
so its start-up, worker processes and report writing are all counted. It sweeps once per ``--workers``
setting (default: one process, then two worker processes), each time against a fresh simulator.
Reported: wall time, hosts per second, client CPU per host (the scanner and its workers), peak memory
of the scanner's process tree, per-host latency percentiles and the count of hosts by outcome.

Side by side, on 200 healthy hosts of the same simulator: Ansible (ansible-core, its psrp connection,
``-m raw`` with the same collector script; default forks and forks 32) and the scanner on the same 200
hosts, giving the ratio of hosts per second.

    python bench/sweep.py [--hosts 5000] [--workers 1,2] [--ansible-venv DIR | --setup-ansible | --no-ansible]
                          [--no-write]

Prints the figures and writes them to bench/RESULTS.md between the sweep markers. Linux only (it
reads process trees through psutil and sends no signal). Every step has a time limit.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from results_md import RESULTS, write_section  # noqa: E402

from scanner.probes.collector import build_collector_script  # noqa: E402
from scanner.simulator import SimulatorProcess, generate_site_document, write_site_file  # noqa: E402
from scanner.simulator.profiles import ALL_FAULT_MIX  # noqa: E402

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


@dataclass
class TreeWatch:
    """Samples a process and its descendants: the peak of the summed RSS, and each process's CPU."""

    root: int
    interval: float = 0.2
    peak_rss: int = 0
    peak_rss_multi: int = 0  # while the scanner had worker processes: the sweep itself
    workers_gone: float = 0.0  # when they ended (the scanner then writes its reports alone)
    peak_procs: int = 0
    cpu: dict[int, float] = field(default_factory=dict)
    rss: dict[int, int] = field(default_factory=dict)  # each process's own peak
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> TreeWatch:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                root = psutil.Process(self.root)
                procs = [root, *root.children(recursive=True)]
            except psutil.Error:
                return
            rss = 0
            for p in procs:
                try:
                    with p.oneshot():
                        own = p.memory_info().rss
                        rss += own
                        self.rss[p.pid] = max(self.rss.get(p.pid, 0), own)
                        t = p.cpu_times()
                        self.cpu[p.pid] = t.user + t.system
                except psutil.Error:
                    continue
            self.peak_rss = max(self.peak_rss, rss)
            # the scanner, multiprocessing's resource tracker, and its workers
            if len(procs) > 2:
                self.peak_rss_multi = max(self.peak_rss_multi, rss)
                self.workers_gone = time.perf_counter()
            self.peak_procs = max(self.peak_procs, len(procs))
            self._stop.wait(self.interval)


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def machine_busy() -> float:
    """Busy CPU seconds of the whole machine, every process (from /proc/stat)."""
    t = psutil.cpu_times()
    return float(t.user + t.nice + t.system + getattr(t, "irq", 0.0) + getattr(t, "softirq", 0.0))


def proc_cpu(pid: int) -> float:
    t = psutil.Process(pid).cpu_times()
    return float(t.user + t.system)


def build_site(hosts: int, work: Path) -> Path:
    doc = generate_site_document(hosts, seed=2026, name=f"bench-{hosts}", ad_sites=("Paris-HQ", "Lyon-DR"),
                                 faulty_percent=5.0, fault_kinds=FAULT_MIX, password=PASSWORD)
    first = doc["ad_sites"][0]
    step = max(1, first["count"] // TLS_FAULT_HOSTS)
    doc["hosts"] = [{"name": first["pattern"].format(n=n).upper(), "schemes": ["https"], "auth": ["basic"],
                     "fault": "tls_name_mismatch"} for n in range(step // 2 + 1, first["count"] + 1, step)]
    return write_site_file(doc, work / "site.yaml")


def write_inventory(sim: SimulatorProcess, path: Path, names: list[str] | None = None) -> Path:
    """The simulator's hosts as an inventory CSV (all, or ``names`` in that order)."""
    wanted = None if names is None else set(names)
    rows: list[tuple[str, str, str, int | None, str, str, str]] = []
    for h in sim.hosts:
        if wanted is not None and h.name not in wanted:
            continue
        if h.http_port is not None:
            rows.append((h.name, h.fqdn, h.address, h.http_port, "http", "negotiate", h.ad_site))
        else:
            rows.append((h.name, h.fqdn, h.address, h.https_port, "https", "basic", h.ad_site))
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(("name", "fqdn", "address", "port", "scheme", "auth", "site"))
        w.writerows(rows)
    return path


def run_exready(sim: SimulatorProcess, inventory: Path, out: Path, *, workers: int, concurrency: int,
                timeout: float) -> dict[str, Any]:
    user = sim.credentials.username
    cmd = [sys.executable, "-m", "scanner", "scan", "--inventory", str(inventory), "--user", user,
           "--workers", str(workers), "--concurrency", str(concurrency), *SCAN_ARGS,
           "--no-progress", "--quiet", "--csv", str(out / "matrix.csv"), "--json", str(out / "scan.json")]
    env = {**os.environ, "EXREADY_PASSWORD": sim.credentials.password, "PYTHONPATH": str(ROOT)}
    server0 = proc_cpu(sim.pid)
    cpu0 = children_cpu()
    busy0 = machine_busy()
    started = time.perf_counter()
    ended = started
    with (out / "stderr.txt").open("w", encoding="utf-8") as err:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err)
        watch = TreeWatch(proc.pid).start()
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            code = -9
        ended = time.perf_counter()
        wall = ended - started
        watch.stop()
    cpu = children_cpu() - cpu0  # the scanner and every worker it waited for: exact
    server = proc_cpu(sim.pid) - server0
    others = max(0.0, machine_busy() - busy0 - cpu - server)  # whatever else ran on the machine meanwhile
    report = json.loads((out / "scan.json").read_text(encoding="utf-8")) if code >= 0 else {"hosts": []}
    hosts = report["hosts"]
    durations = sorted(h["outcome"]["duration_s"] for h in hosts if h["outcome"]["kind"] == "ok")
    n = sum(1 for _ in inventory.open(encoding="utf-8")) - 1
    shown = " ".join(c if " " not in c else f'"{c}"' for c in cmd[1:]).replace(str(ROOT) + "/", "")
    return {
        "tool": "exready", "setting": f"workers={workers} concurrency={concurrency}", "hosts": n,
        "exit_code": code, "wall_s": wall, "hosts_per_s": n / wall, "client_cpu_s": cpu,
        "client_cpu_ms_per_host": 1000 * cpu / n, "peak_rss_mb": watch.peak_rss / 2**20,
        "peak_rss_sweep_mb": watch.peak_rss_multi / 2**20,
        "other_cpu_s": others,
        "after_workers_s": ended - watch.workers_gone if watch.workers_gone else 0.0,
        "peak_processes": watch.peak_procs, "server_cpu_ms_per_host": 1000 * server / n,
        "cpu_s_by_process": {("scanner" if pid == proc.pid else f"child {pid}"): round(c, 1)
                             for pid, c in watch.cpu.items()},
        "peak_rss_mb_by_process": {("scanner" if pid == proc.pid else f"child {pid}"): round(r / 2**20)
                                   for pid, r in watch.rss.items()},
        "outcomes": dict(Counter(h["outcome"]["kind"] for h in hosts)),
        "faults": _faults_by_outcome(sim, hosts),
        "latency_ok_s": _percentiles(durations),
        "successes": sum(1 for h in hosts if h["outcome"]["kind"] == "ok"),
        "command": f"EXREADY_PASSWORD=... python {shown}",
        "stderr": (out / "stderr.txt").read_text(encoding="utf-8").strip()[-300:],
    }


def run_baseline(sim: SimulatorProcess, inventory: Path, timeout: float) -> dict[str, Any]:
    """Plain pypsrp, 32 threads, one process (bench/pypsrp_baseline.py), on the same hosts."""
    cmd = [sys.executable, str(ROOT / "bench" / "pypsrp_baseline.py"), str(inventory), sim.credentials.username]
    env = {**os.environ, "EXREADY_PASSWORD": sim.credentials.password, "PYTHONPATH": str(ROOT)}
    server0 = proc_cpu(sim.pid)
    cpu0 = children_cpu()
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watch = TreeWatch(proc.pid).start()
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    wall = time.perf_counter() - started
    watch.stop()
    cpu = children_cpu() - cpu0
    server = proc_cpu(sim.pid) - server0
    line = json.loads(out.strip().splitlines()[-1]) if out.strip() else {"hosts": 0, "successes": 0}
    n = int(line["hosts"]) or 1
    return {
        "tool": "pypsrp", "setting": "plain, 32 threads, one process", "hosts": n, "exit_code": proc.returncode,
        "wall_s": wall, "hosts_per_s": n / wall, "client_cpu_s": cpu, "client_cpu_ms_per_host": 1000 * cpu / n,
        "peak_rss_mb": watch.peak_rss / 2**20, "peak_processes": watch.peak_procs,
        "server_cpu_ms_per_host": 1000 * server / n, "successes": line["successes"], "outcomes": {},
        "command": "python bench/pypsrp_baseline.py inventory.csv USER --threads 32", "stderr": err.strip()[-300:],
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


def run_ansible(sim: SimulatorProcess, names: list[str], venv: Path, forks: int | None, script: str,
                timeout: float) -> dict[str, Any]:
    by_name = {h.name: h for h in sim.hosts}
    work = Path(tempfile.mkdtemp(prefix="exready-bench-ansible-"))
    try:
        lines = ["all:", "  vars:", "    ansible_connection: psrp", "    ansible_psrp_protocol: http",
                 "    ansible_psrp_auth: ntlm", "    ansible_psrp_message_encryption: auto",
                 f"    ansible_user: !unsafe {json.dumps(sim.credentials.username)}",
                 f"    ansible_password: !unsafe {json.dumps(sim.credentials.password)}", "  hosts:"]
        for i, name in enumerate(names, start=1):
            h = by_name[name]
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
        server0 = proc_cpu(sim.pid)
        cpu0 = children_cpu()
        started = time.perf_counter()
        with (work / "out.txt").open("w", encoding="utf-8") as so, (work / "err.txt").open("w") as se:
            proc = subprocess.Popen(cmd, cwd=work, env=env, stdout=so, stderr=se)
            watch = TreeWatch(proc.pid, interval=0.5).start()
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
        ok, statuses = _ansible_successes((work / "out.txt").read_text(encoding="utf-8", errors="replace"))
        n = len(names)
        return {
            "tool": "ansible", "setting": f"-m raw, forks={forks if forks is not None else 'default (5)'}",
            "hosts": n, "exit_code": code, "wall_s": wall, "hosts_per_s": n / wall, "client_cpu_s": cpu,
            "client_cpu_ms_per_host": 1000 * cpu / n, "peak_rss_mb": watch.peak_rss / 2**20,
            "peak_processes": watch.peak_procs, "server_cpu_ms_per_host": 1000 * server / n,
            "successes": ok, "outcomes": statuses,
            "command": "ansible all -i inventory.yml -m raw -a \"$(cat collector.ps1)\""
                       + (f" -f {forks}" if forks is not None else ""),
            "stderr": (work / "err.txt").read_text(encoding="utf-8", errors="replace").strip()[-300:],
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


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = psutil.virtual_memory().total / 2**30
    versions = ", ".join(f"{p} {metadata.version(p)}" for p in ("pypsrp", "pyspnego", "requests", "urllib3"))
    return (f"{platform.system()} {platform.release()}, {os.cpu_count()} CPUs ({model or cpu}), {mem:.0f} GiB; "
            f"Python {platform.python_version()}; {versions}. The simulator shares the same CPUs.")


def row(r: dict[str, Any]) -> str:
    lat = r.get("latency_ok_s") or {}
    lat_text = f"{lat['p50']:.2f} / {lat['p90']:.2f} / {lat['p99']:.2f}" if lat else "-"
    return (f"| {r['tool']} | {r['setting']} | {r['hosts']} | {r['successes']} | {r['wall_s']:.1f} | "
            f"{r['hosts_per_s']:.1f} | {r['client_cpu_ms_per_host']:.1f} | {r['peak_rss_mb']:.0f} | "
            f"{r['server_cpu_ms_per_host']:.1f} | {lat_text} |")


def render(bigs: list[dict[str, Any]], side: list[dict[str, Any]], ansible: str, started: str) -> str:
    head = ("| tool | setting | hosts | ok | wall s | hosts/s | client CPU ms/host | peak RSS MB (tree) | "
            "simulator CPU ms/host | latency p50 / p90 / p99 s (ok hosts) |\n|---|---|---|---|---|---|---|---|---|---|")
    big = bigs[0]
    out = [
        "## Whole sweep (bench/sweep.py)", "",
        f"Measured {started}. Machine: {machine()}", "",
        "Site: two AD sites, about 5 % of the hosts faulty, cycling through every simulator fault kind "
        f"({TLS_FAULT_HOSTS} more HTTPS hosts with a certificate for another name). The scanner runs as the "
        "`exready scan` command (NTLM with message encryption over HTTP, Basic over verified TLS for the "
        "HTTPS hosts), writing CSV and JSON; wall time is the whole command, start-up and reports included. "
        "Client CPU is user + system time of the scanner and its worker processes (exact, from the "
        "parent's rusage); peak RSS is the largest sum of RSS over the scanner's process tree, sampled "
        "every 0.2 s. Each sweep has a simulator process of its own, started afresh.", "",
        f"    {big['command']}", "",
        head, *[row(b) for b in bigs], "",
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
    if side:
        ex = next((r for r in side if r["tool"] == "exready"), None)
        best = max((r for r in side if r["tool"] == "ansible"), key=lambda r: r["hosts_per_s"], default=None)
        plain = next((r for r in side if r["tool"] == "pypsrp"), None)
        out += [f"Side by side on 200 healthy hosts of the same simulator ({ansible}; the plain pypsrp client "
                "is bench/pypsrp_baseline.py, the same collector script in a 32-thread pool; Ansible ran "
                "`ansible all -m raw` over its psrp connection, NTLM with message encryption, the same "
                "collector script, its comment lines dropped and one `'\\\\'` written `[char]92` so that "
                "Ansible's argument splitter accepts it):", "", head, *[row(r) for r in side], ""]
        if ex is not None and best is not None:
            ratio = ex["hosts_per_s"] / best["hosts_per_s"]
            out.append(f"Ratio of hosts per second, exready / best Ansible: **{ratio:.1f}x** "
                       f"({ex['hosts_per_s']:.1f} vs {best['hosts_per_s']:.1f}); client CPU per host "
                       f"{ex['client_cpu_ms_per_host']:.1f} ms vs {best['client_cpu_ms_per_host']:.1f} ms.")
            if plain is not None:
                out.append(f"Against plain pypsrp in the same run: {ex['hosts_per_s'] / plain['hosts_per_s']:.1f}x the "
                           f"hosts per second, {ex['client_cpu_ms_per_host']:.1f} vs "
                           f"{plain['client_cpu_ms_per_host']:.1f} ms of client CPU per host (exready's figure "
                           "includes evaluating every rule and writing the reports).")
            out.append("")
    out.append("Goals on this machine: 5,000 hosts in at most 90 s, at most 300 MB peak RSS, client CPU per "
               "host well under the 14-18 ms of a plain pypsrp client. The VM is shared and noisy: compare "
               "figures within one run.")
    return "\n".join(out).rstrip() + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hosts", type=int, default=5000)
    ap.add_argument("--workers", default="1,2",
                    help="worker settings to sweep with, comma-separated; the first is the headline")
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--timeout", type=float, default=600, help="limit for each measured command, seconds")
    ap.add_argument("--ansible-venv", type=Path, default=Path(tempfile.gettempdir()) / "exready-ansible-venv")
    ap.add_argument("--setup-ansible", action="store_true", help=f"create the venv ({ANSIBLE_CORE}, {PYPSRP})")
    ap.add_argument("--no-ansible", action="store_true")
    ap.add_argument("--no-write", action="store_true", help="print only; leave bench/RESULTS.md alone")
    a = ap.parse_args()
    if a.setup_ansible and not (a.ansible_venv / "bin" / "ansible").exists():
        setup_ansible(a.ansible_venv)
    use_ansible = not a.no_ansible and (a.ansible_venv / "bin" / "ansible").exists()
    if not use_ansible and not a.no_ansible:
        print(f"no Ansible in {a.ansible_venv} (use --setup-ansible): the side-by-side part is skipped")
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    work = Path(tempfile.mkdtemp(prefix="exready-bench-sweep-"))
    try:
        site = build_site(a.hosts, work)
        settings = [int(w) for w in a.workers.split(",") if w.strip()]
        bigs: list[dict[str, Any]] = []
        side: list[dict[str, Any]] = []
        version = ""
        for index, workers in enumerate(settings):
            # a fresh simulator for each sweep: faults that act from a host's n-th request count requests
            with SimulatorProcess(site, work / f"sim{index}", startup_timeout_s=300) as sim:
                print(f"simulator: {len(sim.hosts)} hosts, pid {sim.pid}", flush=True)
                big_out = work / f"big{index}"
                big_out.mkdir()
                big = run_exready(sim, write_inventory(sim, work / "inventory.csv"), big_out, workers=workers,
                                  concurrency=a.concurrency, timeout=a.timeout)
                bigs.append(big)
                print(json.dumps({k: v for k, v in big.items() if k != "faults"}, indent=1), flush=True)
                if index == 0 and use_ansible:
                    version = ansible_version(a.ansible_venv)
                    healthy = [h.name for h in sim.hosts if h.fault is None and h.http_port is not None][:200]
                    small_out = work / "small"
                    small_out.mkdir()
                    inv200 = write_inventory(sim, work / "inv200.csv", healthy)
                    side.append(run_exready(sim, inv200, small_out, workers=workers, concurrency=32,
                                            timeout=a.timeout))
                    side.append(run_baseline(sim, inv200, a.timeout))
                    script = ansible_script(build_collector_script())
                    for forks in (None, 32):
                        side.append(run_ansible(sim, healthy, a.ansible_venv, forks, script, a.timeout))
                    for r in side:
                        print(json.dumps(r), flush=True)
        body = render(bigs, side, version, started)
        print(body)
        if not a.no_write:
            write_section("sweep", body)
            print(f"wrote {RESULTS}")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
