"""The fleet simulator's own CPU per session, before and after a change, and its memory per waiting session.

    python bench/simulator_cpu.py --before COMMIT [--hosts 300] [--rounds 3] [--client exready|pypsrp]
    python bench/simulator_cpu.py --waiting 2000 [--before COMMIT]
    (either with --no-write to leave bench/RESULTS.md alone)

CPU mode: the same site is served by the simulator of COMMIT (its ``scanner`` tree exported with
``git archive`` into a temporary directory) and by this working tree's, one fresh simulator process per
run, rounds interleaved (before, after, after, before, ...) so that the load other work puts on the
machine falls on both alike. The client is the same for both: this tree's ``exready scan`` (or the plain
pypsrp baseline, bench/pypsrp_baseline.py). The figure is the simulator process's user + system CPU
over the client's run divided by the sessions it served: CPU time, which load distorts less than wall
time.

Waiting mode: every host takes long to answer (a fixed answer_time), ``exready scan --concurrency N``
opens N sessions at once, and the simulator's resident memory, threads and CPU are sampled while they
all wait on their answer timers.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from results_md import RESULTS, write_section  # noqa: E402

from scanner.simulator import SimulatorProcess, generate_site_document, write_site_file  # noqa: E402

PASSWORD = "Bench-Lab-Pass-1!"  # noqa: S105 - the simulated lab's account


@dataclass(frozen=True)
class Run:
    side: str  # "before" | "after"
    round: int
    sessions: int  # collectors the simulator ran
    ok: int
    cpu_s: float
    user_s: float
    wall_s: float

    @property
    def ms(self) -> float:
        return 1000.0 * self.cpu_s / max(1, self.sessions)


def export_tree(commit: str, dest: Path) -> Path:
    """The ``scanner`` package as it was at ``commit``, in ``dest``."""
    data = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", commit, "scanner"],
        check=True,
        capture_output=True,
    ).stdout
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(dest, filter="data")
    return dest


def site(hosts: int, work: Path, answer_s: float = 0.0) -> Path:
    doc = generate_site_document(hosts, seed=17, faulty_percent=0, password=PASSWORD)
    if answer_s:
        doc["answer_time"] = {"distribution": "fixed", "median_s": answer_s}
    return write_site_file(doc, work / f"site-{hosts}-{answer_s}.yaml")


def inventory(sim: SimulatorProcess, path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(("name", "fqdn", "address", "port", "scheme", "auth", "site"))
        for h in sim.hosts:
            w.writerow((h.name, h.fqdn, h.address, h.http_port, "http", "negotiate", h.ad_site))
    return path


def _cpu(proc: psutil.Process) -> tuple[float, float]:
    t = proc.cpu_times()
    return float(t.user + t.system), float(t.user)


def client_cmd(client: str, inv: Path, user: str, out: Path, concurrency: int, deadline: float) -> list[str]:
    if client == "pypsrp":
        return [sys.executable, str(ROOT / "bench" / "pypsrp_baseline.py"), str(inv), user, "--threads", "32"]
    return [
        sys.executable, "-m", "scanner", "scan", "--inventory", str(inv), "--user", user,
        "--concurrency", str(concurrency), "--deadline", str(deadline), "--read-timeout", str(deadline),
        "--no-progress", "--quiet", "--json", str(out / "scan.json"),
    ]


def _ok(client: str, stdout: str, out: Path) -> int:
    if client == "pypsrp":
        return int(json.loads(stdout.strip().splitlines()[-1])["successes"])
    report = json.loads((out / "scan.json").read_text(encoding="utf-8"))
    return sum(1 for h in report["hosts"] if h["outcome"]["kind"] == "ok")


def sim_env(tree: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(tree)}


def one_run(side: str, rnd: int, tree: Path, site_file: Path, work: Path, client: str) -> Run:
    out = work / f"{side}-{rnd}"
    out.mkdir(parents=True, exist_ok=True)
    with SimulatorProcess(site_file, out / "sim", env=sim_env(tree), cwd=tree, startup_timeout_s=600) as sim:
        inv = inventory(sim, out / "inventory.csv")
        proc = psutil.Process(sim.pid)
        env = {**os.environ, "EXREADY_PASSWORD": sim.credentials.password, "PYTHONPATH": str(ROOT)}
        c0, u0 = _cpu(proc)
        t0 = time.perf_counter()
        res = subprocess.run(
            client_cmd(client, inv, sim.credentials.username, out, 32, 60),
            env=env, cwd=ROOT, capture_output=True, text=True, check=False,
        )
        wall = time.perf_counter() - t0
        c1, u1 = _cpu(proc)
        ok = _ok(client, res.stdout, out)
    stats = sim.final_stats
    sessions = stats.totals.scripts_run if stats is not None else len(sim.hosts)
    return Run(side, rnd, sessions, ok, c1 - c0, u1 - u0, wall)


def _load() -> str:
    try:
        return " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except (AttributeError, OSError):  # Windows has no load average
        return "n/a"


def compare(args: argparse.Namespace, work: Path) -> str:
    before_tree = export_tree(args.before, work / "before")
    trees = {"before": before_tree, "after": ROOT}
    site_file = site(args.hosts, work)
    load0 = _load()
    runs: list[Run] = []
    for rnd in range(args.rounds):
        order = ("before", "after") if rnd % 2 == 0 else ("after", "before")
        for side in order:
            r = one_run(side, rnd, trees[side], site_file, work, args.client)
            runs.append(r)
            print(f"round {rnd} {side:6s} {r.ms:5.2f} ms/session  ({r.sessions} sessions, {r.ok} ok, "
                  f"user {1000 * r.user_s / max(1, r.sessions):.2f} ms, wall {r.wall_s:.1f} s)", flush=True)
    load1 = _load()
    med = {s: statistics.median(r.ms for r in runs if r.side == s) for s in ("before", "after")}
    rows = ["| round | simulator | sessions | ok | simulator CPU ms/session (user) | client wall s |",
            "|---|---|---|---|---|---|"]
    for r in runs:
        rows.append(f"| {r.round} | {r.side} | {r.sessions} | {r.ok} | {r.ms:.2f} "
                    f"({1000 * r.user_s / max(1, r.sessions):.2f}) | {r.wall_s:.1f} |")
    client = "exready scan --concurrency 32" if args.client == "exready" else "plain pypsrp, 32 threads"
    return "\n".join([
        f"Before: commit {args.before}; after: this tree. {args.hosts} healthy hosts, NTLM with message "
        f"encryption over HTTP, client {client} (the same client for both), {args.rounds} rounds interleaved, "
        "a fresh simulator process per run. Load average (1/5/15 min) "
        f"{load0} before and {load1} after: other work shared the 2 CPUs, hence CPU time, not wall time.",
        "",
        *rows,
        "",
        f"Median simulator CPU per session: **{med['before']:.2f} ms before, {med['after']:.2f} ms after** "
        f"({med['after'] / med['before']:.0%} of before).",
    ])


_ENVELOPE = (
    '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
    'xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" '
    'xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" '
    'xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell" '
    'xmlns:pwsh="http://schemas.microsoft.com/powershell"><s:Header>'
    "<a:Action>{action}</a:Action><a:MessageID>uuid:{mid}</a:MessageID>"
    "<w:ResourceURI>http://schemas.microsoft.com/powershell/Microsoft.PowerShell</w:ResourceURI>"
    "<w:MaxEnvelopeSize>512000</w:MaxEnvelopeSize><w:OperationTimeout>PT{timeout}S</w:OperationTimeout>"
    "{selectors}</s:Header><s:Body>{body}</s:Body></s:Envelope>"
)
_T = "http://schemas.xmlsoap.org/ws/2004/09/transfer/"
_SH = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/"


def _psrp_messages(script: str) -> tuple[str, str, str, str]:
    """A client's opening (SESSION_CAPABILITY + INIT_RUNSPACEPOOL) and CREATE_PIPELINE for one session,
    base64, with the ids they carry. The pool is opened against a local psrpcore server first, as the
    client must see it opened before it may create a pipeline."""
    import base64
    import uuid

    import psrpcore

    shell_id, pipeline_id = uuid.uuid4(), uuid.uuid4()
    client = psrpcore.ClientRunspacePool(runspace_pool_id=shell_id)
    client.open()
    opening = client.data_to_send()
    assert opening is not None
    local = psrpcore.ServerRunspacePool()
    local.receive_data(psrpcore.PSRPPayload(opening.data, opening.stream_type, None))
    while local.next_event() is not None:
        pass
    while (out := local.data_to_send()) is not None:
        client.receive_data(out)
        while client.next_event() is not None:
            pass
    ps = psrpcore.ClientPowerShell(client, pipeline_id=pipeline_id)
    ps.add_script(script)
    ps.start()
    create = client.data_to_send()
    assert create is not None
    return (str(shell_id).upper(), str(pipeline_id).upper(), base64.b64encode(opening.data).decode(),
            base64.b64encode(create.data).decode())


async def _post(reader: Any, writer: Any, address: str, port: int, auth: str, body: str) -> bytes:
    data = body.encode("utf-8")
    writer.write(
        f"POST /wsman HTTP/1.1\r\nHost: {address}:{port}\r\nAuthorization: {auth}\r\n"
        f"Content-Type: application/soap+xml;charset=UTF-8\r\nContent-Length: {len(data)}\r\n\r\n".encode()
        + data
    )
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    length = int(next(line.split(b":", 1)[1] for line in lines if line.lower().startswith(b"content-length")))
    return head + await reader.readexactly(length)


async def _hold(hosts: list[tuple[str, int]], user: str, password: str, script: str, answer_s: float,
                waiting: dict[str, int]) -> None:
    """One raw WS-Man client per host (Basic over HTTP, no sealing: the client's own cost stays small):
    Create the shell, start the collector, then a Receive that waits for the host's answer."""
    import asyncio
    import base64
    import uuid

    auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    timeout = int(answer_s + 60)

    async def one(address: str, port: int, messages: tuple[str, str, str, str]) -> None:
        shell_id, pipeline_id, opening, create = messages
        reader, writer = await asyncio.open_connection(address, port)
        try:
            sel = f'<w:SelectorSet><w:Selector Name="ShellId">{shell_id}</w:Selector></w:SelectorSet>'
            body = (f'<rsp:Shell ShellId="{shell_id}"><rsp:InputStreams>stdin pr</rsp:InputStreams>'
                    f"<rsp:OutputStreams>stdout</rsp:OutputStreams><pwsh:creationXml>{opening}</pwsh:creationXml>"
                    "</rsp:Shell>")
            await _post(reader, writer, address, port, auth, _ENVELOPE.format(
                action=_T + "Create", mid=uuid.uuid4(), timeout=timeout, selectors="", body=body))
            body = (f'<rsp:CommandLine CommandId="{pipeline_id}"><rsp:Command>Invoke-Expression</rsp:Command>'
                    f"<rsp:Arguments>{create}</rsp:Arguments></rsp:CommandLine>")
            await _post(reader, writer, address, port, auth, _ENVELOPE.format(
                action=_SH + "Command", mid=uuid.uuid4(), timeout=timeout, selectors=sel, body=body))
            body = (f'<rsp:Receive><rsp:DesiredStream CommandId="{pipeline_id}">stdout</rsp:DesiredStream>'
                    "</rsp:Receive>")
            waiting["now"] += 1
            waiting["peak"] = max(waiting["peak"], waiting["now"])
            try:
                # the first answer may be the pipeline's Running state alone: Receive until Done
                for _ in range(8):
                    answer = await _post(reader, writer, address, port, auth, _ENVELOPE.format(
                        action=_SH + "Receive", mid=uuid.uuid4(), timeout=timeout, selectors=sel, body=body))
                    if b" 200 OK" not in answer[:20] or b"CommandState/Done" in answer:
                        break
            finally:
                waiting["now"] -= 1
            if b" 200 OK" in answer[:20] and b"CommandState/Done" in answer:
                waiting["answered"] += 1
        finally:
            writer.close()

    # one set of ids for every host (each host keeps its own shells): made once, so that every session
    # is soon in flight
    messages = [_psrp_messages(script)] * len(hosts)
    results = await asyncio.gather(*(one(a, p, m) for (a, p), m in zip(hosts, messages, strict=True)),
                                   return_exceptions=True)
    waiting["failed"] = sum(1 for r in results if isinstance(r, BaseException))


def waiting(args: argparse.Namespace, work: Path) -> str:
    import asyncio
    import threading

    from scanner.probes.collector import build_collector_script
    from scanner.simulator.server import raise_open_file_limit

    n = args.waiting
    doc = generate_site_document(n, seed=17, faulty_percent=0, password=PASSWORD)
    doc["answer_time"] = {"distribution": "fixed", "median_s": args.answer_s}
    doc["defaults"].update({"auth": ["basic"], "allow_unencrypted": True})
    doc["credentials"]["local"] = True  # Basic takes a local account only, as on Windows
    site_file = write_site_file(doc, work / "waiting-site.yaml")
    out = work / "waiting"
    out.mkdir(parents=True, exist_ok=True)
    tree = export_tree(args.before, work / "before") if args.before else ROOT
    raise_open_file_limit(n + 1024)
    script = build_collector_script()
    with SimulatorProcess(site_file, out / "sim", env=sim_env(tree), cwd=tree, startup_timeout_s=900) as sim:
        proc = psutil.Process(sim.pid)
        time.sleep(1.0)
        idle_rss = proc.memory_info().rss
        counts = {"now": 0, "peak": 0, "answered": 0, "failed": 0}
        hosts = [(h.address, int(h.http_port or 0)) for h in sim.hosts]
        user, password = sim.credentials.username, sim.credentials.password
        t0 = time.perf_counter()
        client = threading.Thread(
            target=lambda: asyncio.run(_hold(hosts, user, password, script, args.answer_s, counts)), daemon=True
        )
        client.start()
        samples: list[tuple[float, int, int, float, int]] = []  # t, rss, threads, cpu, sessions waiting
        while client.is_alive():
            cpu, _ = _cpu(proc)
            samples.append((time.perf_counter() - t0, proc.memory_info().rss, proc.num_threads(), cpu, counts["now"]))
            time.sleep(0.25)
        wall = time.perf_counter() - t0
    peak = max(s[4] for s in samples)
    plateau = [s for s in samples if s[4] >= 0.98 * peak]  # (nearly) every session waiting
    rss = max(s[1] for s in plateau)
    per = (rss - idle_rss) / max(1, peak)
    cpu_wait = float("nan")
    if len(plateau) >= 2 and plateau[-1][0] > plateau[0][0]:
        cpu_wait = (plateau[-1][3] - plateau[0][3]) / (plateau[-1][0] - plateau[0][0])
    threads = max(s[2] for s in samples)
    label = f"commit {args.before}" if args.before else "this tree"
    span = plateau[-1][0] - plateau[0][0] if plateau else 0.0
    return "\n".join([
        f"{n} hosts answering after {args.answer_s:.0f} s (fixed answer_time), one raw asyncio WS-Man client per "
        "host in the benchmark's process (Basic over HTTP: Create, Command with the collector, then a Receive "
        f"that waits); simulator of {label}; load average {_load()}.",
        "",
        "| sessions waiting at once | simulator RSS idle / all waiting | RSS per waiting session | "
        "simulator threads | simulator CPU while they wait | answered / failed | wall s |",
        "|---|---|---|---|---|---|---|",
        f"| {peak} | {idle_rss / 2**20:.0f} / {rss / 2**20:.0f} MiB | {per / 1024:.1f} KiB | {threads} | "
        f"{100 * cpu_wait:.1f} % of a core over {span:.0f} s | {counts['answered']} / {counts['failed']} | "
        f"{wall:.1f} |",
    ])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", help="the commit to compare with (CPU mode), or whose simulator to run (waiting)")
    ap.add_argument("--hosts", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--client", choices=("exready", "pypsrp"), default="exready")
    ap.add_argument("--waiting", type=int, default=0, help="sessions held at once (waiting mode)")
    ap.add_argument("--answer-s", type=float, default=40.0, help="the hosts' answer time in waiting mode")
    ap.add_argument("--no-write", action="store_true", help="print only; leave bench/RESULTS.md alone")
    args = ap.parse_args(argv)
    if not args.waiting and not args.before:
        ap.error("--before COMMIT is needed to compare CPU per session")
    with tempfile.TemporaryDirectory(prefix="exready-bench-simcpu-") as tmp:
        body = waiting(args, Path(tmp)) if args.waiting else compare(args, Path(tmp))
    print(body)
    if not args.no_write:
        name = "simulator-waiting" if args.waiting else "simulator-cpu"
        title = ("## Simulator: memory per waiting session (bench/simulator_cpu.py --waiting)" if args.waiting
                 else "## Simulator CPU per session, before and after (bench/simulator_cpu.py)")
        write_section(name, f"{title}\n\nMeasured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. {body}")
        print(f"\nwritten to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
