"""Each rule judged once per distinct input: a memo of verdicts keyed by exactly what a rule read.

Across a site most hosts look alike, so most rules see the same few inputs again and again (a sweep of
5,000 hosts gave 585,000 verdicts of which 143 differed in more than their host). A rule is a pure
function of its RuleContext. Within one memo everything of the context but the host is fixed: the
catalog, the Exchange version and CU, the organisation and installer facts and the peers are those of
the evaluation parameters the memo was made for. What varies is the host, and a rule reads it only
through ``RuleContext.peek`` and ``short_name``, which record each read (``RuleContext.reads``).

So the memo keeps, per rule, a decision tree of those reads: each branch is the next thing the rule
read (a fact's name, or the host's own name) and its children are keyed by what was found (the whole
fact: status, value with its exact types, error; or the name). A rule that read the same things and
found the same answers took the same path and reached the same verdict, so a host whose answers lead
to a leaf gets that verdict without running the rule. Reads that depend on earlier answers are
branches further down: the tree is exact whatever a rule reads, with no list of facts to keep in step.

Only the verdict's host differs between hosts; detail and evidence come out of the reads, and a rule
that wrote the host's name into its text read it (``short_name``), so it is part of the key. A hit is
a new Verdict with this host's name and the leaf's detail and evidence objects, shared (nothing mutates
them; the Interner already shares equal ones).

What it does not keep: RULE_ERROR verdicts (a rule that raised runs again on every host, so the log
names every host it failed on), and a rule whose reads ever disagree with its own tree (it would not be
a function of its reads) is no longer memoized in that memo. Bounded: at most ``per_rule`` leaves per
rule, then that rule's tree stops growing (lookups still answer), or, when it answered fewer hosts
than it holds inputs (a rule that reads the computer's name meets a new input on every host), it is
dropped and the rule runs on every host from then on; and the memo is forgotten when the date changes,
since a rule may compare with today (the support-status rule does).
"""

from __future__ import annotations

import pickle
import threading
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from scanner.checks.context import HOST_NAME_READ
from scanner.model.facts import Fact, HostFacts
from scanner.model.verdict import Verdict

# Enough for every input a site's profiles give a rule; a rule whose input differs on every host (one
# that reads the host's name) is dropped there (see store).
DEFAULT_PER_RULE = 512
_VALUE_KEYS = 4096  # pickled values remembered by identity (facts interned across hosts share theirs)
_PROTOCOL = 5
_SCALARS = (int, float, bool, type(None))
_UNSEEN = object()


class _NoKey(Exception):
    """A value that cannot be keyed exactly: that host's verdict is not memoized."""


class _Branch:
    __slots__ = ("children", "read")

    def __init__(self, read: str) -> None:
        self.read = read
        self.children: dict[Any, _Branch | Verdict] = {}


class HostReads:
    """One host's answers to the reads the trees ask for, each keyed once per host."""

    __slots__ = ("_facts", "_memo", "keys", "name")

    def __init__(self, memo: RuleMemo, facts: HostFacts | None, name: str) -> None:
        self._memo = memo
        self._facts = facts.facts if facts is not None else None
        self.keys: dict[str, Any] = {}  # each read's key, worked out once per host
        self.name = name

    def key(self, read: str) -> Any:
        key: Any = self.keys.get(read, _UNSEEN)
        if key is not _UNSEEN:
            return key
        if read == HOST_NAME_READ:
            key = self.name
        else:
            key = self._memo.fact_key(self._facts.get(read) if self._facts is not None else None)
        self.keys[read] = key
        return key


