"""Sharding a sweep's sessions across worker processes.

One Python process runs pypsrp's sessions on about one core: the interpreter lock serialises the
HTTP, NTLM and PSRP work of every thread. To use more cores, sessions run in worker processes, while
the sweep itself stays in the parent: the one ``SweepRunner`` there decides which host starts when,
holds the deadlines, the abandoned-thread cap, the authentication breaker and interruption, and
calls the observers, exactly as without workers. A worker only runs the sessions it is handed
(``RemoteSession``), pypsrp's in a thread each, lean ones as tasks of one event loop, and answers
with the outcome plus the host's verdicts and matrix cells, so evaluation is spread over the
workers too. The result does not depend on how many
workers there are.

Workers are started with the ``spawn`` method (the only one on Windows, and safe with threads).
They ignore SIGINT and SIGTERM: a terminal's Ctrl-C reaches the whole process group, and ``systemctl
stop`` sends SIGTERM to every process of the unit's control group. Only the parent decides what a
signal means (its hosts in flight end "interrupted"); a worker killed by it would turn them into
internal errors. A worker whose parent goes away sees its pipe close and exits.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import itertools
import logging
import multiprocessing
import pickle
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from types import TracebackType
from typing import Any

from scanner.collect.runner import Session
from scanner.credentials import Secret
from scanner.model.evaluated import Evaluated
from scanner.model.facts import Fact, HostFacts
from scanner.model.host import Host
from scanner.model.intern import Interner
from scanner.model.matrix import Cell
from scanner.model.outcome import HostOutcome, OutcomeKind
from scanner.model.verdict import Verdict
from scanner.transport.settings import TransportSettings
from scanner.transport.winrm import ScriptChoice

log = logging.getLogger(__name__)

# Judges one finished outcome with the sweep's evaluation parameters (``scanner.matrix.judge.judge_loaded``).
Judge = Callable[[HostOutcome, Any], Evaluated]

# How long a worker gets to start (spawn re-imports the package) and to stop.
_START_TIMEOUT = 60.0
_STOP_TIMEOUT = 5.0


@dataclass(frozen=True, slots=True)
class _Start:
    """What a worker needs. The password travels apart: a ``Secret`` refuses to be pickled, so it is
    sent once, over the worker's private pipe, and wrapped again on the other side."""

    settings: TransportSettings
    password: str | None
    script: ScriptChoice  # a module-level function pickles by name
    judge: Judge  # so is this one: the worker judges what it ran without importing the layers above
    exchange_version: str
    params: Any  # EvaluationParams (imported lazily: the engine pulls in the catalog)
    https: bool  # some host uses HTTPS: build the sweep's TLS context once


