"""The open-file limit, checked before a sweep starts.

Every host in flight holds a TCP socket, and a session that is being cut or abandoned may hold one
more while its thread ends; worker processes hold their own pipes and files. A sweep that runs out
of descriptors fails hosts with "too many open files", which looks like a network fault. So before
the sweep: raise the soft limit toward the hard limit where the system allows it, and if it is still
too low for the asked concurrency, lower the concurrency to what fits and say so in one line.

On Windows there is no such per-process limit for sockets (and no ``resource`` module): nothing to do.
"""

from __future__ import annotations

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
