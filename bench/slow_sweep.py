"""Benchmark of a sweep of slow hosts: servers that take seconds to run the collector, as real ones do.

bench/sweep.py measures hosts that answer in milliseconds, so it measures the client's CPU. Here every
simulated host takes a time drawn from a log-normal distribution (median 2 s, sigma 0.8, capped at
30 s: one host in twenty takes over 7 s) to run the collector, so the wall time is set by how many
sessions are in flight. Side by side on the same hosts, each row against a fresh simulator:

- exready (``exready scan``) at several concurrencies, each row with its own extra scanner options if
  asked (``--exready '256 --transport pypsrp'``), so that two clients can be compared in one run;
- plain pypsrp (bench/pypsrp_baseline.py, a thread per host in flight) at 256 threads;
- NetExec's ``winrm`` module at its default 256 threads (bench/netexec.py says how it is installed,
  outside the project, and what it does per host);
- Ansible (``ansible all -m raw`` over psrp) at several forks, on the first ``--ansible-hosts`` hosts.

Reported: wall time, hosts per second, client CPU per host (user + system of the client's whole process
tree), peak memory of that tree, simulator CPU per host, and the outcomes. A tool that could not run
has its row all the same, saying why.

    python bench/slow_sweep.py [--rows exready,pypsrp,netexec,ansible] [--hosts 5000]
        [--concurrency 32,256,2000 | --exready 'N [scan options]' ...] [--scan-args '...']
        [--baseline-threads 256] [--netexec DIR | --setup-netexec SOURCE --netexec DIR] [--netexec-threads 256]
        [--ansible-venv DIR | --setup-ansible] [--ansible-forks 5,32,128] [--ansible-hosts 500]
        [--median 2 --sigma 0.8 --max 30] [--network 127.64.0.0/10] [--section slow-sweep] [--no-write]

Every host has its own loopback address on port 5985 (NetExec takes one port for all its targets), in
``--network``. Prints the figures and writes them to bench/RESULTS.md between the ``--section``
markers. Linux only (it reads process trees through psutil). Every step has a time limit.
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

import netexec  # noqa: E402
from harness import (  # noqa: E402
    HOSTS_PER_SIMULATOR,
    Fleet,
    Measurement,
    load_average,
    machine,
    measure,
    shard_site_names,
    utc_now,
    write_inventory,
)
from results_md import write_section  # noqa: E402
from sweep import ansible_script, ansible_version, run_ansible, setup_ansible  # noqa: E402

from scanner.errors import SimulatorError  # noqa: E402
from scanner.probes.collector import build_collector_script  # noqa: E402
from scanner.simulator import generate_site_document  # noqa: E402

PASSWORD = "Bench-Slow-Pass-6!"  # noqa: S105 - the simulated lab's account
# Timeouts for hosts that take up to 30 s: the deadline covers the slowest host with room to spare.
SCAN_ARGS = ("--deadline", "90", "--connect-timeout", "10", "--read-timeout", "30", "--operation-timeout", "10")
ROWS = ("exready", "pypsrp", "netexec", "ansible")


def site_document(hosts: int, answer_time: dict[str, Any], network: str) -> dict[str, Any]:
    ad_sites = ("Paris-HQ", "Lyon-DR") if hosts <= HOSTS_PER_SIMULATOR else shard_site_names(hosts)
    return generate_site_document(hosts, seed=2027, name=f"slow-{hosts}", ad_sites=ad_sites, faulty_percent=0.0,
                                  password=PASSWORD, answer_time=answer_time, base_network=network)


def figures(tool: str, setting: str, n: int, m: Measurement, successes: int,
            outcomes: dict[str, int]) -> dict[str, Any]:
    return {
        "tool": tool, "setting": setting, "hosts": n, "exit_code": m.exit_code, "wall_s": m.wall_s,
        "hosts_per_s": n / m.wall_s, "client_cpu_ms_per_host": 1000 * m.client_cpu_s / n,
        "server_cpu_ms_per_host": 1000 * m.server_cpu_s / n, "other_cpu_s": m.other_cpu_s,
        "peak_rss_mb": m.watch.peak_rss / 2**20, "peak_processes": m.watch.peak_procs,
        "peak_threads": m.watch.peak_threads, "successes": successes, "outcomes": outcomes,
        "load": f"{m.load_before} -> {m.load_after}", "stderr": m.stderr_tail(),
    }


def label(tool: str, setting: Any) -> str:
    """A row's setting as its table shows it."""
    if tool == "exready":
        concurrency, extra = setting
        return f"concurrency {concurrency}" + (f", {' '.join(extra)}" if extra else "")
    return {"pypsrp": f"plain, {setting} threads", "netexec": f"winrm -X, {setting} threads"}.get(
        tool, f"-m raw, forks={setting}")


