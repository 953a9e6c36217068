"""Which hosts start first.

A sweep ends when its slowest host does. A host that hangs until its deadline, started late, holds
the whole sweep for that deadline after every other host is done (six such hosts made the last 14 s
of a 70 s run). Started first, their wait overlaps everybody else's work. So the hosts that were
slow last time, or timed out, go first, the slowest first (the classic longest-first rule for
keeping parallel workers busy to the end); hosts with no past go after them, in a middle place
(the median of the known times), and the rest follow slowest first. The order of the reports does
not change: it is the inventory's.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence

from scanner.model.host import Host
from scanner.model.outcome import OutcomeKind

# Outcomes that spent a host's whole deadline (or most of it): as slow as a host can be.
_WAITED = frozenset({OutcomeKind.TIMEOUT.value})


def expected_seconds(last: Mapping[str, tuple[str, float]], deadline: float) -> dict[str, float]:
    """How long each host is expected to take, from its last outcome (kind, seconds)."""
    return {name: (deadline if kind in _WAITED else seconds) for name, (kind, seconds) in last.items()}


def slow_first(hosts: Sequence[Host], expected: Mapping[str, float]) -> list[Host]:
    """``hosts`` in the order to start them: longest expected time first; hosts with no past at the
    median of the known times, after the known hosts of that time. Stable: otherwise equal hosts keep
    the inventory order."""
    if not expected:
        return list(hosts)
    known = [expected[h.name] for h in hosts if h.name in expected]
    middle = statistics.median(known) if known else 0.0
    return sorted(hosts, key=lambda h: (-expected.get(h.name, middle), h.name not in expected))
