"""Benchmark of the reports' weight at fleet scale: JSON bytes per host, and how soon the HTML report
is usable in a browser, for this checkout and for another one (the code before a change), same run.

For each checkout, its own bench/report_memory.py builds the 5,000-host result set (bench/sweep.py's
site: same generator, seed, fault mix; each answering host's facts from the simulator's answer to
the collector script, judged by two worker processes) and writes scan.json and report.html with that
checkout's code. Then, here:

  JSON            bytes of scan.json, per host
  HTML            bytes of report.html
  load + layout   headless Chromium opens the page (file://); a script added at the page's end (the
                  only change to the file) records, in its load handler, the time since navigation
                  start after forcing a full layout: the page is parsed, laid out, and its own script
                  (the filter) has run. Median of the runs.
  process         wall time of the whole headless Chromium process (start, load, DOM dump, exit),
                  minus the same for an empty page. Median of the runs.

    python bench/report_size.py --before /tmp/before [--hosts 5000] [--runs 3] [--no-write]

``--before DIR``: a checkout of the code to compare with (``git worktree add /tmp/before main``).
Writes its section of bench/RESULTS.md between its markers.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from results_md import write_section  # noqa: E402

PROBE = ('<script>addEventListener("load", function () { document.body.getBoundingClientRect(); '
         'document.documentElement.setAttribute("data-ttu", String(performance.now())); });</script>')
TTU = re.compile(r'data-ttu="([0-9.]+)"')


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        raise SystemExit("chromium is not installed (apt-get install chromium)")
    return found


def build(code: Path, hosts: int, out: Path) -> None:
    """The checkout's own benchmark writes its reports for the same 5,000-host result set."""
    out.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, str(code / "bench" / "report_memory.py"), "--hosts", str(hosts), "--keep", str(out),
           "--no-write"]
    env = {**os.environ, "PYTHONPATH": str(code)}
    for _ in range(2):  # its two workers write the same inventory file at start: once in a while, a torn read
        proc = subprocess.run(cmd, cwd=code, env=env, capture_output=True, text=True, timeout=3600, check=False)
        if proc.returncode == 0:
            return
    if proc.returncode != 0:
        raise SystemExit(f"{code}: report_memory.py failed:\n{proc.stderr[-3000:]}")


def open_page(browser: str, page: Path, profile: Path) -> tuple[float, float | None]:
    """Wall seconds of the browser process, and the page's load + layout time in ms (None: not seen)."""
    started = time.perf_counter()
    proc = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
         "--window-size=1400,1000", "--dump-dom", page.as_uri()],
        capture_output=True, timeout=900, check=False)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"chromium failed on {page}: {proc.stderr[-2000:]!r}")
    found = TTU.search(proc.stdout[:4096].decode("utf-8", "replace"))
    return wall, float(found.group(1)) if found else None


def measure(browser: str, report: Path, work: Path, runs: int, blank_s: float) -> dict[str, Any]:
    probe = work / f"probe-{report.parent.name}.html"
    text = report.read_text(encoding="utf-8")
    cut = text.rindex("</body>")
    probe.write_text(text[:cut] + PROBE + text[cut:], encoding="utf-8")
    walls, loads = [], []
    for i in range(runs):
        wall, load = open_page(browser, probe, work / f"profile-{report.parent.name}-{i}")
        walls.append(wall)
        if load is not None:
            loads.append(load)
    probe.unlink()
    return {"process_s": statistics.median(walls) - blank_s, "load_ms": statistics.median(loads) if loads else None,
            "runs": runs, "load_runs_s": [round(x / 1000, 2) for x in loads], "loadavg": _loadavg()}


def _loadavg() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def sizes(out: Path, hosts: int) -> dict[str, Any]:
    scan = out / "scan.json"
    with open(scan, encoding="utf-8") as stream:
        schema = json.load(stream).get("exready_report")
    return {"json_bytes": scan.stat().st_size, "json_per_host": scan.stat().st_size / hosts, "schema": schema,
            "html_bytes": (out / "report.html").stat().st_size}


