"""The host x role matrix."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class CellStatus(StrEnum):
    READY = "READY"
    READY_WITH_WARNINGS = "READY_WITH_WARNINGS"
    BLOCKED = "BLOCKED"
    UNKNOWN = "UNKNOWN"


@dataclass(frozen=True, slots=True)
class Cell:
    host: str
    role: str
    status: CellStatus
    blocking: tuple[str, ...] = ()  # rule ids that fail with severity error
    warnings: tuple[str, ...] = ()  # rule ids that warn (or fail with severity warning)
    unknown: tuple[str, ...] = ()  # rule ids whose verdict is unknown
    reason: str = ""  # why UNKNOWN, one line
