"""One sweep per zone at a time in a PostgreSQL history: a session advisory lock held by the server.

The server drops a session's advisory locks when the session ends (the scanner exits, is killed, or
loses its connection), so a dead sweep never leaves a stale lock, and no file is shared between
machines. The holder also writes who it is into ``zone_locks`` so the next sweep can name it; that row
is only a label, the advisory lock is the truth.
"""

from __future__ import annotations

import os
import re
import socket
import time
import zlib
from datetime import UTC, datetime

from scanner.errors import HistoryError, HistoryUnavailable
from scanner.history.backend import LOCK_SPACE, PostgresBackend

DEFAULT_ZONE = "default"
_ZONE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")
_POLL_S = 0.5


def check_zone(zone: str) -> str:
    """A zone name: letters, digits, '.', '-', '_', up to 63 characters. Raises HistoryError."""
    if not _ZONE.fullmatch(zone):
        raise HistoryError(
            f"zone {zone!r}: use letters, digits, '.', '-' and '_' (up to 63 characters)"
        )
    return zone


def zone_key(zone: str) -> int:
    """The advisory lock's second key: 31 bits of the zone name's CRC-32 (non-negative, so it reads
    back the same in pg_locks.objid). Two zones sharing a key would only serialise each other."""
    return zlib.crc32(zone.encode("utf-8")) & 0x7FFFFFFF


class ZoneLock:
    """The zone locks one store holds, on that store's connection."""

    def __init__(self, db: PostgresBackend) -> None:
        self.db = db
        self.zones: set[str] = set()

    @property
    def held(self) -> bool:
        return bool(self.zones)

    def acquire(self, zone: str, wait_s: float = 0.0) -> None:
        if zone in self.zones:
            return
        deadline = time.monotonic() + max(wait_s, 0.0)
        while True:
            with self.db.errors("take the zone lock"):
                got = bool(self.db.execute(
                    "SELECT pg_try_advisory_lock(?, ?)", (LOCK_SPACE, zone_key(zone))
                ).fetchone()[0])
            if got:
                break
            if time.monotonic() >= deadline:
                holder = self._holder(zone)
                waited = f"after waiting {wait_s:g} s" if wait_s > 0 else "(use --lock-wait SECONDS to wait)"
                raise HistoryError(
                    f"another sweep of zone {zone!r} is using the history database {self.db.where}"
                    f"{holder} {waited}"
                )
            time.sleep(_POLL_S)
        self.zones.add(zone)
        label = f"pid {os.getpid()} on {socket.gethostname()} since {datetime.now(UTC).isoformat(timespec='seconds')}"
        with self.db.errors("label the zone lock"):
            self.db.execute(
                self.db.upsert("zone_locks", ("zone", "holder", "since"), ("zone",)),
                (zone, label, datetime.now(UTC).isoformat(timespec="seconds")),
            )

    def reacquire(self) -> None:
        """After a reconnect: the old session's locks died with it; take them again at once."""
        zones, self.zones = set(self.zones), set()
        for zone in sorted(zones):
            self.acquire(zone, 0.0)

    def release(self) -> None:
        zones, self.zones = self.zones, set()
        if self.db.broken:
            return  # the server dropped them with the session
        for zone in zones:
            try:
                with self.db.errors("release the zone lock"):
                    self.db.execute("DELETE FROM zone_locks WHERE zone = ?", (zone,))
                    self.db.execute("SELECT pg_advisory_unlock(?, ?)", (LOCK_SPACE, zone_key(zone)))
            except HistoryUnavailable:
                return
            except HistoryError:
                continue  # closing the connection releases it anyway

    def is_held_anywhere(self, zone: str) -> bool:
        """Whether any session holds ``zone``'s lock now (read from pg_locks; takes nothing)."""
        if zone in self.zones:
            return True
        row = self.db.execute(
            "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2"
            " AND classid::bigint = ? AND objid::bigint = ?",
            (LOCK_SPACE, zone_key(zone)),
        ).fetchone()
        return row is not None

    def _holder(self, zone: str) -> str:
        try:
            with self.db.errors("read the zone lock"):
                row = self.db.execute("SELECT holder FROM zone_locks WHERE zone = ?", (zone,)).fetchone()
        except HistoryError:
            return ""
        return f" ({row[0]})" if row else ""
