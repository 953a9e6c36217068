"""What the sweep benchmarks share: simulated fleets of one or several simulator processes, the
inventory a scanner reads, and the measure of one command's process tree (wall time, CPU, peak memory).

bench/sweep.py, bench/slow_sweep.py and bench/flat_cost.py use it. Linux only: process trees are read
through psutil and the CPU of finished children through rusage; nothing here sends a signal but the
kill of a command past its time limit.
"""

from __future__ import annotations

import contextlib
import copy
import csv
import os
import platform
import resource
import subprocess
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import psutil

from scanner.simulator import SimHost, SimulatorProcess, write_site_file
from scanner.simulator.server import AddressMode

# One simulator process serves at most this many hosts: each host's listener is an open file, each
# session in flight one more, and the soft limit here is 20,000 (the simulator raises its own towards
# twice its hosts plus 4,096).
HOSTS_PER_SIMULATOR = 5000


@dataclass
class TreeWatch:
    """Samples a process and its descendants: the peak of the summed RSS, and each process's CPU."""

    root: int
    interval: float = 0.2
    peak_rss: int = 0
    peak_rss_multi: int = 0  # while the scanner had worker processes: the sweep itself
    workers_gone: float = 0.0  # when they ended (the scanner then writes its reports alone)
    peak_procs: int = 0
    peak_threads: int = 0
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
            threads = 0
            for p in procs:
                try:
                    with p.oneshot():
                        own = p.memory_info().rss
                        rss += own
                        threads += p.num_threads()
                        self.rss[p.pid] = max(self.rss.get(p.pid, 0), own)
                        t = p.cpu_times()
                        self.cpu[p.pid] = t.user + t.system
                except psutil.Error:
                    continue
            self.peak_rss = max(self.peak_rss, rss)
            self.peak_threads = max(self.peak_threads, threads)
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


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} / {five:.1f} / {fifteen:.1f}"


def machine() -> str:
    """The machine and the client libraries, for the line under a table that says what it ran on."""
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


def utc_now() -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())


# -- fleets ---------------------------------------------------------------------------------------------


