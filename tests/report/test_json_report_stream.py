"""The JSON report (format 2): it reads back as written, stays small, and reports in format 1 still read."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from scanner.checks.catalog import load_catalog
from scanner.errors import FactsError
from scanner.evaluate.engine import EvaluationParams
from scanner.matrix.judge import assemble
from scanner.model.facts import Fact, FactStatus, HostFacts, OrgFacts
from scanner.model.host import AuthMethod, Host, Scheme
from scanner.model.intern import Interner
from scanner.model.matrix import Cell, CellStatus
from scanner.model.outcome import HostOutcome, OutcomeKind
from scanner.model.run import RunInfo, ScanResult
from scanner.model.verdict import Status, UnknownReason, Verdict
from scanner.report.json_report import (
    REPORT_SCHEMA,
    iter_json_report,
    read_saved,
    result_to_v1_json,
    write_json_report,
)

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def plain(result: ScanResult) -> dict[str, object]:
    """Everything a result holds, every verdict and cell in full (format 1's layout)."""
    return result_to_v1_json(result)


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
        HostOutcome(host, OutcomeKind.OK, facts=facts, auth_mechanism="basic", duration_s=1.23456,
                    ps_version="5.1.14393.0", psrp_protocol="2.3"),
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
def test_a_report_reads_back_as_written(make, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = make()
    path = tmp_path / "report.json"
    write_json_report(result, path)
    again = read_saved(path)
    assert plain(again) == plain(result)
    # the PSRP versions of each host too; durations are kept to the millisecond
    assert again.outcomes == tuple(replace(o, duration_s=round(o.duration_s, 3)) for o in result.outcomes)
    assert again.verdicts == result.verdicts
    assert list(again.cells) == list(result.cells)
    assert again.org == result.org and again.info == result.info
    assert json.loads(path.read_text(encoding="utf-8"))["exready_report"] == REPORT_SCHEMA == 2
    assert "".join(iter_json_report(result)) + "\n" == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("make", [odd_result, demo_result])
def test_a_report_in_format_1_still_reads(make, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = make()
    path = tmp_path / "old.json"
    path.write_text(json.dumps(result_to_v1_json(result), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    again = read_saved(path)
    assert plain(again) == plain(result)
    assert again.verdicts == result.verdicts
    assert list(again.cells) == list(result.cells)


def twins_result(copies: int = 3) -> ScanResult:
    """The demo's scanned hosts, each ``copies`` times under other names, and unreachable hosts."""
    base = demo_result()
    ok = [o for o in base.outcomes if o.facts is not None]
    twins = []
    for i in range(copies):
        for o in ok:
            name = f"{o.host.name}-{i}"
            assert o.facts is not None
            twins.append(replace(o, host=replace(o.host, name=name), facts=replace(o.facts, host=name)))
        twins.append(HostOutcome(Host(name=f"DOWN-{i}", address=f"127.0.9.{i}"), OutcomeKind.UNREACHABLE,
                                 f"connection refused by 127.0.9.{i}:5985"))
    params = EvaluationParams(exchange_version="2013", org=base.org)
    return assemble(base.info, twins, load_catalog(), params, interner=Interner())


def test_a_report_takes_at_most_10_kb_per_host(tmp_path: Path) -> None:
    result = twins_result()
    path = tmp_path / "twins.json"
    write_json_report(result, path)
    size = path.stat().st_size
    assert size <= 10_000 * len(result.outcomes), size / len(result.outcomes)
    assert plain(read_saved(path)) == plain(result)


def test_an_unreachable_hosts_reason_is_written_once(tmp_path: Path) -> None:
    result = twins_result(copies=1)
    down = next(o for o in result.outcomes if not o.ok)
    assert len(result.verdicts[down.host.name]) > 100  # every rule unknown for the same reason
    path = tmp_path / "down.json"
    write_json_report(result, path)
    text = path.read_text(encoding="utf-8")
    # in the host's outcome, in the one verdict body all its verdicts refer to, in each role's cell
    assert text.count(down.reason) == 2 + len(result.roles)


def test_a_report_with_a_bad_index_is_one_error(tmp_path: Path) -> None:
    result = odd_result()
    path = tmp_path / "bad.json"
    write_json_report(result, path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["hosts"][0]["cells"] = [99]
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(FactsError, match="not a valid exready report"):
        read_saved(path)


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
    assert plain(again) == plain(result)
    first, second = (o.facts for o in again.outcomes[:2])
    assert first is not None and second is not None
    assert all(first.facts[n] is second.facts[n] for n in first.facts)  # one fact object for both hosts
    with_evidence = [i for i, v in enumerate(again.verdicts["T0"]) if v.evidence]
    assert with_evidence
    assert all(again.verdicts["T0"][i].evidence is again.verdicts["T1"][i].evidence for i in with_evidence)
    assert [v.host for v in again.verdicts["T1"]] == ["T1"] * len(again.verdicts["T1"])