class ShardPool:
    """``workers`` processes that run host sessions for the parent's runner::

        with ShardPool(2, settings, script, judge_loaded, params, https) as shards:
            runner = SweepRunner(shards.session, limits, observers)
    """

    def __init__(self, workers: int, settings: TransportSettings, script: ScriptChoice, judge: Judge,
                 params: Any, https: bool) -> None:
        if workers < 1:
            raise ValueError("a shard pool needs at least one worker")
        self._workers = workers
        self._settings = settings
        self._script = script
        self._judge = judge
        self._params = params
        self._https = https
        self._procs: list[BaseProcess] = []
        self._conns: list[Connection] = []
        self._send_locks: list[threading.Lock] = []
        self._load: list[int] = []
        self._readers: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._pending: dict[int, tuple[int, Host, Future[HostOutcome]]] = {}
        self._accepted: dict[int, Callable[[], None]] = {}  # ticket -> the runner's callback
        self._tickets = itertools.count(1)
        self.evaluated: dict[str, Evaluated] = {}
        self.interner = Interner()  # answers arrive as fresh copies: share what is equal
        self.lost_workers = 0

    # -- lifecycle -----------------------------------------------------------------------------------

    def start(self) -> ShardPool:
        ctx = multiprocessing.get_context("spawn")
        creds = self._settings.credentials
        start = _Start(
            settings=replace(self._settings, credentials=replace(creds, password=None)),
            password=creds.password.reveal() if creds.password is not None else None,
            script=self._script, judge=self._judge, exchange_version=self._params.exchange_version, params=self._params,
            https=self._https)
        try:
            for index in range(self._workers):  # all started first: they import in parallel
                parent_end, child_end = ctx.Pipe(duplex=True)
                proc = ctx.Process(target=_worker_main, args=(child_end,), name=f"exready-shard-{index}",
                                   daemon=True)
                with _stop_signals_blocked():
                    proc.start()
                child_end.close()
                parent_end.send(start)
                self._procs.append(proc)
                self._conns.append(parent_end)
                self._send_locks.append(threading.Lock())
                self._load.append(0)
            deadline = time.monotonic() + _START_TIMEOUT
            for index, conn in enumerate(self._conns):
                ready = conn.poll(max(0.0, deadline - time.monotonic()))
                if not ready or pickle.loads(conn.recv_bytes()) != "ready":  # noqa: S301 - our own worker
                    raise RuntimeError(f"worker process {index} did not start")
            for index, conn in enumerate(self._conns):
                reader = threading.Thread(target=self._read, args=(index, conn), daemon=True,
                                          name=f"exready-shard-reader-{index}")
                reader.start()
                self._readers.append(reader)
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        for index, conn in enumerate(self._conns):
            try:
                with self._send_locks[index]:
                    conn.send(("quit",))
            except (OSError, ValueError):
                pass
        for proc in self._procs:
            proc.join(_STOP_TIMEOUT)
            if proc.is_alive():
                proc.terminate()
                proc.join(_STOP_TIMEOUT)
        for conn in self._conns:
            conn.close()
        for reader in self._readers:
            reader.join(_STOP_TIMEOUT)
        self._fail_pending(None, "the sweep ended before this host's worker answered")

    def __enter__(self) -> ShardPool:
        return self.start()

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self._procs if p.pid is not None]

    # -- what the runner uses ------------------------------------------------------------------------

    def session(self, host: Host) -> Session:
        return RemoteSession(self, host)

    def submit(self, host: Host, accepted: Callable[[], None] | None = None) -> tuple[int, Future[HostOutcome]]:
        future: Future[HostOutcome] = Future()
        with self._lock:
            ticket = next(self._tickets)
            if accepted is not None:
                self._accepted[ticket] = accepted
            worker = min(range(len(self._load)), key=self._load.__getitem__)  # the least busy
            self._load[worker] += 1
            self._pending[ticket] = (worker, host, future)
        try:
            with self._send_locks[worker]:
                self._conns[worker].send(("run", ticket, host))
        except (OSError, ValueError):
            self._finish(ticket, _lost(host, "its worker process is gone"), None)
        return ticket, future

    def abort(self, ticket: int) -> None:
        with self._lock:
            entry = self._pending.get(ticket)
        if entry is None:
            return
        worker = entry[0]
        try:
            with self._send_locks[worker]:
                self._conns[worker].send(("abort", ticket))
        except (OSError, ValueError):
            pass  # the reader fails the host when it sees the worker gone

    # -- the parent's side of each pipe --------------------------------------------------------------

    def _read(self, index: int, conn: Connection) -> None:
        while True:
            try:
                message = pickle.loads(conn.recv_bytes())  # noqa: S301 - our own worker, over our own pipe
            except (EOFError, OSError):
                break
            if message[0] == "accepted":
                with self._lock:
                    callback = self._accepted.pop(message[1], None)
                if callback is not None:
                    callback()
            elif message[0] == "done":
                _, ticket, outcome, evaluated = message
                self.interner.outcome(outcome)
                if evaluated is not None:
                    self.interner.verdicts(evaluated.verdicts)
                    self.interner.cells(evaluated.cells)
                self._finish(ticket, outcome, evaluated)
        alive = self._procs[index].is_alive() if index < len(self._procs) else False
        with self._lock:
            in_flight = sum(1 for w, _, _ in self._pending.values() if w == index)
        if in_flight:
            self.lost_workers += 1
            log.error("worker process %d ended with %d host(s) in flight", index, in_flight)
        self._fail_pending(index, "its worker stopped answering" if alive
                           else "its worker process ended unexpectedly")

    def _finish(self, ticket: int, outcome: HostOutcome, evaluated: Evaluated | None) -> None:
        with self._lock:
            self._accepted.pop(ticket, None)
            entry = self._pending.pop(ticket, None)
            if entry is None:
                return
            worker, host, future = entry
            self._load[worker] -= 1
            if evaluated is not None:
                self.evaluated[host.name] = Evaluated(outcome, evaluated.verdicts, evaluated.cells)
        if not future.done():
            future.set_result(outcome)

    def _fail_pending(self, worker: int | None, why: str) -> None:
        with self._lock:
            tickets = [t for t, (w, _, _) in self._pending.items() if worker is None or w == worker]
        for ticket in tickets:
            entry = self._pending.get(ticket)
            if entry is not None:
                self._finish(ticket, _lost(entry[1], why), None)


