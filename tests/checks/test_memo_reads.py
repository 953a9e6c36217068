"""What each rule reads of its host: everything goes through the reads RuleContext records, which the
evaluation memo keys verdicts on (scanner.evaluate.memo).

Every rule of every version runs over the varied hosts of tests/checks/memo_fleet.py with an
instrumented host: its facts table and the Host and HostFacts objects report every access and who made
it. Then:
- every host fact a rule looked up is among the reads the context recorded, and nothing of the
  HostFacts or Host object is read but through RuleContext.peek and short_name (the engine's own use of
  the host's name, to write it into the verdict and to check it, excepted);
- a rule that did not read the host's name gives the same verdict (host aside) for a host with another
  name, FQDN and address; and the same verdict when every fact it did not read is dropped, or is made
  unreadable: what it did not record cannot change what it says;
- the reads stay within what the rule declares (RuleMeta.facts), the computer's name for
  ``short_name`` aside.
A rule whose reads path was already checked for a version is not run again with it (the memo's own
tree says which were): each distinct path is checked once.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from scanner.checks import EXCHANGE_VERSIONS, RuleContext, load_catalog
from scanner.checks.catalog import Catalog
from scanner.checks.context import HOST_NAME_READ, is_host_fact
from scanner.checks.rule import Rule
from scanner.evaluate import EvaluationParams, peer_facts, run_rule
from scanner.evaluate.engine import _malformed
from scanner.evaluate.memo import RuleMemo
from scanner.model.facts import Fact, FactStatus, HostFacts
from scanner.model.host import Host
from scanner.model.outcome import HostOutcome
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict
from tests.checks.memo_fleet import directory, fleet

CHECKS = Path(__file__).resolve().parents[2] / "scanner" / "checks"
# Where the engine itself reads the host: to write its name into a verdict, to check a verdict names it,
# to log a rule's failure. short_name's read is the rule's, and it records it.
_ENGINE = {RuleContext.verdict.__code__, run_rule.__code__, _malformed.__code__}
_READERS = {RuleContext.peek.__code__, RuleContext.short_name.fget.__code__,  # type: ignore[attr-defined]
            HostFacts.get.__code__}  # called by peek


class _Table(dict[str, Fact]):
    """A host's facts table that notes every name looked up, and any listing of it."""

    def __init__(self, table: dict[str, Fact], seen: set[str]) -> None:
        super().__init__(table)
        self.seen = seen

    def get(self, key: str, default: Any = None) -> Any:
        self.seen.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> Fact:
        self.seen.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self.seen.add(str(key))
        return super().__contains__(key)

    def __iter__(self) -> Iterator[str]:
        self.seen.add("(listing)")
        return super().__iter__()

    def keys(self) -> Any:
        self.seen.add("(listing)")
        return super().keys()

    def items(self) -> Any:
        self.seen.add("(listing)")
        return super().items()

    def values(self) -> Any:
        self.seen.add("(listing)")
        return super().values()


_outside: list[str] = []  # accesses to the Host or HostFacts objects from anywhere but the readers


def _note(obj: object, name: str) -> None:
    caller = sys._getframe(2).f_code
    if caller not in _ENGINE and caller not in _READERS:
        _outside.append(f"{type(obj).__name__}.{name} from {caller.co_name} ({caller.co_filename})")


class _SpyHost(Host):
    __slots__ = ()

    def __getattribute__(self, name: str) -> Any:
        _note(self, name)
        return object.__getattribute__(self, name)


class _SpyHostFacts(HostFacts):
    __slots__ = ()

    def __getattribute__(self, name: str) -> Any:
        _note(self, name)
        return object.__getattribute__(self, name)


@dataclass(frozen=True)
class _Case:
    version: str
    params: EvaluationParams


@cache
def _cases() -> tuple[_Case, ...]:
    org, installer = directory()
    peers = peer_facts(fleet())
    cases = [_Case(v, EvaluationParams(v, org=org, installer=installer, peers=peers)) for v in EXCHANGE_VERSIONS]
    cases += [_Case(v, EvaluationParams(v)) for v in EXCHANGE_VERSIONS]  # no AD, no installer account
    return tuple(cases)


