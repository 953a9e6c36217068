"""Sharing equal values between hosts' results, so a big sweep's memory follows its hosts, not their
copies of the same text.

A sweep keeps every host's facts and verdicts until its reports are written. Across a site most of
them are equal: the same KB list, the same "fact missing" evidence, the same detail line, on
thousands of hosts. The ``Interner`` keeps one copy of each such value and hands it back for every
equal one; a fact (name, status, value, error: nothing of its host) is shared whole. Values are
facts' and verdicts' JSON-like payloads (str, int, float, bool, None, list, dict), which nothing
mutates after they are built; the frozen objects holding them are fresh and not yet shared when
their fields are swapped for the interned copies, so no reader ever sees a change.

Equal means equal as the reports write it: the same types all the way down (1, 1.0 and True stay
apart, so do a list and a tuple) and the same key order. A value's pickle says exactly that, and
the C pickler makes it the cheapest exact key there is; a value it cannot pickle is not shared.
"""

from __future__ import annotations

import pickle
import sys
import threading
from collections.abc import Sequence
from typing import Any

from scanner.model.facts import Fact, HostFacts
from scanner.model.matrix import Cell
from scanner.model.outcome import HostOutcome
from scanner.model.verdict import Verdict

_MISSING = object()
# A verdict without evidence came with an empty dict of its own: 64 bytes each, about 30 verdicts of a
# healthy host's 134 (2 KB a host). They all share this one, which nothing mutates (as every shared
# value here).
_NO_EVIDENCE: dict[str, Any] = {}
_PROTOCOL = 5


class Interner:
    """One shared copy per distinct value. Safe to call from several threads."""

    def __init__(self) -> None:
        self._values: dict[Any, Any] = {}
        self._shared: dict[int, Any] = {}  # id -> a container in _values
        self._facts: dict[tuple[Any, ...], Fact] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._values) + len(self._facts)

    def value(self, value: Any) -> Any:
        if self._shared.get(id(value)) is value:
            return value  # already the shared copy (a report read back shares its objects as it reads)
        key = _key(value)
        if key is None:
            return value
        shared = self._values.get(key, _MISSING)
        if shared is not _MISSING:
            return shared
        with self._lock:
            shared = self._values.setdefault(key, value)
            if type(shared) is not str:
                self._shared[id(shared)] = shared  # kept alive by _values: its id stays its own
            return shared

    def facts(self, facts: HostFacts) -> HostFacts:
        """Fact names as identifiers, and every fact equal to one seen before replaced by that one."""
        table = facts.facts
        shared: dict[str, Fact] = {}
        for name, fact in table.items():
            name = sys.intern(name)
            value_key = _key(fact.value)
            if value_key is None and fact.value is not None and not isinstance(fact.value, bool):
                self._fresh_fact(fact, name)  # not shareable whole: its parts still are
                shared[name] = fact
                continue
            key = (name, fact.status, value_key if value_key is not None else fact.value, fact.error)
            found = self._facts.get(key)
            if found is None:
                self._fresh_fact(fact, name)
                with self._lock:
                    found = self._facts.setdefault(key, fact)
            shared[name] = found
        if type(table) is dict:
            _swap(facts, "facts", shared)
        return facts

    def _fresh_fact(self, fact: Fact, name: str) -> None:
        _swap(fact, "name", name)
        _swap(fact, "value", self.value(fact.value))
        if fact.error is not None:
            _swap(fact, "error", self.value(fact.error))

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
            elif type(v.evidence) is dict:
                _swap(v, "evidence", _NO_EVIDENCE)
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


def _key(value: Any) -> Any:
    """A hashable stand-in equal exactly when the values are equal and of the same types all the way
    down (see the module doc); None for what is not worth sharing or cannot be keyed."""
    if type(value) is str:
        return value
    if value is None or isinstance(value, bool):
        return None  # singletons already
    try:
        return pickle.dumps(value, _PROTOCOL)
    except Exception:  # noqa: BLE001 - whatever cannot be pickled is simply not shared
        return None