def skipped(tool: str, setting: str, why: str) -> dict[str, Any]:
    return {"tool": tool, "setting": setting, "skipped": why}


def run_exready(fleet: Fleet, out: Path, concurrency: int, extra: tuple[str, ...], timeout: float) -> dict[str, Any]:
    inventory = write_inventory(fleet.hosts, out.parent / f"{out.name}-inventory.csv")
    cmd = [sys.executable, "-m", "scanner", "scan", "--inventory", str(inventory), "--user",
           fleet.credentials.username, "--concurrency", str(concurrency), *SCAN_ARGS, *extra, "--no-progress",
           "--quiet", "--json", str(out / "scan.json")]
    env = {**os.environ, "EXREADY_PASSWORD": fleet.credentials.password, "PYTHONPATH": str(ROOT)}
    m = measure(cmd, env=env, out=out, timeout=timeout, server_pids=fleet.pids, cwd=ROOT)
    outcomes: dict[str, int] = {}
    if m.exit_code >= 0 and (out / "scan.json").exists():
        hosts = json.loads((out / "scan.json").read_text(encoding="utf-8"))["hosts"]
        outcomes = dict(Counter(h["outcome"]["kind"] for h in hosts))
    else:
        outcomes = {f"exit {m.exit_code}": len(fleet.hosts)}
    n = len(fleet.hosts)
    return figures("exready", label("exready", (concurrency, extra)), n, m, outcomes.get("ok", 0), outcomes)


def run_pypsrp(fleet: Fleet, out: Path, threads: int, timeout: float) -> dict[str, Any]:
    inventory = write_inventory(fleet.hosts, out.parent / f"{out.name}-inventory.csv")
    cmd = [sys.executable, str(ROOT / "bench" / "pypsrp_baseline.py"), str(inventory), fleet.credentials.username,
           "--threads", str(threads)]
    env = {**os.environ, "EXREADY_PASSWORD": fleet.credentials.password, "PYTHONPATH": str(ROOT)}
    m = measure(cmd, env=env, out=out, timeout=timeout, server_pids=fleet.pids, cwd=ROOT)
    lines = m.stdout.read_text(encoding="utf-8").strip().splitlines()
    ok = int(json.loads(lines[-1])["successes"]) if lines else 0
    n = len(fleet.hosts)
    return figures("pypsrp", label("pypsrp", threads), n, m, ok, {"ok": ok, "failed": n - ok})


def run_netexec(fleet: Fleet, out: Path, nxc: Path, threads: int, script: str, timeout: float) -> dict[str, Any]:
    setting = label("netexec", threads)
    try:
        m, got = netexec.run(nxc, fleet.hosts, fleet.credentials, fleet.pids, threads, script, out, timeout)
    except ValueError as exc:
        return skipped("netexec", setting, str(exc))
    return figures("netexec", setting, len(fleet.hosts), m, got["successes"], got["outcomes"])