def _context(rule_id: str, host: Host, facts: HostFacts | None, params: EvaluationParams,
             reads: list[tuple[str, Any]] | None) -> RuleContext:
    return RuleContext(rule_id=rule_id, host=host, host_facts=facts, org=params.org,
                       exchange_version=params.exchange_version, cu=params.cu, installer=params.installer,
                       peers=params.peers, reads=reads)


def _neutral(v: Verdict) -> Verdict:
    return replace(v, host="")


def _check(rule: Rule, params: EvaluationParams, outcome: HostOutcome) -> tuple[Verdict, list[tuple[str, Any]],
                                                                               list[str]]:
    """Run ``rule`` on ``outcome`` instrumented, then perturbed: its verdict, its reads, what is wrong."""
    facts = outcome.facts if outcome.ok else None
    looked: set[str] = set()
    spy_facts = None if facts is None else _SpyHostFacts(facts.host, _Table(dict(facts.facts), looked),
                                                         facts.collector_version)
    spy_host = _SpyHost(name=outcome.host.name, fqdn=outcome.host.fqdn, address=outcome.host.address)
    reads: list[tuple[str, Any]] = []
    _outside.clear()
    verdict = run_rule(rule, _context(rule.id, spy_host, spy_facts, params, reads))
    where = f"{rule.id} ({params.exchange_version}) on {outcome.host.name}"
    names = {n for n, _ in reads}
    problems = []
    if _outside:
        problems.append(f"{where} read its host outside the recorded reads: {_outside[:3]}")
    if looked - names:
        problems.append(f"{where} looked up unrecorded facts {sorted(looked - names)}")
    # perturb everything not read: the verdict must not move
    table = dict(facts.facts) if facts is not None else {}
    host = outcome.host if HOST_NAME_READ in names else Host(
        name=f"{outcome.host.name}-OTHER", fqdn="other.example.test", address="127.9.9.9")
    kept = {n: f for n, f in table.items() if n in names}
    unreadable = {n: (f if n in names else Fact(n, FactStatus.UNREADABLE, error="perturbed")) for n, f in table.items()}
    for label, changed in (("dropped", kept), ("unreadable", unreadable)):
        other = None if facts is None else HostFacts(host.name, changed, "perturbed")
        again = run_rule(rule, _context(rule.id, host, other, params, None))
        if _neutral(again) != _neutral(verdict):
            problems.append(f"{where}: unread facts {label} or another host name changed the verdict: "
                            f"{verdict} / {again}")
    return verdict, reads, problems


@cache
def _checked() -> dict[str, Any]:
    """Every rule, every case, every host: the findings of the module doc, and what was covered."""
    catalog: Catalog = load_catalog()
    problems: list[str] = []
    undeclared: dict[str, set[str]] = {}
    paths = 0
    for case in _cases():
        memo = RuleMemo(catalog, case.params, per_rule=10**9)
        for outcome in fleet():
            facts = outcome.facts if outcome.ok else None
            seen = memo.start_host(facts, outcome.host.name)
            for rule in catalog.rules_for(case.version):
                if facts is None and rule.needs_host_facts:
                    continue  # never run: the engine gives such hosts UNKNOWN without the rule
                if memo.lookup(rule.id, seen) is not None:
                    continue  # this path of reads was checked already
                verdict, reads, found = _check(rule, case.params, outcome)
                problems += found
                extra = {n for n, _ in reads if n != HOST_NAME_READ} - set(rule.meta.facts) - {"computer.name"}
                if extra:
                    undeclared.setdefault(rule.id, set()).update(extra)
                memo.store(rule.id, reads, verdict, seen)
                paths += 1
    return {"problems": problems, "undeclared": undeclared, "paths": paths}


def test_every_rule_reads_its_host_only_through_recorded_reads() -> None:
    found = _checked()
    assert found["problems"] == []
    assert found["paths"] > 2000  # the fleet reached many distinct paths, not a handful