# Answers cross the pipe as constructor calls: the default pickling of frozen, slotted dataclasses
# calls dataclasses.fields() for every object it rebuilds, the parent's largest cost per host.
_COMPACT: tuple[type, ...] = (Host, HostOutcome, HostFacts, Fact, Verdict, Cell, Evaluated)


def _reducer(cls: type) -> Callable[[Any], tuple[Any, ...]]:
    names = tuple(f.name for f in dataclasses.fields(cls))

    def reduce(obj: Any) -> tuple[Any, ...]:
        return cls, tuple(getattr(obj, name) for name in names)

    return reduce


def _dumps(message: Any) -> bytes:
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = {cls: _reducer(cls) for cls in _COMPACT}
    pickler.dump(message)
    return buffer.getvalue()


class RemoteSession(Session):
    """A host's session, run by a worker process; ``run_outcome`` waits in a parent thread."""

    def __init__(self, pool: ShardPool, host: Host) -> None:
        self._pool = pool
        self._host = host
        self._ticket: int | None = None
        self._aborted = threading.Event()
        self._on_accepted: Callable[[], None] | None = None

    def on_accepted(self, callback: Callable[[], None]) -> None:
        self._on_accepted = callback  # the worker says when its session's host took the credential

    def run_outcome(self) -> HostOutcome:
        ticket, future = self._pool.submit(self._host, self._on_accepted)
        self._ticket = ticket
        if self._aborted.is_set():
            self._pool.abort(ticket)
        return future.result()

    def start_async(self) -> asyncio.Future[HostOutcome]:
        """The same as ``run_outcome``, without a thread in this process to wait for the worker."""
        ticket, future = self._pool.submit(self._host, self._on_accepted)
        self._ticket = ticket
        if self._aborted.is_set():
            self._pool.abort(ticket)
        return asyncio.wrap_future(future)

    def abort(self) -> None:
        self._aborted.set()
        if self._ticket is not None:
            self._pool.abort(self._ticket)


def _lost(host: Host, why: str) -> HostOutcome:
    return HostOutcome(host, OutcomeKind.PROBE_ERROR, f"internal error: {why}")


# -- the worker process -------------------------------------------------------------------------------


# The signals that stop a sweep. Windows has SIGTERM in the signal module, but nothing sends it to
# another process there (a console's Ctrl-C arrives as SIGINT in every process attached to it).
_STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM") if hasattr(signal, name))


@contextmanager
def _stop_signals_blocked() -> Iterator[None]:
    """Block the stop signals in this thread while it starts a worker: the child inherits the mask
    through fork and exec, so a signal sent to the group during its second of start-up stays pending
    until the worker has chosen to ignore it, instead of killing it half-started. The parent starts
    workers from an executor thread, so its own main thread still takes the signal at once.
    Windows has no signal masks: there the window stays (and no one sends SIGTERM to a group)."""
    mask = getattr(signal, "pthread_sigmask", None)
    if mask is None:
        yield
        return
    previous = mask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        yield
    finally:
        mask(signal.SIG_SETMASK, previous)