def shard_site_names(hosts: int, per_simulator: int = HOSTS_PER_SIMULATOR) -> tuple[str, ...]:
    """AD site names for a generated site of ``hosts`` that splits into simulators of at most
    ``per_simulator`` hosts: one AD site per simulator (each its own address slice and name pattern,
    S01-SRV00001 ...), so the shards' hosts and addresses never overlap."""
    shards = max(1, -(-hosts // per_simulator))
    return tuple(f"S{i + 1:02d}-Site" for i in range(shards))


def split_site_document(doc: Mapping[str, Any], shards: int) -> list[dict[str, Any]]:
    """One generated site document as ``shards`` documents, its AD sites dealt out in order (each AD site
    has its own address slice and name pattern, so the shards are disjoint)."""
    sites = list(doc["ad_sites"])
    if not 1 <= shards <= len(sites):
        raise ValueError(f"cannot split {len(sites)} AD sites into {shards} simulators")
    out = []
    for i in range(shards):
        part = copy.deepcopy(dict(doc))
        part["ad_sites"] = sites[i::shards]
        part["name"] = f"{doc['name']}-{i + 1}"
        if i:
            part.pop("hosts", None)  # hosts listed by name belong to the first shard
        out.append(part)
    return out


class Fleet:
    """One site served by one or several simulator processes at once::

        with Fleet(doc, work, shards=4) as fleet:
            fleet.hosts, fleet.pids, fleet.credentials

    The site document is split by AD site (split_site_document), each part in a simulator process of its
    own, started one after another."""

    def __init__(self, doc: Mapping[str, Any], work: Path, *, shards: int = 1, address_mode: AddressMode = "auto",
                 startup_timeout_s: float = 900.0, tag: str = "sim") -> None:
        self.work = work
        self.parts = split_site_document(doc, shards) if shards > 1 else [dict(doc)]
        self.address_mode = address_mode
        self.startup_timeout_s = startup_timeout_s
        self.tag = tag
        self.sims: list[SimulatorProcess] = []
        self.startup_s = 0.0

    def __enter__(self) -> Fleet:
        started = time.perf_counter()
        try:
            for i, part in enumerate(self.parts):
                site = write_site_file(part, self.work / f"{self.tag}-site{i}.yaml")
                sim = SimulatorProcess(site, self.work / f"{self.tag}{i}", address_mode=self.address_mode,
                                       startup_timeout_s=self.startup_timeout_s)
                sim.start()
                self.sims.append(sim)
        except BaseException:
            self.stop()
            raise
        self.startup_s = time.perf_counter() - started
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        for sim in self.sims:
            with contextlib.suppress(Exception):
                sim.stop()
        self.sims = []

    @property
    def hosts(self) -> tuple[SimHost, ...]:
        return tuple(h for sim in self.sims for h in sim.hosts)

    @property
    def pids(self) -> list[int]:
        return [sim.pid for sim in self.sims]

    @property
    def credentials(self) -> Any:
        return self.sims[0].credentials

    def cpu(self) -> float:
        return sum(proc_cpu(pid) for pid in self.pids)


def write_inventory(hosts: Iterable[SimHost] | SimulatorProcess | Fleet, path: Path,
                    names: Sequence[str] | None = None) -> Path:
    """Simulated hosts (or all of a simulator's or fleet's) as an inventory CSV (all, or those named in
    ``names``), HTTP with Negotiate where the host listens on HTTP, else HTTPS with Basic."""
    wanted = None if names is None else set(names)
    rows: list[tuple[str, str, str, int | None, str, str, str]] = []
    for h in hosts.hosts if isinstance(hosts, SimulatorProcess | Fleet) else hosts:
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


# -- measuring one command ------------------------------------------------------------------------------


@dataclass
class Measurement:
    """One command, measured from outside: its exit code (-9 when killed at its time limit), wall time,
    the CPU of its whole process tree (exact: rusage of the children it waited for), the simulators' CPU
    meanwhile, whatever else ran on the machine, and the sampled tree (peak RSS, processes, threads)."""

    pid: int
    exit_code: int
    wall_s: float
    client_cpu_s: float
    server_cpu_s: float
    other_cpu_s: float
    ended: float
    watch: TreeWatch
    stdout: Path
    stderr: Path
    load_before: str
    load_after: str

    def stderr_tail(self, n: int = 300) -> str:
        return self.stderr.read_text(encoding="utf-8", errors="replace").strip()[-n:]


def measure(cmd: Sequence[str], *, env: Mapping[str, str], out: Path, timeout: float,
            server_pids: Iterable[int] = (), cwd: Path | None = None, interval: float = 0.2) -> Measurement:
    """Run ``cmd`` to its end (or its time limit), its stdout and stderr to files in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    pids = list(server_pids)
    server0 = sum(proc_cpu(p) for p in pids)
    cpu0 = children_cpu()
    busy0 = machine_busy()
    load_before = load_average()
    stdout, stderr = out / "stdout.txt", out / "stderr.txt"
    started = time.perf_counter()
    with stdout.open("w", encoding="utf-8") as so, stderr.open("w", encoding="utf-8") as se:
        proc = subprocess.Popen(list(cmd), cwd=cwd, env=dict(env), stdout=so, stderr=se, stdin=subprocess.DEVNULL)
        watch = TreeWatch(proc.pid, interval=interval).start()
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            code = -9
        ended = time.perf_counter()
        watch.stop()
    cpu = children_cpu() - cpu0  # the command and every process it waited for
    server = sum(proc_cpu(p) for p in pids) - server0
    others = max(0.0, machine_busy() - busy0 - cpu - server)
    return Measurement(pid=proc.pid, exit_code=code, wall_s=ended - started, client_cpu_s=cpu,
                       server_cpu_s=server, other_cpu_s=others, ended=ended, watch=watch, stdout=stdout,
                       stderr=stderr, load_before=load_before, load_after=load_average())


def shown_command(cmd: Sequence[str], root: Path) -> str:
    return " ".join(c if " " not in c else f'"{c}"' for c in cmd).replace(str(root) + "/", "")


@contextlib.contextmanager
def secret_file(path: Path, text: str) -> Iterator[Path]:
    """A file only its owner reads (a password a tool takes from a file rather than its command line),
    removed afterwards."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    try:
        yield path
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
