"""Per-host counters of the simulator, and their snapshot for tests and benchmarks."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass
class HostCounters:
    connections: int = 0
    requests: int = 0
    auth_ok: int = 0
    auth_fail: int = 0
    shells_opened: int = 0
    shells_closed: int = 0
    shells_expired: int = 0
    shells_refused: int = 0  # over the host's shell quota
    scripts_run: int = 0
    faults_injected: int = 0
    envelopes_refused: int = 0  # requests over the host's MaxEnvelopeSizekb (HTTP 413)

    def snapshot(self) -> HostStats:
        return HostStats(**asdict(self))


@dataclass(frozen=True, slots=True)
class HostStats:
    connections: int = 0
    requests: int = 0
    auth_ok: int = 0
    auth_fail: int = 0
    shells_opened: int = 0
    shells_closed: int = 0
    shells_expired: int = 0
    shells_refused: int = 0
    scripts_run: int = 0
    faults_injected: int = 0
    envelopes_refused: int = 0
    shells_open: int = 0

    def __add__(self, other: HostStats) -> HostStats:
        return HostStats(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})


@dataclass(frozen=True, slots=True)
class SimStats:
    hosts: Mapping[str, HostStats]

    @property
    def totals(self) -> HostStats:
        total = HostStats()
        for s in self.hosts.values():
            total = total + s
        return total

    def host(self, name: str) -> HostStats:
        return self.hosts[name.upper()]

    def to_json(self) -> dict[str, Any]:
        return {"totals": asdict(self.totals), "hosts": {n: asdict(s) for n, s in self.hosts.items()}}

    @staticmethod
    def from_json(doc: Mapping[str, Any]) -> SimStats:
        return SimStats({str(n): HostStats(**s) for n, s in doc.get("hosts", {}).items()})

    @staticmethod
    def of(items: Iterable[tuple[str, HostStats]]) -> SimStats:
        return SimStats(dict(items))
