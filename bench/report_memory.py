"""Benchmark of what the scanner does after a big sweep: evaluate, build the matrix, write the reports.

Offline and without network: a 5,000-host result is built the way a sweep with worker processes
builds it. The site is bench/sweep.py's (same generator, seed, fault mix and HTTPS hosts), the
inventory goes through the real inventory loader, and every answering host's facts come from the
simulator's own answer to the collector script (``scanner.simulator.scripts.answer``, faults such as
partial facts and script errors included) parsed by ``parse_collector_output``, as a scan does.
Hosts whose simulated fault stops a session get the outcome the sweep measured for that fault.
Worker processes (two, as ``--workers 2``) judge each host and pickle the answer exactly as the
shard workers do; the measured process then reads those answers as the sweep's parent does
(interning what is equal), so it holds what the scanner holds when its workers end.

Then, each measured on its own (time, and peak RSS reached during the phase):
  assemble        matrix.judge.assemble with the workers' judgements
  matrix csv      --csv
  json report     --json
  exit            the process ending with all of it still in memory
and, reported apart since the sweep benchmark does not ask for them:
  findings csv    --findings-csv
  html report     --html

    python bench/report_memory.py [--hosts 5000] [--keep DIR] [--profile PHASE] [--tracemalloc PHASE] [--no-write]

Prints the figures and writes them to bench/RESULTS.md between the report markers. Linux: the peak of
each phase is read from /proc (VmHWM, reset between phases through clear_refs); elsewhere only the
whole run's peak is known. ``--keep DIR`` keeps the written files (compare two versions' bytes);
``--profile PHASE`` prints a cProfile of one phase, ``--tracemalloc PHASE`` its largest allocations.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import hashlib
import io
import json
import os
import pickle
import platform
import pstats
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from results_md import RESULTS, write_section  # noqa: E402

EXCHANGE = "2013"
RUN_ID = "20261121T120000Z-bench0"

# How each simulated fault ends a session, as bench/sweep.py measured it (faults that let the
# collector answer, partial_facts, script_error and slow, go through the simulator's answer instead).
FAULT_OUTCOMES = {
    "refuse": ("unreachable", "connection refused by {address}:{port}"),
    "hang": ("timeout", "no answer within the 15 s deadline"),
    "stall": ("timeout", "no answer within the 15 s deadline"),
    "dribble": ("timeout", "read timed out after 10 s"),
    "always_401": ("auth_failed", "the credentials were rejected (HTTP 401, NTLM)"),
    "tls_name_mismatch": ("tls_error", "certificate verify failed: hostname mismatch, certificate is not "
                                       "valid for '{address}'"),
    "access_denied": ("remote_fault", "WS-Man fault 5: Access is denied."),
    "shell_quota": ("remote_fault", "WS-Man fault 2150859174: the maximum number of concurrent shells for "
                                    "this user has been exceeded"),
    "wsman_fault": ("remote_fault", "WS-Man fault 2150858843 (w:InvalidSelectors): The request contained "
                                    "invalid selectors for the resource."),
    "http_status": ("remote_fault", "HTTP 503 from http://{address}:{port}/wsman"),
    "close": ("remote_fault", "the connection was closed by {address}:{port}"),
    "drop": ("remote_fault", "connection reset by {address}:{port}"),
    "truncate": ("remote_fault", "the answer from {address}:{port} was cut short"),
    "garbage": ("remote_fault", "the answer from {address}:{port} is not WS-Management XML"),
    "psrp_broken": ("remote_fault", "the runspace pool of {address} broke: RunspacePoolState Broken"),
}


# -- building the sweep's answers (worker processes) ---------------------------------------------------


def _site_and_hosts(hosts: int, work: Path) -> tuple[Any, Any]:
    from sweep import FAULT_MIX, PASSWORD, TLS_FAULT_HOSTS  # the sweep benchmark's own site

    from scanner.inventory.file import load_inventory
    from scanner.simulator import build_site, generate_site_document

    doc = generate_site_document(hosts, seed=2026, name=f"bench-{hosts}", ad_sites=("Paris-HQ", "Lyon-DR"),
                                 faulty_percent=5.0, fault_kinds=FAULT_MIX, password=PASSWORD)
    first = doc["ad_sites"][0]
    step = max(1, first["count"] // TLS_FAULT_HOSTS)
    doc["hosts"] = [{"name": first["pattern"].format(n=n).upper(), "schemes": ["https"], "auth": ["basic"],
                     "fault": "tls_name_mismatch"} for n in range(step // 2 + 1, first["count"] + 1, step)]
    site = build_site(doc)
    os.chdir(work)  # hosts' sources name the file as given: the same text whatever the directory
    inventory = Path("inventory.csv")
    lines = ["name,fqdn,address,port,scheme,auth,site"]
    for h in site.hosts:
        if h.http_port is not None:
            lines.append(f"{h.name},{h.fqdn},{h.address},{h.http_port},http,negotiate,{h.ad_site}")
        else:
            lines.append(f"{h.name},{h.fqdn},{h.address},{h.https_port},https,basic,{h.ad_site}")
    inventory.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return site, load_inventory(inventory)


def _worker(hosts: int, work: str, part: int, parts: int) -> int:
    """One shard worker: answers for every ``parts``-th host, pickled as the shard worker sends them."""
    from scanner.checks.catalog import load_catalog
    from scanner.collect.shard import _dumps
    from scanner.errors import CollectorError, TransportError
    from scanner.evaluate.engine import EvaluationParams, evaluate_host
    from scanner.facts.parse import parse_collector_output
    from scanner.matrix.build import build_cells
    from scanner.model.evaluated import Evaluated
    from scanner.model.outcome import HostOutcome, OutcomeKind
    from scanner.probes.collector import build_collector_script
    from scanner.simulator.faults import DEFAULT_SCRIPT_ERROR
    from scanner.simulator.scripts import PipelineRequest, answer

    site, inventory = _site_and_hosts(hosts, Path(work))
    catalog = load_catalog()
    params = EvaluationParams(exchange_version=EXCHANGE)
    request = PipelineRequest(build_collector_script())
    count = 0
    with open(Path(work) / f"answers-{part}.bin", "wb") as out:
        for index, (sim, host) in enumerate(zip(site.hosts, inventory.hosts, strict=True)):
            if index % parts != part:
                continue
            duration = round(0.5 + (index * 7919 % 1000) / 1000, 6)
            fault = sim.fault.kind if sim.fault is not None else None
            if fault in FAULT_OUTCOMES:
                kind, why = FAULT_OUTCOMES[fault]
                reason = why.format(address=host.address, port=host.port)
                outcome = HostOutcome(host, OutcomeKind(kind), reason, duration_s=duration)
            else:
                said = answer(sim, request)
                if said.error is not None:
                    why = sim.fault.message if sim.fault is not None and sim.fault.message else DEFAULT_SCRIPT_ERROR
                    outcome = HostOutcome(host, OutcomeKind.PROBE_ERROR, f"the collector script failed: {why}",
                                          auth_mechanism="ntlm", duration_s=duration)
                else:
                    try:
                        facts = parse_collector_output(host.name, list(said.output))
                        outcome = HostOutcome(host, OutcomeKind.OK, "", facts=facts, auth_mechanism="ntlm",
                                              duration_s=duration)
                    except (CollectorError, TransportError) as exc:  # TransportError: an answer past its cap
                        outcome = HostOutcome(host, OutcomeKind.PROBE_ERROR, str(exc), duration_s=duration)
            verdicts = tuple(evaluate_host(outcome, catalog, params))
            cells = tuple(build_cells(outcome, verdicts, catalog, EXCHANGE))
            data = _dumps(("done", index + 1, outcome, Evaluated(outcome, verdicts, cells)))
            out.write(len(data).to_bytes(8, "little"))
            out.write(data)
            count += 1
    return count


def build_answers(hosts: int, work: Path, workers: int = 2) -> None:
    with ProcessPoolExecutor(workers) as pool:
        done = sum(pool.map(_worker, [hosts] * workers, [str(work)] * workers, range(workers), [workers] * workers))
    if done != hosts:
        raise SystemExit(f"expected {hosts} answers, got {done}")


def _frames(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as stream:
        while head := stream.read(8):
            yield stream.read(int.from_bytes(head, "little"))


# -- the measured process ------------------------------------------------------------------------------


def _hwm_kb() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _rss_kb() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _reset_peak() -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS (Linux >= 4.0)
    except OSError:
        pass


class Phases:
    def __init__(self, profile: str | None, trace: str | None) -> None:
        self.rows: list[dict[str, Any]] = []
        self.profile = profile
        self.trace = trace

    def run(self, name: str, fn: Callable[[], Any]) -> Any:
        gc.collect()
        _reset_peak()
        before = _rss_kb()
        prof = cProfile.Profile() if self.profile == name else None
        if self.trace == name:
            tracemalloc.start(25)
        started = time.perf_counter()
        cpu = time.process_time()
        if prof is not None:
            prof.enable()
        value = fn()
        if prof is not None:
            prof.disable()
        row = {"phase": name, "s": time.perf_counter() - started, "cpu_s": time.process_time() - cpu,
               "rss_before_mb": before / 1024, "peak_mb": _hwm_kb() / 1024, "rss_after_mb": _rss_kb() / 1024}
        if self.trace == name:
            snap = tracemalloc.take_snapshot()
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            row["tracemalloc_peak_mb"] = peak / 2**20
            print(f"--- tracemalloc, {name}: peak {peak / 2**20:.1f} MB; live at the end, by line:", file=sys.stderr)
            for stat in snap.statistics("lineno")[:25]:
                print(f"  {stat}", file=sys.stderr)
        if prof is not None:
            text = io.StringIO()
            pstats.Stats(prof, stream=text).sort_stats("cumulative").print_stats(35)
            print(f"--- cProfile, {name}:\n{text.getvalue()}", file=sys.stderr)
        self.rows.append(row)
        print(json.dumps({"phase": row}), flush=True)
        return value


def measured(hosts: int, work: Path, out: Path, profile: str | None, trace: str | None) -> None:
    """Run in its own process: what the scanner's process does once its workers have answered."""
    from scanner.checks.catalog import load_catalog
    from scanner.evaluate.engine import EvaluationParams
    from scanner.inventory.file import load_inventory
    from scanner.matrix.judge import assemble
    from scanner.model.evaluated import Evaluated
    from scanner.model.intern import Interner
    from scanner.model.run import RunInfo
    from scanner.report.findings_csv import write_findings_csv
    from scanner.report.html import write_html
    from scanner.report.json_report import write_json_report
    from scanner.report.matrix_csv import write_matrix_csv

    phases = Phases(profile, trace)
    catalog = load_catalog()
    params = EvaluationParams(exchange_version=EXCHANGE)
    os.chdir(work)
    inventory = load_inventory(Path("inventory.csv"))
    print(json.dumps({"start_mb": _rss_kb() / 1024}), flush=True)

    def sweep() -> tuple[Any, dict[str, Any], Any]:
        # What ShardPool._read and _finish do with each answer, then scan()'s outcome list.
        interner = Interner()
        evaluated: dict[str, Any] = {}
        fresh: dict[str, Any] = {}
        for path in sorted(work.glob("answers-*.bin")):
            for frame in _frames(path):
                _, _, outcome, done = pickle.loads(frame)  # noqa: S301 - written by this benchmark
                interner.outcome(outcome)
                interner.verdicts(done.verdicts)
                interner.cells(done.cells)
                evaluated[outcome.host.name] = Evaluated(outcome, done.verdicts, done.cells)
                fresh[outcome.host.name] = outcome
        outcomes = [fresh[h.name] for h in inventory.hosts]
        return outcomes, evaluated, interner

    outcomes, evaluated, interner = phases.run("sweep state", sweep)
    info = RunInfo(run_id=RUN_ID, started_at="2026-11-21T12:00:00+00:00", finished_at="2026-11-21T12:01:50+00:00",
                   exchange_version=EXCHANGE, inventory_source=inventory.source, tool_version="bench")
    result = phases.run("assemble", partial(assemble, info, outcomes, catalog, params, evaluated, interner))
    del outcomes, evaluated
    phases.run("matrix csv", lambda: write_matrix_csv(result, out / "matrix.csv"))
    phases.run("json report", lambda: write_json_report(result, out / "scan.json"))
    rules = {m.id: m for m in catalog.all_meta()}
    phases.run("findings csv", lambda: write_findings_csv(result, out / "findings.csv", rules))
    phases.run("html report", lambda: write_html(result, out / "report.html", rules))
    print(json.dumps({"ending": time.time(), "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}),
          flush=True)
    # The process now ends with the result still referenced, as the CLI does.


# -- driver --------------------------------------------------------------------------------------------


def machine() -> str:
    import psutil

    return (f"{platform.system()} {platform.release()}, {psutil.cpu_count()} CPUs, "
            f"{psutil.virtual_memory().total / 2**30:.0f} GiB; Python {platform.python_version()}")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def render(report: dict[str, Any], started: str) -> str:
    rows = {r["phase"]: r for r in report["phases"]}
    main_phases = ("sweep state", "assemble", "matrix csv", "json report")
    post = sum(rows[p]["s"] for p in main_phases[1:]) + report["exit_s"]
    post_peak = max(rows[p]["peak_mb"] for p in main_phases[1:])
    out = [
        "## After the sweep: evaluation and reports (bench/report_memory.py)", "",
        f"Measured {started}. Machine: {report['machine']}.", "",
        f"Offline: {report['hosts']} hosts of bench/sweep.py's site (same seed, fault mix and HTTPS hosts), "
        "each answering host's facts from the simulator's answer to the collector script, parsed as a scan "
        "parses them; two worker processes judge the hosts and pickle their answers as the shard workers "
        "do, and the measured process reads them as the sweep's parent does. Hosts by outcome: "
        + ", ".join(f"{k} {v}" for k, v in sorted(report["outcomes"].items())) + ". "
        "Each phase is timed on its own; its peak is the process's peak RSS during that phase (VmHWM, "
        "reset before it).", "",
        "| phase | wall s | CPU s | RSS before MB | peak MB | RSS after MB |", "|---|---|---|---|---|---|",
    ]
    for r in report["phases"]:
        out.append(f"| {r['phase']} | {r['s']:.2f} | {r['cpu_s']:.2f} | {r['rss_before_mb']:.0f} | "
                   f"{r['peak_mb']:.0f} | {r['rss_after_mb']:.0f} |")
    out.append(f"| exit (with the result in memory) | {report['exit_s']:.2f} | | | | |")
    out += [
        "",
        f"What the sweep's scanner process does after its workers end (assemble, `--csv`, `--json`, exit): "
        f"**{post:.2f} s**, peak **{post_peak:.0f} MB** in this process; the findings CSV and the HTML "
        "report are extra, when asked for. Python's start, imports and the catalog: "
        f"{report['start_mb']:.0f} MB before the sweep state.", "",
        "Files (sha256, first 16 hex digits): " + ", ".join(f"{k} {v} ({report['sizes'][k] / 2**20:.1f} MB)"
                                                             for k, v in report["digests"].items()) + ".", "",
    ]
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hosts", type=int, default=5000)
    ap.add_argument("--keep", type=Path, help="keep the written files in this directory")
    ap.add_argument("--profile", metavar="PHASE", help="cProfile one phase (e.g. 'json report')")
    ap.add_argument("--tracemalloc", metavar="PHASE", help="trace one phase's allocations")
    ap.add_argument("--no-write", action="store_true", help="print only; leave bench/RESULTS.md alone")
    ap.add_argument("--measured", nargs=2, metavar=("WORK", "OUT"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.measured:
        measured(a.hosts, Path(a.measured[0]), Path(a.measured[1]), a.profile, a.tracemalloc)
        return 0
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    work = Path(tempfile.mkdtemp(prefix="exready-bench-report-"))
    try:
        t0 = time.perf_counter()
        build_answers(a.hosts, work)
        print(f"answers for {a.hosts} hosts built in {time.perf_counter() - t0:.1f} s", flush=True)
        out = (a.keep or work / "out").resolve()
        out.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, str(Path(__file__).resolve()), "--hosts", str(a.hosts),
               "--measured", str(work), str(out)]
        if a.profile:
            cmd += ["--profile", a.profile]
        if a.tracemalloc:
            cmd += ["--tracemalloc", a.tracemalloc]
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        report: dict[str, Any] = {"hosts": a.hosts, "phases": [], "machine": machine()}
        ending = 0.0
        for line in proc.stdout:
            print(line, end="", flush=True)
            data = json.loads(line)
            if "phase" in data:
                report["phases"].append(data["phase"])
            if "start_mb" in data:
                report["start_mb"] = data["start_mb"]
            if "ending" in data:
                ending = data["ending"]
                report["peak_mb"] = data["peak_mb"]
        code = proc.wait(timeout=600)
        report["exit_s"] = time.time() - ending
        if code != 0:
            raise SystemExit(f"the measured process failed (exit {code})")
        files = ("matrix.csv", "scan.json", "findings.csv", "report.html")
        report["digests"] = {f: digest(out / f) for f in files}
        report["sizes"] = {f: (out / f).stat().st_size for f in files}
        with open(out / "scan.json", encoding="utf-8") as stream:
            hosts = json.load(stream)["hosts"]
        counts: dict[str, int] = {}
        for h in hosts:
            counts[h["outcome"]["kind"]] = counts.get(h["outcome"]["kind"], 0) + 1
        report["outcomes"] = counts
        body = render(report, started)
        print(body)
        if not a.no_write:
            write_section("report", body)
            print(f"wrote {RESULTS}")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