def commit(code: Path) -> str:
    proc = subprocess.run(["git", "-C", str(code), "log", "-1", "--format=%h %s"], capture_output=True, text=True,
                          check=False)
    return proc.stdout.strip()[:72] or str(code)


def render(rows: dict[str, dict[str, Any]], hosts: int, started: str, machine: str, browser: str) -> str:
    def load(r: dict[str, Any]) -> str:
        return f"{r['load_ms'] / 1000:.2f}" if r["load_ms"] is not None else "n/a"

    out = [
        "## Report weight at 5,000 hosts: JSON per host, HTML time to usable (bench/report_size.py)", "",
        f"Measured {started}. Machine: {machine}. Browser: {browser}.", "",
        f"{hosts} hosts of bench/sweep.py's site (bench/report_memory.py's result set, built by each checkout's "
        "own code); before and after measured in the same run. *Load + layout*: headless Chromium, from "
        "navigation start to the end of the page's load event with a full layout forced (parsed, laid out, "
        "its filter script run). *Process*: the whole headless Chromium run (start, load, serialising the "
        "whole DOM for --dump-dom, exit) minus the same for an empty page. "
        f"Medians of {next(iter(rows.values()))['runs']} runs; each run's load + layout and the load average "
        "(1, 5, 15 min) after them are listed under the table: the machine is shared, times move with it.", "",
        "| code | JSON format | scan.json | JSON bytes per host | report.html | load + layout s | process s |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in rows.items():
        out.append(f"| {name}: {r['commit']} | {r['schema']} | {r['json_bytes'] / 2**20:.1f} MB | "
                   f"{r['json_per_host']:,.0f} | {r['html_bytes'] / 2**20:.1f} MB | {load(r)} | {r['process_s']:.2f} |")
    out.append("")
    for name, r in rows.items():
        out.append(f"- {name}: load + layout {', '.join(f'{x:.2f}' for x in r['load_runs_s'])} s; "
                   f"load average {r['loadavg']}")
    return "\n".join(out) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before", type=Path, required=True, help="a checkout of the code to compare with")
    ap.add_argument("--hosts", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--keep", type=Path, help="keep the reports in this directory")
    ap.add_argument("--no-write", action="store_true", help="print only; leave bench/RESULTS.md alone")
    a = ap.parse_args()
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    browser = chromium()
    work = Path(tempfile.mkdtemp(prefix="exready-bench-size-"))
    base = a.keep.resolve() if a.keep else work
    try:
        version = subprocess.run([browser, "--version"], capture_output=True, text=True, check=False).stdout.strip()
        blank = work / "blank.html"
        blank.write_text("<!DOCTYPE html><title>blank</title>", encoding="utf-8")
        blank_s = statistics.median(open_page(browser, blank, work / f"profile-blank-{i}")[0] for i in range(a.runs))
        rows: dict[str, dict[str, Any]] = {}
        for name, code in (("before", a.before.resolve()), ("after", ROOT)):
            out = base / name
            t0 = time.perf_counter()
            build(code, a.hosts, out)
            print(f"{name}: reports for {a.hosts} hosts written in {time.perf_counter() - t0:.0f} s", flush=True)
            row = {"commit": commit(code), **sizes(out, a.hosts)}
            row.update(measure(browser, out / "report.html", work, a.runs, blank_s))
            print(json.dumps({name: row}), flush=True)
            rows[name] = row
        import platform

        import psutil

        machine = (f"{platform.system()} {platform.release()}, {psutil.cpu_count()} CPUs, "
                   f"{psutil.virtual_memory().total / 2**30:.0f} GiB; Python {platform.python_version()}")
        body = render(rows, a.hosts, started, machine, version)
        print(body)
        if not a.no_write:
            write_section("report_size", body)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
