"""Benchmark of judging hosts with and without the evaluation memo (scanner.evaluate.memo).

Offline and without network: the hosts are bench/sweep.py's site (same generator, seed, fault mix and
HTTPS hosts, as bench/report_memory.py builds it), each answering host's facts the simulator's own
answer to the collector script parsed as a scan parses it, hosts whose fault stops a session with the
outcome the sweep measured for it. Facts are interned first, as a session does before judging.

Then, in interleaved rounds (memo off, memo on, ...), each host is judged as ``matrix.judge.judge``
does it (the engine's verdicts, then the host's cells, each with the process's memo for these
parameters or without), then the sweep's Interner takes the verdicts and cells. Per host: CPU ms of
evaluation, cells and interning, each timed on its own (process CPU time, user+sys), the medians of
the rounds. A round with the memo starts with a fresh one (new parameters object), so its
first hosts fill it. A last pass per mode under tracemalloc gives the memory the kept verdicts and
cells hold (allocated and still live after all hosts, interned) and its peak. The verdicts and cells
of both modes are compared, host by host.

    python bench/judge_once.py [--hosts 1000] [--rounds 3] [--no-write]

Two targets: Exchange 2013 without AD, and Exchange 2016 with the demo directory's AD and installer
account facts (scanner/samples/sites/demo-directory.json), which wakes the organisation rules.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from results_md import write_section  # noqa: E402


def build_outcomes(hosts: int, work: Path) -> list[Any]:
    from report_memory import FAULT_OUTCOMES, _site_and_hosts

    from scanner.errors import ExreadyError
    from scanner.facts.parse import parse_collector_output
    from scanner.model.intern import Interner
    from scanner.model.outcome import HostOutcome, OutcomeKind
    from scanner.probes.collector import build_collector_script
    from scanner.simulator.faults import DEFAULT_SCRIPT_ERROR
    from scanner.simulator.scripts import PipelineRequest, answer

    site, inventory = _site_and_hosts(hosts, work)
    request = PipelineRequest(build_collector_script())
    interner = Interner()
    outcomes = []
    for sim, host in zip(site.hosts, inventory.hosts, strict=True):
        fault = sim.fault.kind if sim.fault is not None else None
        if fault in FAULT_OUTCOMES:
            kind, why = FAULT_OUTCOMES[fault]
            outcomes.append(HostOutcome(host, OutcomeKind(kind), why.format(address=host.address, port=host.port)))
            continue
        said = answer(sim, request)
        if said.error is not None:
            why = sim.fault.message if sim.fault is not None and sim.fault.message else DEFAULT_SCRIPT_ERROR
            outcomes.append(HostOutcome(host, OutcomeKind.PROBE_ERROR, f"the collector script failed: {why}"))
            continue
        try:
            facts = interner.facts(parse_collector_output(host.name, list(said.output)))
            outcomes.append(HostOutcome(host, OutcomeKind.OK, "", facts=facts))
        except ExreadyError as exc:  # a garbled or oversized answer (hostile hosts): a probe error
            outcomes.append(HostOutcome(host, OutcomeKind.PROBE_ERROR, str(exc)))
    return outcomes


def judge_all(outcomes: list[Any], catalog: Any, params: Any, memoize: bool) -> tuple[dict[str, float], list[Any]]:
    """CPU seconds of evaluating, building cells and interning every host, and the judgements: what
    matrix.judge.judge does (with the process's memo for these parameters, or none), then the sweep's
    Interner."""
    from scanner.evaluate.engine import evaluate_host
    from scanner.matrix.judge import cells_of, memos_for
    from scanner.model.evaluated import Evaluated
    from scanner.model.intern import Interner

    interner = Interner()
    memo, rows = memos_for(catalog, params) if memoize else (None, None)
    done = []
    cpu = {"evaluate": 0.0, "cells": 0.0, "intern_verdicts": 0.0, "intern_cells": 0.0}
    clock = time.process_time
    for o in outcomes:
        t0 = clock()
        verdicts = tuple(evaluate_host(o, catalog, params, memo))
        t1 = clock()
        cells = cells_of(o, verdicts, catalog, params.exchange_version, rows)
        t2 = clock()
        interner.verdicts(verdicts)
        t3 = clock()
        interner.cells(cells)
        t4 = clock()
        cpu["evaluate"] += t1 - t0
        cpu["cells"] += t2 - t1
        cpu["intern_verdicts"] += t3 - t2
        cpu["intern_cells"] += t4 - t3
        done.append(Evaluated(o, verdicts, cells))
    return cpu, done


def memory(outcomes: list[Any], catalog: Any, params: Any, memoize: bool) -> tuple[float, float]:
    """MB the judgements hold once all hosts are judged and interned, and the peak while judging."""
    gc.collect()
    tracemalloc.start()
    _, done = judge_all(outcomes, catalog, params, memoize)
    gc.collect()
    held, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del done
    return held / 2**20, peak / 2**20


def machine() -> str:
    import platform

    import psutil

    return (f"{platform.system()} {platform.release()}, {psutil.cpu_count()} CPUs, "
            f"{psutil.virtual_memory().total / 2**30:.0f} GiB; Python {platform.python_version()}")


def measure(outcomes: list[Any], catalog: Any, base: Any, rounds: int) -> dict[str, Any]:
    """Interleaved rounds with and without the memo for one set of parameters."""
    from scanner.matrix.judge import memo_for

    cpu: dict[bool, list[dict[str, float]]] = {False: [], True: []}
    results: dict[bool, list[Any]] = {}
    stats: dict[str, Any] = {}
    for _ in range(rounds):
        for memoize in (False, True):
            params = replace(base)  # a fresh memo for each round
            gc.collect()
            spent, done = judge_all(outcomes, catalog, params, memoize)
            cpu[memoize].append(spent)
            results[memoize] = done
            if memoize:
                memo = memo_for(catalog, params)
                stats = {"hits": memo.hits, "misses": memo.misses, "leaves": memo.leaves()}
    same = all(a.verdicts == b.verdicts and a.cells == b.cells
               for a, b in zip(results[False], results[True], strict=True))
    verdicts = sum(len(e.verdicts) for e in results[True])
    del results
    mem = {m: memory(outcomes, catalog, replace(base), m) for m in (False, True)}
    n = len(outcomes)
    rows = {}
    for memoize in (False, True):
        rows[memoize] = {f"{k}_ms": statistics.median(r[k] for r in cpu[memoize]) * 1000 / n
                         for k in cpu[memoize][0]}
        rows[memoize].update(held_mb=mem[memoize][0], peak_mb=mem[memoize][1])
    return {"same": same, "verdicts": verdicts, "memo": stats, "rows": rows}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hosts", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()

    from scanner.checks.catalog import load_catalog
    from scanner.evaluate.engine import EvaluationParams
    from scanner.facts.serial import facts_from_json

    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        outcomes = build_outcomes(args.hosts, Path(tmp))
        os.chdir(here)
    catalog = load_catalog()
    directory = facts_from_json((ROOT / "scanner" / "samples" / "sites" / "demo-directory.json").read_bytes())
    targets = {
        "Exchange 2013, no AD": EvaluationParams("2013"),
        "Exchange 2016, the demo directory's AD and installer account": EvaluationParams(
            "2016", org=directory.org, installer=directory.installer),
    }
    kinds: dict[str, int] = {}
    for o in outcomes:
        kinds[o.kind.value] = kinds.get(o.kind.value, 0) + 1
    runs = {label: measure(outcomes, catalog, base, args.rounds) for label, base in targets.items()}
    report = {"load": " / ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a",
              "hosts": len(outcomes), "outcomes": kinds, "rounds": args.rounds, "runs": runs}
    print(json.dumps(report, default=str, indent=1))
    if not all(r["same"] for r in runs.values()):
        print("the memoized verdicts differ from the unmemoized ones", file=sys.stderr)
        return 1
    if not args.no_write:
        write_section("judge-once", render(report, started))
    return 0


def render(report: dict[str, Any], started: str) -> str:
    runs = report["runs"]
    out = [
        "## Each rule judged once per distinct input (bench/judge_once.py)", "",
        f"Measured {started}, on a machine loaded by other work (load average {report['load']}; CPU "
        f"time, not wall time, is reported for that reason). Machine: {machine()}.", "",
        f"{report['hosts']} hosts of bench/sweep.py's site, facts from the simulator's answer to the "
        "collector script, parsed and interned as a session does; hosts by outcome: "
        + ", ".join(f"{k} {v}" for k, v in sorted(report["outcomes"].items())) + ". "
        "Each host judged as matrix.judge.judge does (the engine's verdicts, then the host's cells, with "
        "the process's memos or without), then its verdicts and cells interned by the sweep's Interner, "
        f"each step timed on its own; CPU ms per host, median of {report['rounds']} interleaved rounds, "
        "each round with a fresh memo. Memory: what the judgements hold after all hosts (tracemalloc, "
        "interned, the memos included), and the peak while judging. Memoized and unmemoized verdicts and "
        "cells compared host by host: "
        + ("identical" if all(r["same"] for r in runs.values()) else "DIFFERENT") + ".", "",
        "| target | | evaluation ms/host | cells ms/host | interning verdicts ms/host | interning cells ms/host "
        "| held MB | peak MB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for label, run in runs.items():
        for memoize, how in ((False, "every rule on every host"), (True, "memo")):
            r = run["rows"][memoize]
            out.append(f"| {label} | {how} | {r['evaluate_ms']:.3f} | {r['cells_ms']:.3f} | "
                       f"{r['intern_verdicts_ms']:.3f} | {r['intern_cells_ms']:.3f} | {r['held_mb']:.1f} | "
                       f"{r['peak_mb']:.1f} |")
    out.append("")
    for label, run in runs.items():
        memo = run["memo"]
        out.append(f"Memo, {label}, last round: {run['verdicts']:,} verdicts, {memo['hits']:,} hits, "
                   f"{memo['misses']:,} misses (rules run), {memo['leaves']} distinct (rule, reads) leaves kept.")
        out.append("")
    out.append(
        "Most misses are the rules that write the computer's name into their verdict (the five "
        "RoleAlreadyExists rules, ServerNameNotValid, ComputerNameDiscrepancy, HostRecordMissing, "
        "ServerFQDNMatchesSMTPPolicy, and with AD a few more that match the name against AD's objects): "
        "their input differs on every host, so they run on every host, and the memo drops their trees "
        "once full.")
    return "\n".join(out)


if __name__ == "__main__":
    raise SystemExit(main())
