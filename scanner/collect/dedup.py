"""Sharing equal values between hosts' results, so a big sweep's memory follows its hosts, not their
copies of the same text.

A sweep keeps every host's facts and verdicts until its reports are written. Across a site most of
them are equal: the same KB list, the same "fact missing" evidence, the same detail line, on
thousands of hosts. The ``Interner`` keeps one copy of each such value and hands it back for every
equal one. Values are facts' and verdicts' JSON-like payloads (str, int, float, bool, None, list,
dict), which nothing mutates after they are built; the frozen objects holding them are fresh and not
yet shared when their fields are swapped for the interned copies, so no reader ever sees a change.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from scanner.model.facts import Fact, HostFacts
from scanner.model.matrix import Cell
from scanner.model.outcome import HostOutcome
from scanner.model.verdict import Verdict

_MAX_DEPTH = 12  # deeper values are kept as they are
_MISSING = object()


class Interner:
    """One shared copy per distinct value. Safe to call from several threads."""

    def __init__(self) -> None:
        self._values: dict[Any, Any] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._values)

    def value(self, value: Any) -> Any:
        key = _key(value, 0)
        if key is None:
            return value
        shared = self._values.get(key, _MISSING)
        if shared is not _MISSING:
            return shared
        with self._lock:
            return self._values.setdefault(key, value)

    def facts(self, facts: HostFacts) -> HostFacts:
        if type(facts.facts) is dict:  # fact names are identifiers: one copy each, keys included
            _swap(facts, "facts", {sys.intern(k): f for k, f in facts.facts.items()})
        for fact in facts.facts.values():
            _swap(fact, "name", sys.intern(fact.name))
            _swap(fact, "value", self.value(fact.value))
            if fact.error is not None:
                _swap(fact, "error", self.value(fact.error))
        return facts

    def outcome(self, outcome: HostOutcome) -> HostOutcome:
        if outcome.facts is not None:
            self.facts(outcome.facts)
        return outcome

    def verdicts(self, verdicts: Sequence[Verdict]) -> Sequence[Verdict]:
        for v in verdicts:
            _swap(v, "rule_id", sys.intern(v.rule_id))
            if v.detail:
                _swap(v, "detail", self.value(v.detail))
            if v.evidence:
                _swap(v, "evidence", self.value(v.evidence))
        return verdicts

    def cells(self, cells: Sequence[Cell]) -> Sequence[Cell]:
        for c in cells:
            _swap(c, "role", sys.intern(c.role))
            for name in ("blocking", "warnings", "unknown", "reason"):
                current = getattr(c, name)
                if current:
                    _swap(c, name, self.value(current))
        return cells


def _swap(obj: Fact | Verdict | Cell | HostFacts, name: str, value: Any) -> None:
    if getattr(obj, name) is not value:
        object.__setattr__(obj, name, value)  # a fresh, unshared frozen value: see the module doc


def _key(value: Any, depth: int) -> Any:
    """A hashable stand-in that is equal exactly when the values are equal and of the same types
    (so 1, 1.0 and True stay apart); None for what is not worth sharing or cannot be keyed."""
    if isinstance(value, str):
        return value if value else None
    if depth >= _MAX_DEPTH:
        return None
    if isinstance(value, bool) or value is None:
        return None  # singletons already
    if isinstance(value, int | float):
        return (type(value), value)
    if isinstance(value, tuple | list):
        items = [_key(x, depth + 1) if not _plain(x) else x for x in value]
        if any(k is None and not _plain(x) for k, x in zip(items, value, strict=True)):
            return None
        return (type(value), tuple(items))
    if isinstance(value, Mapping) and type(value) is dict:
        pairs = []
        for k, x in value.items():
            if not isinstance(k, str):
                return None
            kx = x if _plain(x) else _key(x, depth + 1)
            if kx is None and not _plain(x):
                return None
            pairs.append((k, type(x), kx))
        return (dict, tuple(pairs))
    return None


def _plain(x: Any) -> bool:
    return x is None or isinstance(x, bool)