def render(rows: list[dict[str, Any]], hosts: int, answer_time: dict[str, Any], started: str, load: str,
           versions: list[str], section: str = "slow-sweep") -> str:
    lines = [
        "## Slow hosts: answer times of seconds (bench/slow_sweep.py"
        + ("" if section == "slow-sweep" else f" --section {section}") + ")",
        "",
        f"Run {started} on {machine()} Load average (1 / 5 / 15 min) at the start: {load}. {hosts} simulated "
        f"hosts, each taking a log-normal time to run the collector (median {answer_time['median_s']:g} s, sigma "
        f"{answer_time['sigma']:g}, capped at {answer_time['max_s']:g} s), no faults; NTLM with message "
        "encryption over HTTP, each host on its own loopback address, port 5985. The simulator runs in its own "
        "process(es) on the same machine; each row against a fresh simulator. Client CPU is user + system time "
        "of the client's whole process tree; peak RSS the largest sum of RSS over that tree (sampled).",
        "",
        "| Tool | Setting | Hosts | Wall time | Hosts/s | Client CPU/host | Peak RSS (client tree) | "
        "Simulator CPU/host | Outcomes |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if "skipped" in r:
            lines.append(f"| {r['tool']} | {r['setting']} | - | - | - | - | - | - | did not run: {r['skipped']} |")
            continue
        outcomes = ", ".join(f"{v} {k}" for k, v in sorted(r["outcomes"].items(), key=lambda kv: -kv[1]))
        lines.append(f"| {r['tool']} | {r['setting']} | {r['hosts']} | {r['wall_s']:.1f} s | {r['hosts_per_s']:.1f} | "
                     f"{r['client_cpu_ms_per_host']:.1f} ms | {r['peak_rss_mb']:.0f} MB | "
                     f"{r['server_cpu_ms_per_host']:.1f} ms | {outcomes} |")
    lines.append("")
    for r in rows:
        if "skipped" not in r:
            lines.append(f"- {r['tool']}, {r['setting']}: load average {r['load']}; other processes used "
                         f"{r['other_cpu_s']:.0f} CPU-seconds meanwhile; peak {r['peak_processes']} processes, "
                         f"{r['peak_threads']} threads; exit code {r['exit_code']}.")
    ran = [r for r in rows if "skipped" not in r]
    best = {tool: max((r for r in ran if r["tool"] == tool), key=lambda r: r["hosts_per_s"], default=None)
            for tool in ROWS}
    ours = best["exready"]
    if ours is not None:
        lines.append("")
        for tool in ROWS[1:]:
            peer = best[tool]
            if peer is not None:
                ratio = ours["hosts_per_s"] / peer["hosts_per_s"]
                lines.append(f"- exready at its best ({ours['setting']}) against {tool} at its best "
                             f"({peer['setting']}, {peer['hosts']} hosts): **{ratio:.1f}x** the hosts per second "
                             f"({ours['hosts_per_s']:.1f} vs {peer['hosts_per_s']:.1f}), client CPU per host "
                             f"{ours['client_cpu_ms_per_host']:.1f} vs {peer['client_cpu_ms_per_host']:.1f} ms.")
        lines.append(f"- Goals (issue 17): {hosts} hosts in at most 60 s and at most 400 MB peak RSS; exready's best "
                     f"row here: {ours['wall_s']:.1f} s, {ours['peak_rss_mb']:.0f} MB.")
    partial = sorted({r["hosts"] for r in ran if r["hosts"] != hosts})
    if partial:
        lines += ["", f"Rows on fewer hosts ({', '.join(map(str, partial))}) ran on the first hosts of the same site "
                  "(`--ansible-hosts`): Ansible spends about 160-240 ms of client CPU per host, so all of them at "
                  "every forks setting would take over an hour; once its forks are busy, its hosts per second change "
                  "little with the count."]
    if versions:
        lines += ["", "Peers: " + "; ".join(versions) + "."]
    lines += ["", "exready: `exready scan --concurrency N " + " ".join(SCAN_ARGS) + " --no-progress --quiet "
              "--json ...`. NetExec: `nxc winrm TARGETS --port 5985 --check-proto http -u USER -p PASSWORD_FILE "
              "--kdcHost 127.0.0.1 --no-progress -t N -X \"$(cat collector.ps1)\"`; a host counts as done when "
              "its collector answer is printed. Ansible: `ansible all -m raw -a \"$(cat collector.ps1)\" -f N` "
              "over psrp (NTLM, message encryption), the script as bench/sweep.py gives it."]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", default=",".join(ROWS), help="which tools to run, comma-separated: " + ", ".join(ROWS))
    ap.add_argument("--hosts", type=int, default=5000)
    ap.add_argument("--concurrency", default="32,256,2000", help="exready rows, one per concurrency")
    ap.add_argument("--exready", action="append", default=[], metavar="'N [OPTIONS]'",
                    help="an exready row: its concurrency, then any more `exready scan` options "
                         "(repeatable; replaces --concurrency), e.g. --exready '256 --transport pypsrp'")
    ap.add_argument("--scan-args", default="", help="more `exready scan` options for every exready row")
    ap.add_argument("--baseline-threads", type=int, default=256)
    ap.add_argument("--netexec", type=Path, help="NetExec set up by bench/netexec.py (its DEST), a venv, or nxc")
    ap.add_argument("--setup-netexec", type=Path, metavar="SOURCE",
                    help="install NetExec from this checkout or git directory into --netexec first")
    ap.add_argument("--netexec-threads", type=int, default=256)
    ap.add_argument("--ansible-venv", type=Path, default=Path(tempfile.gettempdir()) / "exready-ansible-venv")
    ap.add_argument("--setup-ansible", action="store_true")
    ap.add_argument("--ansible-forks", default="5,32,128")
    ap.add_argument("--ansible-hosts", type=int, default=500,
                    help="Ansible runs on the first N hosts (about 160 ms of CPU per host: 5,000 would take long)")
    ap.add_argument("--median", type=float, default=2.0, help="median answer time, seconds")
    ap.add_argument("--sigma", type=float, default=0.8)
    ap.add_argument("--max", type=float, default=30.0, help="longest answer time, seconds")
    ap.add_argument("--network", default="127.64.0.0/10", help="loopback network for the hosts' addresses")
    ap.add_argument("--timeout", type=float, default=3600, help="limit for each measured command, seconds")
    ap.add_argument("--section", default="slow-sweep", help="the bench/RESULTS.md section to write")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    rows_wanted = [r.strip() for r in args.rows.split(",") if r.strip()]
    if not rows_wanted or set(rows_wanted) - set(ROWS):
        ap.error(f"--rows takes {', '.join(ROWS)}")
    answer_time = {"distribution": "lognormal", "median_s": args.median, "sigma": args.sigma, "max_s": args.max}
    common = tuple(shlex.split(args.scan_args))
    specs = [shlex.split(s) for s in args.exready] or [[c] for c in args.concurrency.split(",") if c.strip()]
    if args.setup_netexec is not None:
        if args.netexec is None:
            ap.error("--setup-netexec needs --netexec DIR to install into")
        netexec.setup(args.setup_netexec, args.netexec)
    if args.setup_ansible and not (args.ansible_venv / "bin" / "ansible").exists():
        setup_ansible(args.ansible_venv)
    nxc = netexec.find_nxc(args.netexec)
    started, load = utc_now(), load_average()
    script = build_collector_script()
    versions: list[str] = []
    runs: list[tuple[str, Any]] = []
    for tool in rows_wanted:
        if tool == "exready":
            runs += [("exready", (int(spec[0]), (*common, *spec[1:]))) for spec in specs]
        elif tool == "pypsrp":
            runs.append(("pypsrp", args.baseline_threads))
        elif tool == "netexec":
            runs.append(("netexec", args.netexec_threads))
        else:
            runs += [("ansible", int(f)) for f in args.ansible_forks.split(",") if f.strip()]
    rows: list[dict[str, Any]] = []
    doc = site_document(args.hosts, answer_time, args.network)
    shards = max(1, -(-args.hosts // HOSTS_PER_SIMULATOR))
    with tempfile.TemporaryDirectory(prefix="exready-slow-") as tmp:
        work = Path(tmp)
        for i, (tool, setting) in enumerate(runs):
            out = work / f"run{i}"
            if tool == "netexec" and nxc is None:
                rows.append(skipped("netexec", label(tool, setting), netexec.HOW_TO_INSTALL))
                continue
            if tool == "ansible" and not (args.ansible_venv / "bin" / "ansible").exists():
                rows.append(skipped("ansible", label(tool, setting),
                                    f"not installed: no {args.ansible_venv}/bin/ansible (use --setup-ansible)"))
                continue
            try:
                with Fleet(doc, work, shards=shards, address_mode="address", tag=f"sim{i}") as fleet:
                    print(f"{tool} {setting}: {len(fleet.hosts)} hosts in {len(fleet.pids)} simulator(s), started in "
                          f"{fleet.startup_s:.0f} s", flush=True)
                    if tool == "exready":
                        concurrency, extra = setting
                        row = run_exready(fleet, out, concurrency, extra, args.timeout)
                    elif tool == "pypsrp":
                        row = run_pypsrp(fleet, out, setting, args.timeout)
                    elif tool == "netexec":
                        assert nxc is not None
                        if not any(v.startswith("NetExec") for v in versions):
                            versions.append(netexec.version(nxc))
                        row = run_netexec(fleet, out, nxc, setting, script, args.timeout)
                    else:
                        if not any(v.startswith("ansible") for v in versions):
                            versions.append(ansible_version(args.ansible_venv))
                        subset = fleet.hosts[: args.ansible_hosts]
                        row = run_ansible(subset, fleet.credentials, fleet.pids, args.ansible_venv, setting,
                                          ansible_script(script), args.timeout)
                        row["setting"] = label(tool, setting)
            except SimulatorError as exc:  # e.g. the addresses are taken by another simulator
                row = skipped(tool, label(tool, setting), f"the simulator did not start: {exc}")
            rows.append(row)
            print(json.dumps({k: (round(v, 2) if isinstance(v, float) else v) for k, v in row.items()}), flush=True)
            time.sleep(1)  # the simulator's sockets closed before the next one binds the same addresses
    body = render(rows, args.hosts, answer_time, started, load, versions, args.section)
    print(body)
    if not args.no_write:
        write_section(args.section, body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