def _ignore_stop_signals() -> None:
    """The parent alone decides what Ctrl-C or SIGTERM means (see the module's docstring)."""
    for signum in _STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)
    mask = getattr(signal, "pthread_sigmask", None)
    if mask is not None:  # blocked while the parent started us; ignored now, so a pending one is dropped
        mask(signal.SIG_UNBLOCK, _STOP_SIGNALS)


def _worker_main(conn: Connection) -> None:
    """Run sessions as the parent asks (pypsrp's one thread each, lean ones as tasks of one loop), until
    told to quit or the pipe closes."""
    _ignore_stop_signals()
    start: _Start = conn.recv()
    from scanner.collect.session import CollectorSession
    from scanner.facts.parse import parse_collector_output
    from scanner.transport.tls import sweep_tls_context

    creds = start.settings.credentials
    settings = replace(start.settings, credentials=replace(
        creds, password=Secret(start.password) if start.password is not None else None))
    tls = sweep_tls_context(settings) if start.https else None
    send_lock = threading.Lock()
    sessions: dict[int, CollectorSession] = {}
    sessions_lock = threading.Lock()

    # Lean sessions (collect.session: start_async) are tasks of one event loop, in one thread of this
    # worker; pypsrp's sessions each get a thread, as before.
    loop: asyncio.AbstractEventLoop | None = None

    def lean_loop() -> asyncio.AbstractEventLoop:
        nonlocal loop
        if loop is None:
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, daemon=True, name="exready-lean-loop").start()
        return loop

    def finished(ticket: int, host: Host, outcome: HostOutcome | None, failure: BaseException | None) -> None:
        evaluated: Evaluated | None = None
        try:
            if outcome is None:
                raise failure or RuntimeError("no outcome")
            evaluated = start.judge(outcome, start.params)
        except Exception as exc:  # a bug must still give the host an outcome
            outcome = _lost(host, f"{type(exc).__name__} in the worker")
            evaluated = None
        finally:
            with sessions_lock:
                sessions.pop(ticket, None)
        try:
            data = _dumps(("done", ticket, outcome, evaluated))
            with send_lock:
                conn.send_bytes(data)
        except (OSError, ValueError):
            pass  # the parent is gone

    def run(ticket: int, host: Host, session: CollectorSession) -> None:
        try:
            outcome = session.run_outcome()
        except Exception as exc:
            finished(ticket, host, None, exc)
            return
        finished(ticket, host, outcome, None)

    async def run_async(ticket: int, host: Host, session: CollectorSession) -> None:
        try:
            outcome = await session.start_async()  # a task of this loop, which abort() cancels
        except Exception as exc:
            finished(ticket, host, None, exc)
            return
        finished(ticket, host, outcome, None)

    def start_session(ticket: int, host: Host) -> None:
        session = CollectorSession(host, settings, start.script, parse_collector_output, tls)

        def accepted() -> None:
            try:
                data = _dumps(("accepted", ticket))
                with send_lock:
                    conn.send_bytes(data)
            except (OSError, ValueError):
                pass  # the parent is gone

        session.on_accepted(accepted)
        with sessions_lock:
            sessions[ticket] = session
        if session.lean:
            asyncio.run_coroutine_threadsafe(run_async(ticket, host, session), lean_loop())
        else:
            threading.Thread(target=run, args=(ticket, host, session), daemon=True,
                             name=f"exready-host-{ticket}").start()

    def abort(session: CollectorSession) -> None:
        if session.lean and loop is not None:
            loop.call_soon_threadsafe(session.abort)  # a lean session is cut from its own loop
        else:
            session.abort()

    conn.send_bytes(_dumps("ready"))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            break
        if message[0] == "run":
            start_session(message[1], message[2])
        elif message[0] == "abort":
            with sessions_lock:
                target = sessions.get(message[1])
            if target is not None:
                abort(target)
        elif message[0] == "quit":
            break
    with sessions_lock:
        remaining = list(sessions.values())
    for session in remaining:  # the parent has given up on them: cut their sockets and go
        abort(session)
