"""One sweep at a time per history database: an OS-level lock on a file beside the database.

The operating system drops the lock when the holder dies, even on SIGKILL, so a killed sweep never
leaves a stale lock behind. fcntl.flock on POSIX, msvcrt.locking on Windows. The holder writes its pid
and start time into the file so the next sweep can say who holds it.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO

from scanner.errors import HistoryError

_POLL_S = 0.2


def lock_path_for(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


class SweepLock:
    """Exclusive, non-reentrant. ``acquire(wait_s)`` waits up to ``wait_s`` seconds, then raises a
    HistoryError that names the database and the holder."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self.path = lock_path_for(db_path)
        self._file: IO[str] | None = None

    @property
    def held(self) -> bool:
        return self._file is not None

    def acquire(self, wait_s: float = 0.0) -> None:
        if self._file is not None:
            return
        try:
            handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held until release()
        except OSError as exc:
            raise HistoryError(f"cannot create the lock file {self.path}: {exc.strerror or exc}") from exc
        deadline = time.monotonic() + max(wait_s, 0.0)
        while True:
            if _try_lock(handle):
                break
            if time.monotonic() >= deadline:
                holder = _read_holder(self.path)
                handle.close()
                waited = f"after waiting {wait_s:g} s" if wait_s > 0 else "(use --lock-wait SECONDS to wait)"
                raise HistoryError(
                    f"another sweep is using the history database {self.db_path}{holder} {waited}"
                )
            time.sleep(_POLL_S)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} since {datetime.now(UTC).isoformat(timespec='seconds')}\n")
        handle.flush()
        self._file = handle

    def release(self) -> None:
        handle, self._file = self._file, None
        if handle is None:
            return
        try:
            handle.seek(0)
            handle.truncate()
            _unlock(handle)
        finally:
            handle.close()

    def __enter__(self) -> SweepLock:
        self.acquire()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


def is_locked(db_path: Path) -> bool:
    """Whether some process holds the sweep lock right now (a probe that takes and drops it)."""
    path = lock_path_for(db_path)
    if not path.exists():
        return False
    try:
        with open(path, "a+", encoding="utf-8") as handle:
            if _try_lock(handle):
                _unlock(handle)
                return False
            return True
    except OSError:
        return False


def _read_holder(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError:
        return ""
    return f" ({text})" if text else ""


if sys.platform == "win32":
    import msvcrt

    def _try_lock(handle: IO[str]) -> bool:
        handle.seek(0)
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(handle: IO[str]) -> None:
        handle.seek(0)
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
        except OSError:
            pass

else:
    import fcntl

    def _try_lock(handle: IO[str]) -> bool:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(handle: IO[str]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
