"""The open-file limit, checked before a sweep starts.

Every host in flight holds a TCP socket, and a session that is being cut or abandoned may hold one
more while its thread ends; worker processes hold their own pipes and files. A sweep that runs out
of descriptors fails hosts with "too many open files", which looks like a network fault. So before
the sweep: raise the soft limit toward the hard limit where the system allows it, and if it is still
too low for the asked concurrency, lower the concurrency to what fits and say so in one line.

On Windows there is no such per-process limit for sockets (and no ``resource`` module): nothing to do.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

# Descriptors one host in flight may need: its socket, one more while a cut session's thread ends,
# and a spare for the odd file (CA bundle, Kerberos cache) a session opens.
FDS_PER_HOST = 3
# Descriptors the process needs besides the hosts: the interpreter, logs, the reports, the history
# database (with its WAL files), the simulator or a worker's pipes.
RESERVED_FDS = 64
# How far to raise the soft limit when the hard limit allows it (no need to take "unlimited").
TARGET_FDS = 65536

# Hosts in flight at once: what a user may ask for, and what "auto" (0) chooses. Real servers take
# seconds to run the collector, so a sweep's speed is set by how many sessions are open, not by the
# CPU: a waiting session costs a thread parked on its socket and its buffers, not CPU. Auto opens
# AUTO_PER_CORE per core (the CPU each finished host needs is what a core can give that many hosts
# answering in a few seconds), at most AUTO_MAX, and never more than the memory allows.
MAX_CONCURRENCY = 5000
AUTO_CONCURRENCY = 0
AUTO_PER_CORE = 128
AUTO_MAX = 1024
# Memory a session in flight may hold at its peak: its thread's stack as touched, its socket
# buffers, the answer and its facts being parsed (measured: bench/slow_sweep.py prints it).
SESSION_BYTES = 4 * 1024 * 1024
# A lean session (scanner.transport.lean_session, the default for NTLM and Basic) waits as a task and a
# socket, without a thread, and a finished host costs about 5 ms of CPU: a core keeps several hundred
# such sessions busy. Measured at 2,000 in flight: about 20 KB a waiting session, 174 MB for the whole
# 2,000-host sweep (bench/slow_sweep.py); the budget below leaves room for the answer being parsed.
AUTO_PER_CORE_LEAN = 512
AUTO_MAX_LEAN = 2048
LEAN_SESSION_BYTES = 256 * 1024


def auto_concurrency(hosts: int, available_bytes: int | None = None, cores: int | None = None, *,
                     lean: bool = False) -> tuple[int, str]:
    """The concurrency "auto" stands for on this machine, and one line that says how it was chosen.
    ``lean``: every session runs on the lean path (no thread each); otherwise some need a thread."""
    cores = cores or os.cpu_count() or 1
    if available_bytes is None:
        import psutil

        available_bytes = int(psutil.virtual_memory().available)
    per_core, most, session = (AUTO_PER_CORE_LEAN, AUTO_MAX_LEAN, LEAN_SESSION_BYTES) if lean \
        else (AUTO_PER_CORE, AUTO_MAX, SESSION_BYTES)
    by_cpu = min(most, per_core * cores)
    by_memory = max(1, available_bytes // 4 // session)  # a quarter of what is free
    chosen = max(1, min(by_cpu, by_memory, hosts))
    why = (f"{per_core} per CPU core x {cores}" if chosen == by_cpu
           else f"a quarter of the {available_bytes // 2**20} MiB free memory" if chosen == by_memory
           else f"{hosts} hosts to scan")
    return chosen, f"exready: scanning up to {chosen} hosts at once (auto: {why}; --concurrency sets it)"


@dataclass(frozen=True, slots=True)
class FileLimit:
    concurrency: int  # what the sweep may use
    soft: int | None  # the soft limit after any raise (None: not applicable on this platform)
    hard: int | None
    raised_from: int | None = None  # the soft limit before we raised it
    message: str = ""  # one line for the user when the concurrency was lowered, else ""


def needed_fds(concurrency: int, abandon_cap: int = 0) -> int:
    """Descriptors a sweep of ``concurrency`` hosts (plus abandoned sessions) may hold at once."""
    return RESERVED_FDS + FDS_PER_HOST * (concurrency + (abandon_cap or concurrency))


def check_file_limit(concurrency: int, abandon_cap: int = 0) -> FileLimit:
    """Raise the soft RLIMIT_NOFILE toward what ``concurrency`` needs (up to the hard limit), and cap
    the concurrency to what the resulting limit allows."""
    if sys.platform == "win32":
        return FileLimit(concurrency, None, None)
    try:
        import resource
    except ImportError:  # pragma: no cover - POSIX without resource: nothing we can check
        return FileLimit(concurrency, None, None)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = needed_fds(concurrency, abandon_cap)
    raised_from: int | None = None
    if _below(soft, need):
        target = max(need, TARGET_FDS) if hard == resource.RLIM_INFINITY else min(max(need, TARGET_FDS), hard)
        if _below(soft, target):
            try:
                resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
                raised_from, soft = soft, target
            except (ValueError, OSError):
                pass  # not allowed here (a container, a hard limit we misread): keep the soft limit
    if not _below(soft, need):
        return FileLimit(concurrency, _finite(soft), _finite(hard), raised_from)
    fits = max(1, (soft - RESERVED_FDS) // (2 * FDS_PER_HOST)) if abandon_cap == 0 \
        else max(1, (soft - RESERVED_FDS - FDS_PER_HOST * abandon_cap) // FDS_PER_HOST)
    fits = min(fits, concurrency)
    message = (f"exready: the open-file limit is {soft} (hard limit {_text(hard)}): scanning {fits} hosts at "
               f"once instead of {concurrency} (raise it with 'ulimit -n {need}' to use {concurrency})")
    return FileLimit(fits, _finite(soft), _finite(hard), raised_from, message)


def _below(limit: int, value: int) -> bool:
    import resource

    return limit != resource.RLIM_INFINITY and limit < value


def _finite(limit: int) -> int | None:
    import resource

    return None if limit == resource.RLIM_INFINITY else limit


def _text(limit: int) -> str:
    value = _finite(limit)
    return "unlimited" if value is None else str(value)
