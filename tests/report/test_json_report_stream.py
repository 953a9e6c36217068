"""The streamed JSON report is the document json.dump(result_to_json(r), indent=1) writes, byte for byte."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from scanner.checks.catalog import load_catalog
from scanner.evaluate.engine import EvaluationParams
from scanner.matrix.judge import assemble
from scanner.model.facts import Fact, FactStatus, HostFacts, OrgFacts
from scanner.model.host import AuthMethod, Host, Scheme
from scanner.model.intern import Interner
from scanner.model.matrix import Cell, CellStatus
from scanner.model.outcome import HostOutcome, OutcomeKind
from scanner.model.run import RunInfo, ScanResult
from scanner.model.verdict import Status, UnknownReason, Verdict
from scanner.report.json_report import iter_json_report, read_saved, result_to_json, write_json_report

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def whole_document(result: ScanResult) -> str:
    """What the report writer wrote before it streamed."""
    return json.dumps(result_to_json(result), indent=1, ensure_ascii=False) + "\n"


def odd_result() -> ScanResult:
    """Values that exercise every JSON shape: nested and empty containers, unicode, quotes, floats,
    ints that equal floats, booleans, None, and a host with no facts or verdicts at all."""
    odd = {"nested": [[], {}, [1, 1.0, True, None], {"k\"ey": "vàl\nue", "n": -0.5}], "empty": []}
    facts = HostFacts(host="EX-É1", collector_version="1.2", facts={
        "b.list": Fact("b.list", FactStatus.PRESENT, ["KB1", "KB2"]),
        "a.dict": Fact("a.dict", FactStatus.PRESENT, odd),
        "c.absent": Fact("c.absent", FactStatus.ABSENT),
        "d.unreadable": Fact("d.unreadable", FactStatus.UNREADABLE, error="accès refusé \"x\""),
        "e.int": Fact("e.int", FactStatus.PRESENT, 1),
        "f.float": Fact("f.float", FactStatus.PRESENT, 1.0),
        "g.bool": Fact("g.bool", FactStatus.PRESENT, True),
        "h.empty": Fact("h.empty", FactStatus.PRESENT, {}),
    })
    host = Host(name="EX-É1", fqdn="ex1.corp.example", address="127.0.0.1", site="Paris", port=5986,
                scheme=Scheme.HTTPS, auth=AuthMethod.BASIC, source="hosts.csv:2", is_dc=True, os="Windows",
                tags=("a", "b"))
    bare = Host(name="EX2")
    empty = Host(name="EX3")
    outcomes = (
        HostOutcome(host, OutcomeKind.OK, facts=facts, auth_mechanism="basic", duration_s=1.23456),
        HostOutcome(bare, OutcomeKind.UNREACHABLE, "refusé: 127.0.0.2:5985", duration_s=0.0),
        HostOutcome(empty, OutcomeKind.OK, facts=HostFacts(host="EX3", facts={})),
    )
    verdicts = {
        "EX-É1": [
            Verdict("R1", "EX-É1", Status.FAIL, "found \"x\"", {"kbs": ["KB1"], "deep": odd}),
            Verdict("R2", "EX-É1", Status.PASS),
            Verdict("R3", "EX-É1", Status.UNKNOWN, "missing", {"fact": "c.absent"}, UnknownReason.FACT_MISSING),
        ],
        "EX2": [Verdict("R1", "EX2", Status.UNKNOWN, "refusé", reason=UnknownReason.UNREACHABLE)],
        "EX3": [],
    }
    cells = (
        Cell("EX-É1", "Mailbox", CellStatus.BLOCKED, blocking=("R1",), unknown=("R3",), reason="why: \"R3\""),
        Cell("EX-É1", "Edge", CellStatus.READY),
        Cell("EX2", "Mailbox", CellStatus.UNKNOWN, unknown=("R1",), reason="not scanned"),
        Cell("EX2", "Edge", CellStatus.UNKNOWN, warnings=("R2", "R3"), reason="not scanned"),
    )
    org = OrgFacts(facts={"ad.level": Fact("ad.level", FactStatus.PRESENT, [15332, "x"])}, source="ldaps://dc1")
    info = RunInfo(run_id="r1", started_at="2026-01-01T00:00:00+00:00", finished_at="", exchange_version="2016",
                   inventory_source="hosts.csv", tool_version="9", interrupted=True, cu=23, breaker_opened=True)
    return ScanResult(info=info, roles=("Mailbox", "Edge"), outcomes=outcomes, verdicts=verdicts, cells=cells,
                      org=org)


def demo_result() -> ScanResult:
    """The demo's saved facts judged with today's catalog: real facts, verdicts and cells."""
    saved = read_saved(SAMPLES / "facts" / "demo-facts.json")
    params = EvaluationParams(exchange_version="2013", org=saved.org)
    return assemble(saved.info, saved.outcomes, load_catalog(), params, interner=Interner())


def empty_result() -> ScanResult:
    return replace(odd_result(), roles=(), outcomes=(), verdicts={}, cells=(), org=OrgFacts())


@pytest.mark.parametrize("make", [odd_result, demo_result, empty_result])
def test_streamed_report_is_the_whole_document(make, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = make()
    expected = whole_document(result)
    path = tmp_path / "report.json"
    write_json_report(result, path)
    assert path.read_text(encoding="utf-8") == expected
    assert "".join(iter_json_report(result)) + "\n" == expected


def test_streamed_report_reads_back(tmp_path: Path) -> None:
    for result in (odd_result(), demo_result()):
        path = tmp_path / "report.json"
        write_json_report(result, path)
        again = read_saved(path)
        assert result_to_json(again) == result_to_json(result)
        assert again.verdicts == result.verdicts
        assert list(again.cells) == list(result.cells)


def test_a_shared_value_is_encoded_the_same_at_every_host(tmp_path: Path) -> None:
    """Hosts that share (interned) facts and evidence: the reused text is right for each of them."""
    base = demo_result()
    ok = [o for o in base.outcomes if o.facts is not None]
    twins = []
    for i in range(3):
        for o in ok:
            name = f"{o.host.name}-{i}"
            assert o.facts is not None
            twins.append(replace(o, host=replace(o.host, name=name), facts=replace(o.facts, host=name)))
    params = EvaluationParams(exchange_version="2013", org=base.org)
    result = assemble(base.info, twins, load_catalog(), params, interner=Interner())
    path = tmp_path / "twins.json"
    write_json_report(result, path)
    assert path.read_text(encoding="utf-8") == whole_document(result)


def test_a_report_read_back_shares_what_its_hosts_have_in_common(tmp_path: Path) -> None:
    base = demo_result()
    ok = [o for o in base.outcomes if o.facts is not None][0]
    assert ok.facts is not None
    twins = [replace(ok, host=replace(ok.host, name=f"T{i}"), facts=replace(ok.facts, host=f"T{i}")) for i in range(3)]
    params = EvaluationParams(exchange_version="2013", org=base.org)
    result = assemble(base.info, twins, load_catalog(), params, interner=Interner())
    path = tmp_path / "twins.json"
    write_json_report(result, path)
    again = read_saved(path)
    assert result_to_json(again) == result_to_json(result)
    first, second = (o.facts for o in again.outcomes[:2])
    assert first is not None and second is not None
    assert all(first.facts[n] is second.facts[n] for n in first.facts)  # one fact object for both hosts
    with_evidence = [i for i, v in enumerate(again.verdicts["T0"]) if v.evidence]
    assert with_evidence
    assert all(again.verdicts["T0"][i].evidence is again.verdicts["T1"][i].evidence for i in with_evidence)
    assert [v.host for v in again.verdicts["T1"]] == ["T1"] * len(again.verdicts["T1"])