def _meta(rule_id: str, facts: tuple[str, ...]) -> RuleMeta:
    return RuleMeta(id=rule_id, severity=Severity.ERROR, scope=Scope.HOST, versions=("2019",),
                    title=Text(en="t", fr="t"), remediation=Text(en="r", fr="r"), help_url="", facts=facts)


def _reads_the_table(ctx: RuleContext) -> Verdict:
    assert ctx.host_facts is not None
    return ctx.passed(str(len(ctx.host_facts.facts)))  # every fact, unrecorded


def _reads_the_fqdn(ctx: RuleContext) -> Verdict:
    return ctx.passed(f"on {ctx.host.fqdn}")


def _reads_the_table_by_name(ctx: RuleContext) -> Verdict:
    assert ctx.host_facts is not None
    caption = ctx.host_facts.facts.get("os.caption")  # a fact, but not through peek
    return ctx.passed(str(caption.value if caption else None))


@pytest.mark.parametrize("evaluate", [_reads_the_table, _reads_the_fqdn, _reads_the_table_by_name])
def test_the_instrumented_run_catches_a_rule_reading_its_host_behind_the_context(
        evaluate: Callable[[RuleContext], Verdict]) -> None:
    rule = Rule(_meta("Sneaky", ("os.caption",)), evaluate, "sneaky")
    outcome = next(o for o in fleet() if o.ok and o.facts is not None and o.facts.get("os.caption") is not None)
    _, _, problems = _check(rule, EvaluationParams("2019"), outcome)
    assert problems and all("Sneaky" in p for p in problems)


def test_the_instrumented_run_passes_a_rule_that_reads_through_the_context() -> None:
    def honest(ctx: RuleContext) -> Verdict:
        return ctx.passed(f"{ctx.short_name}: {ctx.optional('os.caption')}")

    outcome = next(o for o in fleet() if o.ok and o.facts is not None and o.facts.get("os.caption") is not None)
    verdict, reads, problems = _check(Rule(_meta("Honest", ("os.caption",)), honest, "honest"),
                                      EvaluationParams("2019"), outcome)
    assert problems == []
    assert [n for n, _ in reads] == ["computer.name", "os.caption"]
    assert verdict.detail.endswith(str(outcome.facts.get("os.caption").value))  # type: ignore[union-attr]


def test_reads_stay_within_the_declared_facts() -> None:
    assert _checked()["undeclared"] == {}


def test_no_rule_module_reaches_the_host_but_through_the_context_readers() -> None:
    """The static side of the same rule: outside context.py, nothing in the check layer touches a
    context's ``host``, ``host_facts`` or ``reads``."""
    offenders = []
    for path in sorted(CHECKS.rglob("*.py")):
        if path.name == "context.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in {"host", "host_facts", "reads"}:
                offenders.append(f"{path.relative_to(CHECKS)}:{node.lineno} .{node.attr}")
    assert offenders == []


def test_short_name_records_the_host_name_only_when_it_falls_back_to_it() -> None:
    reads: list[tuple[str, Any]] = []
    named = HostFacts("EX01", {"computer.name": Fact("computer.name", FactStatus.PRESENT, "ex01")})
    assert _context("R", Host("EX01"), named, EvaluationParams("2019"), reads).short_name == "EX01"
    assert reads == [("computer.name", named.facts["computer.name"])]
    reads.clear()
    assert _context("R", Host("EX02"), HostFacts("EX02", {}), EvaluationParams("2019"), reads).short_name == "EX02"
    assert reads == [("computer.name", None), (HOST_NAME_READ, "EX02")]


def test_organisation_and_installer_reads_are_not_host_reads() -> None:
    org, installer = directory()
    reads: list[tuple[str, Any]] = []
    ctx = _context("R", Host("EX01"), HostFacts("EX01", {}), EvaluationParams("2019", org=org, installer=installer),
                   reads)
    ctx.peek("ad.exchange_servers")
    ctx.peek("installer.account")
    assert not is_host_fact("ad.exchange_servers")
    assert reads == []
