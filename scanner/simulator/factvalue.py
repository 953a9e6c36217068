"""One fact as the collector reports it (the simulator's side of the wire shape)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PRESENT, ABSENT, UNREADABLE = "present", "absent", "unreadable"


@dataclass(frozen=True, slots=True)
class FactValue:
    """One fact as the collector reports it."""

    status: str  # present | absent | unreadable
    value: Any = None
    error: str | None = None
