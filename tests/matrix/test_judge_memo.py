"""The evaluation memo (scanner.evaluate.memo) changes nothing a sweep or history says: memoized and
unmemoized verdicts and cells are equal, host by host, over the varied hosts of tests/checks/memo_fleet.py
(every outcome kind, an OK outcome without facts, edited facts, peers) and the ways a rule can end
(pass, fail, warn, not applicable, FactUnavailable, RULE_ERROR); and it stays bounded."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from functools import cache
from typing import Any

import pytest

from scanner.checks import Catalog, RuleContext, build_catalog, load_catalog
from scanner.checks.rule import Rule
from scanner.evaluate import EvaluationParams, evaluate_host, peer_facts
from scanner.evaluate import memo as memo_module
from scanner.evaluate.memo import RuleMemo
from scanner.history.reevaluate import reevaluate
from scanner.matrix import judge as judge_module
from scanner.matrix.judge import assemble, judge, judge_loaded, memo_for
from scanner.model.facts import Fact, FactStatus, HostFacts, OrgFacts
from scanner.model.host import Host
from scanner.model.outcome import HostOutcome, OutcomeKind
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.run import RunInfo
from scanner.model.verdict import Status, UnknownReason, Verdict
from tests.checks.memo_fleet import PEER, directory, fleet, peer_outcome


@cache
def _catalog() -> Catalog:
    return load_catalog()


def _cases() -> list[EvaluationParams]:
    org, installer = directory()
    peers = peer_facts(fleet())
    return [
        EvaluationParams("2013"),  # no AD, no installer account, no peers
        EvaluationParams("2016", org=org, installer=installer, peers=peers),
        EvaluationParams("2019", cu=1, org=org),
        EvaluationParams("SE", org=org, installer=installer, peers=peers),
    ]


@pytest.mark.parametrize("params", _cases(), ids=lambda p: p.exchange_version)
def test_memoized_verdicts_and_cells_equal_running_every_rule(params: EvaluationParams) -> None:
    catalog = _catalog()
    memo = memo_for(catalog, params)
    statuses: set[tuple[Status, UnknownReason | None]] = set()
    for outcome in fleet():
        plain = judge(outcome, catalog, params, memoize=False)
        memoized = judge(outcome, catalog, params)
        assert memoized.verdicts == plain.verdicts, outcome.host.name
        assert memoized.cells == plain.cells, outcome.host.name
        statuses.update((v.status, v.reason) for v in plain.verdicts)
    assert memo.hits > 10 * memo.misses  # the memo answered, it was not bypassed
    # the fleet reached every way a verdict ends
    assert {s for s, _ in statuses} == set(Status)
    assert {UnknownReason.FACT_MISSING, UnknownReason.FACT_UNREADABLE, UnknownReason.UNREACHABLE,
            UnknownReason.TIMEOUT, UnknownReason.PROBE_ERROR} <= {r for _, r in statuses}
    if params.org.facts:
        assert any(r is UnknownReason.RULE_ERROR for _, r in statuses) or params.exchange_version != "2016"


def _org_with_sp3_peer() -> OrgFacts:
    """The demo directory with its Exchange 2010 server at SP3: only the server's own build (a peer
    fact) then tells whether it has RU11."""
    org, _ = directory()
    servers = org.facts["ad.exchange_servers"]
    edited = [({**s, "serial_number": "Version 14.3 (Build 123.4)", "version": None} if s.get("name") == PEER else s)
              for s in servers.value]
    return replace(org, facts={**org.facts, "ad.exchange_servers": replace(servers, value=edited)})


def test_peers_reach_the_memoized_judgement() -> None:
    """The Exchange 2010 coexistence rule reads the peer's own build: with and without the peer as an input,
    memoized verdicts follow the unmemoized ones, and the peer changes them."""
    org = _org_with_sp3_peer()
    _, installer = directory()
    hosts = [o for o in fleet() if o.ok][:50]
    rule = "E16E14CoexistenceMinVersionRequirement"
    found = []
    for peers in (peer_facts(fleet()), {}):
        params = EvaluationParams("2016", org=org, installer=installer, peers=peers)
        for o in hosts:
            plain = {v.rule_id: v for v in judge(o, _catalog(), params, memoize=False).verdicts}
            memoized = {v.rule_id: v for v in judge(o, _catalog(), params).verdicts}
            assert memoized == plain
        found.append(plain[rule])
    assert found[0].status is Status.WARN and "below_ru11" in found[0].evidence
    assert found[1].status is Status.WARN and "rollup_not_read" in found[1].evidence


def test_history_judges_a_stored_run_again_the_same_with_the_memo() -> None:
    outcomes = fleet()[::3] + (peer_outcome(),)  # a stored run of some 400 hosts, the peer among them
    info = RunInfo(run_id="20261205T000000Z-memo", started_at="2026-12-05T00:00:00+00:00",
                   finished_at="2026-12-05T00:10:00+00:00", exchange_version="2016", inventory_source="test",
                   tool_version="test")
    org, installer = directory()
    params = EvaluationParams("2016", org=org, installer=installer)
    plain = assemble(info, outcomes, _catalog(), params, memoize=False)
    memoized = assemble(info, outcomes, _catalog(), params)
    assert memoized.verdicts == plain.verdicts
    assert memoized.cells == plain.cells
    # history's own re-judging (the stored run's target and AD facts), memoized, against every rule run
    again = reevaluate(plain, _catalog())
    stored = assemble(info, outcomes, _catalog(), EvaluationParams("2016", org=org), memoize=False)
    assert again.verdicts == stored.verdicts
    assert again.cells == stored.cells


def test_equal_verdicts_share_their_detail_and_evidence() -> None:
    params = EvaluationParams("2019")
    base = next(o for o in fleet() if o.ok and o.facts is not None)
    assert base.facts is not None
    twin = HostOutcome(Host(name="TWIN"), OutcomeKind.OK, "", facts=HostFacts("TWIN", dict(base.facts.facts)))
    first = judge(base, _catalog(), params).verdicts
    second = judge(twin, _catalog(), params).verdicts
    assert [v.host for v in second] == ["TWIN"] * len(second)
    shared = [(a, b) for a, b in zip(first, second, strict=True) if replace(a, host="TWIN") == b]
    assert len(shared) > len(first) // 2
    assert all(a.evidence is b.evidence and a.detail is b.detail for a, b in shared)


def test_worker_judgements_use_the_process_memo() -> None:
    params = EvaluationParams("2013")
    hosts = [o for o in fleet() if o.ok][:20]
    done = [judge_loaded(o, params) for o in hosts]
    memo = memo_for(judge_module._catalog(), params)
    assert memo.hits > memo.misses
    assert [d.verdicts for d in done] == [judge(o, _catalog(), params, memoize=False).verdicts for o in hosts]


def test_a_process_keeps_a_few_memos_and_a_memo_serves_only_its_own_parameters() -> None:
    first = EvaluationParams("2013")
    memo = memo_for(_catalog(), first)
    assert memo_for(_catalog(), first) is memo
    for _ in range(judge_module._MEMOS):
        memo_for(_catalog(), EvaluationParams("2013"))
    assert memo_for(_catalog(), first) is not memo  # the least recently used went
    assert len(judge_module._memos) <= judge_module._MEMOS
    with pytest.raises(ValueError, match="another catalog"):
        evaluate_host(fleet()[0], _catalog(), EvaluationParams("2013"), memo)


# -- hand-made rules: what the memo must keep apart, refuse or forget ----------------------------------


X, Y = "ucma.version", "dotnet.release"  # any two facts of the contract


def _meta(rule_id: str) -> RuleMeta:
    return RuleMeta(id=rule_id, severity=Severity.ERROR, scope=Scope.HOST, versions=("2013",),
                    title=Text("A title", "Un titre"), remediation=Text("Fix it.", "Corrigez-le."),
                    help_url="https://learn.microsoft.com/exchange/", facts=(X, Y, "computer.name"))


def _small_catalog(*rules: tuple[str, Callable[[RuleContext], Verdict]]) -> Catalog:
    made = [Rule(_meta(rid), fn, rid.lower()) for rid, fn in rules]
    ids = [r.id for r in made]
    roles = {"schema": 1, "versions": {
        "2013": {"Mailbox": ids, "ClientAccess": [], "EdgeTransport": [], "ManagementTools": []},
        "2016": {"Mailbox": [], "EdgeTransport": [], "ManagementTools": []},
        "2019": {"Mailbox": [], "EdgeTransport": [], "ManagementTools": []},
        "SE": {"Mailbox": [], "EdgeTransport": [], "ManagementTools": []}}}
    return build_catalog(made, roles, {"schema": 1, "rules": []})


def _host(name: str, values: dict[str, Any] | None = None) -> HostOutcome:
    values = values or {}
    facts = {n: (v if isinstance(v, Fact) else Fact(n, FactStatus.PRESENT, v)) for n, v in values.items()}
    return HostOutcome(Host(name=name), OutcomeKind.OK, "", facts=HostFacts(name, facts))


def _both(catalog: Catalog, outcomes: list[HostOutcome], memo: RuleMemo | None = None,
          params: EvaluationParams | None = None) -> tuple[list[list[Verdict]], list[list[Verdict]], RuleMemo]:
    if params is None:
        params = memo.params if memo is not None and isinstance(memo.params, EvaluationParams) \
            else EvaluationParams("2013")
    memo = memo or RuleMemo(catalog, params)
    plain = [evaluate_host(o, catalog, params) for o in outcomes]
    memoized = [evaluate_host(o, catalog, params, memo) for o in outcomes]
    return plain, memoized, memo


def test_values_equal_in_python_but_not_in_a_report_are_kept_apart() -> None:
    catalog = _small_catalog(("Repr", lambda ctx: ctx.passed(repr(ctx.value(X)))))
    outcomes = [_host(f"H{i}", {X: v}) for i, v in enumerate([1, 1.0, True, "1", [1], (1,), {"a": 1}, 1, True])]
    plain, memoized, memo = _both(catalog, outcomes)
    assert memoized == plain
    assert [v[0].detail for v in memoized] == ["1", "1.0", "True", "'1'", "[1]", "(1,)", "{'a': 1}", "1", "True"]
    assert memo.hits == 2


def test_fact_unavailable_and_rule_errors_are_judged_as_without_the_memo(caplog: pytest.LogCaptureFixture) -> None:
    def fragile(ctx: RuleContext) -> Verdict:
        value = ctx.value(X)
        if value == "boom":
            raise ZeroDivisionError("a rule bug")
        return ctx.failed("bad") if value == "bad" else ctx.passed("fine")

    catalog = _small_catalog(("Fragile", fragile))
    outcomes = [_host("A", {X: "boom"}), _host("B", {X: "fine"}), _host("C", {X: "boom"}), _host("D"),
                _host("E", {X: Fact(X, FactStatus.UNREADABLE, error="denied")}), _host("F", {X: "bad"}),
                _host("G", {X: Fact(X, FactStatus.ABSENT)}), _host("H", {X: "fine"}), _host("I"),
                HostOutcome(Host(name="J"), OutcomeKind.TIMEOUT, "no answer")]
    params = EvaluationParams("2013")
    memo = RuleMemo(catalog, params)
    with caplog.at_level(logging.ERROR, logger="scanner.evaluate.engine"):
        memoized = [evaluate_host(o, catalog, params, memo) for o in outcomes]
    # every host the rule raised on is in the log, memo or not
    assert sorted(str(r.args[1]) for r in caplog.records if isinstance(r.args, tuple)) == ["A", "C"]
    plain = [evaluate_host(o, catalog, EvaluationParams("2013")) for o in outcomes]
    assert memoized == plain
    reasons = [v[0].reason for v in memoized]
    assert reasons == [UnknownReason.RULE_ERROR, None, UnknownReason.RULE_ERROR, UnknownReason.FACT_MISSING,
                       UnknownReason.FACT_UNREADABLE, None, UnknownReason.FACT_MISSING, None,
                       UnknownReason.FACT_MISSING, UnknownReason.TIMEOUT]
    assert memo.hits == 2  # H as B, I as D; A and C ran both times


def test_a_rule_that_reads_the_host_name_is_memoized_per_name_only() -> None:
    catalog = _small_catalog(("Named", lambda ctx: ctx.passed(f"{ctx.short_name} has {ctx.value(X)}")))
    outcomes = [_host("A", {X: 1}), _host("B", {X: 1}), _host("A", {X: 1}),
                _host("C", {X: 1, "computer.name": "srv"}), _host("D", {X: 1, "computer.name": "srv"})]
    plain, memoized, memo = _both(catalog, outcomes)
    assert memoized == plain
    assert [v[0].detail for v in memoized] == ["A has 1", "B has 1", "A has 1", "SRV has 1", "SRV has 1"]
    assert [v[0].host for v in memoized] == ["A", "B", "A", "C", "D"]
    assert memo.hits == 2


def test_a_rule_whose_reads_disagree_with_its_tree_is_no_longer_memoized() -> None:
    calls = [0]

    def fickle(ctx: RuleContext) -> Verdict:
        calls[0] += 1
        name = X if calls[0] == 1 else Y  # not a function of its reads
        return ctx.passed(f"{name[0]}={ctx.value(name)}")

    catalog = _small_catalog(("Fickle", fickle))
    params = EvaluationParams("2013")
    memo = RuleMemo(catalog, params)
    evaluate_host(_host("A", {X: 1, Y: 1}), catalog, params, memo)
    evaluate_host(_host("B", {X: 2, Y: 2}), catalog, params, memo)  # reads Y: a conflict
    assert memo.leaves() == 0
    calls[0] = 1
    again = evaluate_host(_host("C", {X: 1, Y: 5}), catalog, params, memo)
    assert again[0].detail == "d=5"  # run, not taken from A's leaf


def test_the_memo_is_bounded_per_rule_and_still_answers() -> None:
    catalog = _small_catalog(("Echo", lambda ctx: ctx.passed(str(ctx.value(X)))))
    memo = RuleMemo(catalog, EvaluationParams("2013"), per_rule=3)
    outcomes = [_host(f"H{i}", {X: i % 3}) for i in range(30)] + [_host(f"N{i}", {X: 3 + i % 7}) for i in range(70)]
    outcomes += [_host("LAST", {X: 1})]
    plain, memoized, _ = _both(catalog, outcomes, memo)
    assert memoized == plain
    assert memo.leaves() == 3  # full: 3 to 9 were judged every time
    assert memo.hits == 27 + 1  # 0, 1, 2 after their first host, before and after it was full


def test_a_rule_that_meets_a_new_input_on_every_host_is_dropped_when_full() -> None:
    catalog = _small_catalog(("Named", lambda ctx: ctx.passed(f"{ctx.short_name}: {ctx.value(X)}")))
    memo = RuleMemo(catalog, EvaluationParams("2013"), per_rule=3)
    outcomes = [_host(f"H{i}", {X: 1}) for i in range(10)] + [_host("H0", {X: 1})]
    plain, memoized, _ = _both(catalog, outcomes, memo)
    assert memoized == plain
    assert memo.leaves() == 0 and memo.hits == 0  # H0 again: judged, its leaf was dropped with the others


def test_values_that_cannot_be_keyed_are_judged_not_memoized() -> None:
    catalog = _small_catalog(("Kind", lambda ctx: ctx.passed(type(ctx.value(X)).__name__)))
    outcomes = [_host("A", {X: lambda: 1}), _host("B", {X: lambda: 1})]
    plain, memoized, memo = _both(catalog, outcomes)
    assert [v[0].detail for v in memoized] == [v[0].detail for v in plain] == ["function", "function"]
    assert memo.leaves() == 0


def test_a_new_day_forgets_what_was_judged(monkeypatch: pytest.MonkeyPatch) -> None:
    catalog = _small_catalog(("Echo", lambda ctx: ctx.passed(str(ctx.value(X)))))
    params = EvaluationParams("2013")
    memo = RuleMemo(catalog, params)
    evaluate_host(_host("A", {X: 1}), catalog, params, memo)
    assert memo.leaves() == 1

    class Tomorrow(date):
        @classmethod
        def today(cls) -> Tomorrow:
            d = date.today() + timedelta(days=1)
            return cls(d.year, d.month, d.day)

    monkeypatch.setattr(memo_module, "date", Tomorrow)
    evaluate_host(_host("B", {X: 1}), catalog, params, memo)
    assert memo.hits == 0 and memo.leaves() == 1


def test_cells_follow_what_they_quote_and_stay_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cells are kept per distinct input of build_cells: hosts that failed for other reasons, or whose
    unknown verdicts say other things, get their own cells; the table is bounded."""
    def unsure(ctx: RuleContext) -> Verdict:
        return ctx.unknown(UnknownReason.FACT_UNREADABLE, f"read as {ctx.optional(X)}")

    catalog = _small_catalog(("Unsure", unsure))
    params = EvaluationParams("2013")
    outcomes = [HostOutcome(Host(name="A"), OutcomeKind.UNREACHABLE, "refused"),
                HostOutcome(Host(name="B"), OutcomeKind.UNREACHABLE, "no route"),
                HostOutcome(Host(name="C"), OutcomeKind.UNREACHABLE, "refused"),
                _host("D", {X: 1}), _host("E", {X: 2}), _host("F", {X: 1})]
    monkeypatch.setattr(judge_module, "_CELL_ROWS", 3)
    memoized = [judge(o, catalog, params).cells for o in outcomes]
    plain = [judge(o, catalog, params, memoize=False).cells for o in outcomes]
    assert memoized == plain
    assert [c[0].host for c in memoized] == ["A", "B", "C", "D", "E", "F"]
    assert len({c[0].reason for c in memoized}) == 4
    assert len(judge_module.memos_for(catalog, params)[1].rows) <= 3


def test_facts_that_differ_only_in_their_name_or_the_type_of_their_status_are_kept_apart() -> None:
    def shown(ctx: RuleContext) -> Verdict:
        fact = ctx.peek(X)
        return ctx.passed(f"{fact.name if fact else None} present={fact.present if fact else None}")

    catalog = _small_catalog(("Shown", shown))
    outcomes = [_host("A", {X: Fact(X, FactStatus.PRESENT, 1)}), _host("B", {X: Fact("other", FactStatus.PRESENT, 1)}),
                _host("C", {X: Fact(X, "present", 1)}),  # type: ignore[arg-type]  # a status that is only a string
                _host("D", {X: Fact(X, FactStatus.PRESENT, 1)})]
    plain, memoized, memo = _both(catalog, outcomes)
    assert memoized == plain
    assert [v[0].detail for v in memoized] == [f"{X} present=True", "other present=True", f"{X} present=False",
                                               f"{X} present=True"]
    assert memo.hits == 1