class RuleMemo:
    """The verdicts of one catalog with one set of evaluation parameters, by what each rule read.
    Safe to share between threads: lookups take no lock, and a tree grows only by linking in a
    finished branch."""

    def __init__(self, catalog: object, params: object, per_rule: int = DEFAULT_PER_RULE) -> None:
        self.catalog = catalog  # kept: the memo answers for these two objects only
        self.params = params
        self.per_rule = per_rule
        self.hits = 0
        self.misses = 0
        self._day = date.today()
        self._roots: dict[str, _Branch | Verdict] = {}
        self._leaves: dict[str, int] = {}
        self._hits: dict[str, int] = {}  # per rule
        self._off: set[str] = set()  # rules found not to be functions of their reads
        self._values: dict[int, tuple[Any, bytes]] = {}
        self._plan: tuple[tuple[Any, str, bool], ...] | None = None
        self._lock = threading.Lock()

    def serves(self, catalog: object, params: object) -> bool:
        return self.catalog is catalog and self.params is params

    def leaves(self) -> int:
        return sum(self._leaves.values())

    def start_host(self, facts: HostFacts | None, name: str) -> HostReads:
        today = date.today()
        if today != self._day:
            with self._lock:  # a new day: a verdict that compared with the old one may not hold
                self._day = today
                self._roots, self._leaves, self._hits, self._off = {}, {}, {}, set()
        return HostReads(self, facts, name)

    def plan(self, rules: Callable[[], Sequence[Any]]) -> tuple[tuple[Any, str, bool], ...]:
        """The rules to judge (``rules()``, asked once per memo: the catalog is frozen and the version
        is this memo's), each with its id and whether it needs host facts."""
        plan = self._plan
        if plan is None:
            plan = self._plan = tuple((r, r.id, r.needs_host_facts) for r in rules())
        return plan

    def lookup(self, rule_id: str, host: HostReads) -> Verdict | None:
        """The verdict the rule gave for the same reads, or None."""
        node = self._roots.get(rule_id)
        if type(node) is _Branch:
            keys = host.keys
            try:
                while type(node) is _Branch:
                    key = keys.get(node.read, _UNSEEN)
                    node = node.children.get(host.key(node.read) if key is _UNSEEN else key)
            except _NoKey:
                node = None
        if node is None:
            self.misses += 1
            return None
        self.hits += 1
        self._hits[rule_id] = self._hits.get(rule_id, 0) + 1
        return node  # type: ignore[return-value]  # a leaf: the loop leaves only a Verdict or None

    def store(self, rule_id: str, reads: Sequence[tuple[str, Any]], verdict: Verdict, host: HostReads) -> None:
        """Remember ``verdict`` (run on ``host``) under the reads it was made from."""
        if rule_id in self._off:
            return
        if self._leaves.get(rule_id, 0) >= self.per_rule:
            if self._hits.get(rule_id, 0) < self.per_rule:
                with self._lock:  # full, and it saved fewer runs than it holds: not worth its memory
                    self._disown(rule_id)
            return
        path: list[tuple[str, Any]] = []
        seen: set[str] = set()
        try:
            for name, _found in reads:
                if name not in seen:  # a second read of the same thing finds the same answer
                    seen.add(name)
                    path.append((name, host.key(name)))
        except _NoKey:
            return
        with self._lock:
            if rule_id in self._off:
                return
            node = self._roots.get(rule_id)
            if node is None:
                self._roots[rule_id] = _chain(path, verdict)
                self._leaves[rule_id] = self._leaves.get(rule_id, 0) + 1
                return
            for depth, (name, key) in enumerate(path):
                if type(node) is not _Branch or node.read != name:
                    self._disown(rule_id)
                    return
                child = node.children.get(key)
                if child is None:
                    node.children[key] = _chain(path[depth + 1:], verdict)  # linked in whole
                    self._leaves[rule_id] = self._leaves.get(rule_id, 0) + 1
                    return
                node = child
            if type(node) is _Branch:  # fewer reads than an earlier host with the same answers
                self._disown(rule_id)
            # else: a leaf another thread stored for the same reads meanwhile

    def _disown(self, rule_id: str) -> None:
        self._off.add(rule_id)
        self._roots.pop(rule_id, None)
        self._leaves.pop(rule_id, None)

    def fact_key(self, fact: Fact | None) -> Any:
        """Equal exactly when the facts are equal with the same types all the way down (1, 1.0 and
        True stay apart, and so do a list and a tuple); raises _NoKey when that cannot be said."""
        if fact is None:
            return None
        value = fact.value
        t = type(value)
        if t is str:
            vkey: Any = value
        elif t in _SCALARS:
            vkey = (t, value)
        else:
            vkey = self._value_key(value)
        status = fact.status
        # the whole fact: its name too (a table could file a fact under another name), and the status's
        # type (a plain "present" string is not FactStatus.PRESENT to ``Fact.present``)
        return (fact.name, type(status), status, fact.error, vkey)

    def _value_key(self, value: Any) -> bytes:
        known = self._values.get(id(value))
        if known is not None and known[0] is value:
            return known[1]
        try:
            key = pickle.dumps(value, _PROTOCOL)
        except Exception as exc:  # noqa: BLE001 - what cannot be pickled is simply not memoized
            raise _NoKey from exc
        if len(self._values) >= _VALUE_KEYS:
            self._values = {}
        self._values[id(value)] = (value, key)  # the value kept alive: its id stays its own
        return key


def _chain(path: Sequence[tuple[str, Any]], verdict: Verdict) -> _Branch | Verdict:
    node: _Branch | Verdict = verdict
    for name, key in reversed(path):
        branch = _Branch(name)
        branch.children[key] = node
        node = branch
    return node

