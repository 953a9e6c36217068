"""Typed facts: what the collector read from one host, and what AD says about the organisation.

Every fact is present (with a value), absent (the thing is not there: no such key, file or value), or
unreadable (the read failed, with the error). A failed read never masquerades as "not installed".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

FACTS_SCHEMA_VERSION = 1


class FactStatus(StrEnum):
    PRESENT = "present"
    ABSENT = "absent"
    UNREADABLE = "unreadable"


@dataclass(frozen=True, slots=True)
class Fact:
    name: str
    status: FactStatus
    value: Any = None  # JSON-compatible: str, int, bool, None, list, dict
    error: str | None = None

    @property
    def present(self) -> bool:
        return self.status is FactStatus.PRESENT


@dataclass(frozen=True, slots=True)
class HostFacts:
    """All facts from one collector run on one host. Missing keys mean the collector never said."""

    host: str
    facts: Mapping[str, Fact]
    collector_version: str = ""
    schema_version: int = FACTS_SCHEMA_VERSION

    def get(self, name: str) -> Fact | None:
        return self.facts.get(name)


@dataclass(frozen=True, slots=True)
class OrgFacts:
    """Organisation-level facts read once per sweep from Active Directory (None: AD was not read)."""

    facts: Mapping[str, Fact] = field(default_factory=dict)
    source: str = ""  # the DC URL they came from

    def get(self, name: str) -> Fact | None:
        return self.facts.get(name)
