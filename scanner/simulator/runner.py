"""Starting and stopping the simulator: in-process on a background thread with its own event loop
(tests, ``exready demo``), or as a subprocess (benchmarks, so that client and server CPU are measured
apart)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from scanner.errors import SimulatorError
from scanner.simulator.profiles import Credentials, SimHost, Site, load_site, write_inventory_csv
from scanner.simulator.server import AddressMode, FleetServer
from scanner.simulator.stats import SimStats

READY = "READY"
STATS = "STATS"


class _WorkDir:
    def __init__(self, workdir: str | Path | None, prefix: str) -> None:
        self.owned = workdir is None
        self.path = Path(tempfile.mkdtemp(prefix=prefix)) if workdir is None else Path(workdir)
        self.path.mkdir(parents=True, exist_ok=True)

    def cleanup(self) -> None:
        if self.owned:
            shutil.rmtree(self.path, ignore_errors=True)


def _find(hosts: tuple[SimHost, ...], name: str) -> SimHost:
    folded = name.casefold()
    for h in hosts:
        if h.name.casefold() == folded or h.fqdn.casefold() == folded:
            return h
    raise KeyError(name)


def _as_site(site: Site | str | Path) -> Site:
    return site if isinstance(site, Site) else load_site(site)


class SimulatorThread:
    """The simulator on a background thread::

    with SimulatorThread(site, workdir) as sim:
        sim.hosts, sim.ca_file, sim.credentials, sim.stats()
    """

    def __init__(
        self,
        site: Site | str | Path,
        workdir: str | Path | None = None,
        *,
        address_mode: AddressMode = "auto",
        idle_timeout_s: float | None = None,
        max_shells: int | None = None,
        strict_cbt: bool = False,
        expiry_interval_s: float | None = None,
        startup_timeout_s: float = 120.0,
        keytab_dir: Path | None = None,
    ) -> None:
        self.site = _as_site(site)
        self._workdir_arg = workdir
        self._opts: dict[str, Any] = dict(
            address_mode=address_mode,
            idle_timeout_s=idle_timeout_s,
            max_shells=max_shells,
            strict_cbt=strict_cbt,
            expiry_interval_s=expiry_interval_s,
            keytab_dir=keytab_dir,
        )
        self._startup_timeout_s = startup_timeout_s
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: FleetServer | None = None
        self._workdir: _WorkDir | None = None

    # -- what callers use ---------------------------------------------------------------------------

    @property
    def server(self) -> FleetServer:
        if self._server is None or not self._server.started:
            raise SimulatorError("the simulator is not running")
        return self._server

    @property
    def hosts(self) -> tuple[SimHost, ...]:
        """The hosts with the addresses and ports they really listen on."""
        return self.server.hosts

    def host(self, name: str) -> SimHost:
        return _find(self.hosts, name)

    @property
    def ca_file(self) -> Path | None:
        return self.server.ca_file

    @property
    def credentials(self) -> Credentials:
        return self.site.credentials

    @property
    def workdir(self) -> Path:
        if self._workdir is None:
            raise SimulatorError("the simulator is not running")
        return self._workdir.path

    def stats(self) -> SimStats:
        stats: SimStats = self._call(self.server.stats)
        return stats

    def write_inventory(self, path: str | Path) -> Path:
        return write_inventory_csv(self.hosts, Path(path))

    # -- lifecycle -----------------------------------------------------------------------------------

    def start(self) -> SimulatorThread:
        if self._thread is not None:
            raise SimulatorError("the simulator is already running")
        self._workdir = _WorkDir(self._workdir_arg, "exready-sim-")
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._server = FleetServer(self.site, self._workdir.path, **self._opts)
        started = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._server.start())  # type: ignore[union-attr]
            except BaseException as exc:  # handed to the starting thread
                failure.append(exc)
                started.set()
                loop.close()
                return
            started.set()
            loop.run_forever()
            loop.run_until_complete(self._server.close())  # type: ignore[union-attr]
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

        self._thread = threading.Thread(target=run, name="exready-simulator", daemon=True)
        self._thread.start()
        if not started.wait(self._startup_timeout_s):
            raise SimulatorError("the simulator did not start in time")
        if failure:
            self._thread.join()
            self._thread = None
            self._workdir.cleanup()
            exc = failure[0]
            if isinstance(exc, SimulatorError):
                raise exc
            raise SimulatorError(f"the simulator could not start: {exc}") from exc
        return self

    def stop(self) -> None:
        if self._thread is None or self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)
        self._thread = None
        if self._workdir is not None:
            self._workdir.cleanup()

    def _call(self, fn: Any) -> Any:
        if self._loop is None:
            raise SimulatorError("the simulator is not running")

        async def call() -> Any:
            return fn()

        return asyncio.run_coroutine_threadsafe(call(), self._loop).result(timeout=30)

    def __enter__(self) -> SimulatorThread:
        return self.start()

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class SimulatorProcess:
    """The simulator in a child process (``python -m scanner.simulator``). The child prints a READY
    line once it listens; closing its stdin (or SIGTERM) stops it, and it prints its counters as a
    STATS line on the way out."""

    def __init__(
        self,
        site_path: str | Path,
        workdir: str | Path | None = None,
        *,
        address_mode: AddressMode = "auto",
        python: str | None = None,
        extra_args: tuple[str, ...] = (),
        startup_timeout_s: float = 120.0,
        env: Mapping[str, str] | None = None,
        cwd: str | Path | None = None,
    ) -> None:
        self.site_path = Path(site_path)
        # None: this process's; ``python -m`` looks in the working directory first, so a benchmark
        # that runs another checkout's simulator gives both
        self._env = dict(env) if env is not None else None
        self._cwd = cwd
        self._workdir_arg = workdir
        self._address_mode = address_mode
        self._python = python or sys.executable
        self._extra = extra_args
        self._startup_timeout_s = startup_timeout_s
        self._proc: subprocess.Popen[str] | None = None
        self._workdir: _WorkDir | None = None
        self.hosts: tuple[SimHost, ...] = ()
        self.ca_file: Path | None = None
        self.site: Site | None = None
        self.final_stats: SimStats | None = None

    def host(self, name: str) -> SimHost:
        return _find(self.hosts, name)

    @property
    def pid(self) -> int:
        if self._proc is None:
            raise SimulatorError("the simulator process is not running")
        return self._proc.pid

    @property
    def credentials(self) -> Credentials:
        if self.site is None:
            raise SimulatorError("the simulator process is not running")
        return self.site.credentials

    @property
    def workdir(self) -> Path:
        if self._workdir is None:
            raise SimulatorError("the simulator process is not running")
        return self._workdir.path

    def start(self) -> SimulatorProcess:
        self.site = load_site(self.site_path)
        self._workdir = _WorkDir(self._workdir_arg, "exready-simproc-")
        log_file = (self._workdir.path / "simulator.log").open("w", encoding="utf-8")
        cmd = [
            self._python,
            "-m",
            "scanner.simulator",
            str(self.site_path),
            "--workdir",
            str(self._workdir.path),
            "--address-mode",
            self._address_mode,
            "--stop-on-stdin-eof",
            *self._extra,
        ]
        self._proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log_file,
            text=True,
            encoding="utf-8",
            env=self._env,
            cwd=self._cwd,
        )
        log_file.close()
        ready = _read_marker(self._proc.stdout, READY, self._startup_timeout_s)
        if ready is None:
            self._proc.kill()
            self._proc.wait()
            tail = (self._workdir.path / "simulator.log").read_text(encoding="utf-8")[-500:]
            raise SimulatorError(f"the simulator process did not start: {tail.strip() or 'no output'}")
        endpoints = json.loads(Path(ready["hosts_file"]).read_text(encoding="utf-8"))
        by_name = {h.name: h for h in self.site.hosts}
        self.hosts = tuple(
            replace(
                by_name[e["name"]], address=e["address"], http_port=e["http_port"], https_port=e["https_port"]
            )
            for e in endpoints
        )
        self.ca_file = Path(ready["ca_file"]) if ready.get("ca_file") else None
        return self

    def stop(self, timeout_s: float = 30.0) -> SimStats | None:
        proc = self._proc
        if proc is None:
            return self.final_stats
        self._proc = None
        try:
            if proc.stdin is not None:
                proc.stdin.close()
        except OSError:
            pass
        stats = _read_marker(proc.stdout, STATS, timeout_s)
        try:
            proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
        if stats is not None:
            self.final_stats = SimStats.from_json(stats)
        if self._workdir is not None:
            self._workdir.cleanup()
        return self.final_stats

    def __enter__(self) -> SimulatorProcess:
        return self.start()

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _read_marker(stream: IO[str] | None, marker: str, timeout_s: float) -> dict[str, Any] | None:
    """The JSON after ``marker`` on the first line that starts with it (read on a helper thread so the
    wait is bounded on every platform)."""
    if stream is None:
        return None
    found: list[dict[str, Any]] = []

    def read() -> None:
        for line in _lines(stream):
            if line.startswith(marker + " "):
                with contextlib.suppress(json.JSONDecodeError):
                    found.append(json.loads(line[len(marker) + 1 :]))
                return

    t = threading.Thread(target=read, daemon=True)
    t.start()
    t.join(timeout_s)
    return found[0] if found else None


def _lines(stream: IO[str]) -> Iterator[str]:
    # readline, not ``yield from stream``: closing a generator that delegates with ``yield from``
    # closes the file it delegates to
    while True:
        try:
            line = stream.readline()
        except (OSError, ValueError):
            return
        if not line:
            return
        yield line
