"""The demo's simulated directory (scanner/samples/sites/demo-directory.json): with it, every rule judged from the
organisation or the installing account fails or warns on some demo host, for some target it applies to;
and `exready demo` shows those findings in a second section, after the AD-less matrix."""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path

import pytest
from catalog_kit import catalog
from typer.testing import CliRunner

from scanner.checks.context import is_host_fact
from scanner.cli import EXIT_RUN_FAILED, build_app
from scanner.cli.demo import directory_findings, directory_rule_ids, judge_with_directory, load_directory
from scanner.evaluate.engine import EvaluationParams, evaluate_host
from scanner.facts.serial import FactsDocument
from scanner.model.facts import Fact, FactStatus, HostFacts
from scanner.model.host import Host
from scanner.model.outcome import HostOutcome, OutcomeKind
from scanner.model.run import RunInfo, ScanResult
from scanner.model.verdict import Status, Verdict
from scanner.report.json_report import read_json_report, result_to_v1_json
from scanner.simulator.profiles import load_site

SITES = Path(__file__).resolve().parents[2] / "scanner" / "samples" / "sites"
DEMO = SITES / "demo.yaml"
DIRECTORY = SITES / "demo-directory.json"
FINDING = (Status.FAIL, Status.WARN)

# "After this preparation no Exchange 20xx server can be added" warns only when the organisation holds no
# server that keeps the door open (20xx itself or Exchange 2013). The demo estate has Exchange 2013 servers
# (PAR-EX01, LYO-EX01), and the directory has the 2007/2010/2013 servers the coexistence rules fail on, so
# in this organisation these warnings cannot fire: they are judged, and pass.
DOOR_OPEN = {
    "NoE12ServerWarning": "E15E12CoexistenceMinVersionRequirement",
    "NoE14ServerWarning": "E15E14CoexistenceMinMajorVersionRequirement",
    "NoE15ServerWarning": "E16E15CoexistenceMinVersionRequirement",
}
# Exchange 2013 cannot join an organisation of Exchange 2016 and later servers only; the demo organisation
# holds Exchange 2013 servers (and older ones), so the rule is judged and passes on every host.
OLDER_SERVERS_THERE = ("AllServersOfHigherVersionRule",)
# Exchange SE's supported coexistence judges Exchange 2016 and 2019 servers; the demo organisation holds
# none, which is also what makes NoE16ServerWarning warn there (any 2016/2019 server would silence it). So the
# rule is judged and not applicable on every host.
NO_2016_OR_2019_THERE = {"ExreadySeCoexistenceMinVersion": "NoE16ServerWarning"}
DIRECTORY_RULES = sorted(r.id for r in catalog().rules if any(not is_host_fact(f) for f in r.meta.facts))


@cache
def _directory() -> FactsDocument:
    return load_directory(DIRECTORY)


@cache
def _demo_outcomes() -> tuple[HostOutcome, ...]:
    """The demo hosts that answer the collector, with the facts the simulator serves them."""
    out = []
    for sim in load_site(DEMO).hosts:
        if sim.fault is not None:
            continue  # never answers, or answers with facts the profile does not show
        facts = {name: Fact(name, FactStatus(fv.status), fv.value if fv.status == "present" else None,
                            fv.error if fv.status == "unreadable" else None)
                 for name, fv in sim.facts.items()}
        out.append(HostOutcome(Host(sim.name, site=sim.ad_site), OutcomeKind.OK,
                               facts=HostFacts(sim.name, facts, collector_version="simulated")))
    return tuple(out)


@cache
def _verdicts(version: str) -> Mapping[str, Sequence[Verdict]]:
    """rule id -> its verdict on every answering demo host, judged with the demo directory."""
    doc = _directory()
    params = EvaluationParams(exchange_version=version, org=doc.org, installer=doc.installer)
    by_rule: dict[str, list[Verdict]] = {}
    for outcome in _demo_outcomes():
        for v in evaluate_host(outcome, catalog(), params):
            by_rule.setdefault(v.rule_id, []).append(v)
    return by_rule


def test_the_directory_is_a_facts_document_with_organisation_and_installer_facts() -> None:
    doc = _directory()
    assert doc.hosts == ()
    assert doc.installer is not None
    assert set(doc.installer.facts) == {"installer.account"}
    org_names = {f for r in catalog().rules for f in r.meta.facts if f.startswith("ad.")}
    assert org_names <= set(doc.org.facts), sorted(org_names - set(doc.org.facts))
    assert all(f.present for f in doc.org.facts.values())


def test_the_directory_names_demo_hosts() -> None:
    """Server objects, RODCs and the SMTP policy point at hosts the demo really scans."""
    names = {o.host.name for o in _demo_outcomes()}
    servers = {s["name"] for s in _directory().org.facts["ad.exchange_servers"].value}
    assert {"PAR-EX01", "LYO-EX01"} <= servers
    assert len(servers & names) >= 4
    assert set(_directory().org.facts["ad.rodcs"].value) <= names


@pytest.mark.parametrize("rule_id", [r for r in DIRECTORY_RULES if r not in DOOR_OPEN and r not in OLDER_SERVERS_THERE
                                     and r not in NO_2016_OR_2019_THERE])
def test_the_rule_fails_or_warns_on_some_demo_host(rule_id: str) -> None:
    seen: dict[str, list[str]] = {}
    for version in catalog().rule(rule_id).meta.versions:
        verdicts = _verdicts(version)[rule_id]
        assert len(verdicts) == len(_demo_outcomes())
        if any(v.status in FINDING for v in verdicts):
            return
        seen[version] = sorted({f"{v.status.value}: {v.detail}" for v in verdicts})
    pytest.fail(f"{rule_id} neither fails nor warns on any demo host with {DIRECTORY.name}: {seen}")


@pytest.mark.parametrize("rule_id", sorted(DOOR_OPEN))
def test_the_door_open_warnings_pass_because_older_servers_are_there(rule_id: str) -> None:
    rule = catalog().rule(rule_id)
    coexistence = DOOR_OPEN[rule_id]
    version = next(v for v in rule.meta.versions if v in catalog().rule(coexistence).meta.versions)
    verdicts = _verdicts(version)[rule_id]
    assert {v.status for v in verdicts} == {Status.PASS}
    kept = verdicts[0].evidence["servers"]
    assert kept, verdicts[0]
    # the very servers that keep the door open are the ones the coexistence rule fails on
    assert all(v.status is Status.FAIL for v in _verdicts(version)[coexistence])


@pytest.mark.parametrize("rule_id", sorted(NO_2016_OR_2019_THERE))
def test_se_coexistence_has_nothing_to_judge_where_no_e16_warns(rule_id: str) -> None:
    assert {v.status for v in _verdicts("SE")[rule_id]} == {Status.NOT_APPLICABLE}
    assert any(v.status is Status.WARN for v in _verdicts("2019")[NO_2016_OR_2019_THERE[rule_id]])


def test_the_rules_of_the_demo_target_are_the_ones_the_section_lists() -> None:
    """Offline, the section's findings for Exchange 2013 are exactly the rules that fail or warn."""
    doc = _directory()
    info = RunInfo(run_id="t", started_at="", finished_at="", exchange_version="2013",
                   inventory_source="simulated site demo.yaml", tool_version="test")
    result = ScanResult(info=info, roles=catalog().roles("2013"), outcomes=_demo_outcomes(), verdicts={}, cells=())
    judged = judge_with_directory(result, doc, DIRECTORY, catalog(), EvaluationParams(exchange_version="2013"))
    assert judged.org is doc.org
    assert "demo-directory.json" in judged.info.inventory_source
    ids = directory_rule_ids(catalog(), "2013")
    findings = {f.rule_id: f for f in directory_findings(judged, ids, catalog())}
    expected = {r for r in ids if any(v.status in FINDING for v in _verdicts("2013")[r])}
    assert set(findings) == expected
    assert findings["CafeRoleAlreadyExists"].hosts == 4  # PAR-EX01, LYO-EX01 and the two other CAS hosts
    assert findings["Exchange2000or2003PresentInOrg"].hosts == len(_demo_outcomes())
    assert findings["RusMissing"].status is Status.WARN


def test_a_bad_directory_file_is_one_line_and_exit_3(tmp_path: Path) -> None:
    bad = tmp_path / "dir.json"
    bad.write_text(json.dumps({"facts_schema": 1, "hosts": [], "org": {"facts": {}}}), encoding="utf-8")
    runner = CliRunner()
    for args, words in (
        (["--directory", str(bad)], "no organisation facts"),
        (["--directory", str(tmp_path / "missing.json")], "cannot read the directory file"),
        (["--directory", str(DEMO)], "not valid JSON"),
        (["--directory", str(DIRECTORY), "--no-directory"], "cannot be used together"),
    ):
        result = runner.invoke(build_app(), ["demo", "--out", str(tmp_path / "out"), *args])
        assert result.exit_code == EXIT_RUN_FAILED, result.output
        assert words in result.output
        assert "Traceback" not in result.output
        assert not (tmp_path / "out" / "simulator").exists()  # refused before the simulator started


@pytest.mark.simulator
def test_exready_demo_shows_the_directory_section(tmp_path: Path) -> None:
    result = CliRunner().invoke(build_app(), ["demo", "--out", str(tmp_path), "--no-progress", "--lang", "en"],
                                env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    main, heading, section = result.output.partition(
        f"With the simulated directory ({DIRECTORY}): organisation-level findings")
    assert heading, result.output
    # the matrix and its footnote fit the 100-column terminal, and the README's sample is what it prints
    matrix = main.split("\n\nSummary by role")[0].splitlines()
    matrix = matrix[next(i for i, line in enumerate(matrix) if line.startswith("Host ")):]
    assert matrix and max(len(line) for line in matrix) <= 100
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    sample = readme.split("## Reading the matrix", 1)[1].split("```\n", 2)[1].split("```")[0]
    printed = set(matrix)
    assert [line for line in sample.splitlines() if line and line not in printed] == []
    assert "Summary by role" in main
    rows = {line.split()[0]: line.split() for line in section.splitlines() if line.strip()}
    assert rows["Exchange2000or2003PresentInOrg"][1:3] == ["error", "fail"]
    assert rows["CafeRoleAlreadyExists"][1:4] == ["error", "fail", "4"]
    assert rows["RusMissing"][1:3] == ["warning", "warn"]
    assert "Summary by role, with the simulated directory" in section
    for name in ("matrix.csv", "scan.json", "matrix-with-directory.csv", "scan-with-directory.json"):
        assert (tmp_path / name).is_file(), name
    plain = result_to_v1_json(read_json_report(tmp_path / "scan.json"))
    judged = result_to_v1_json(read_json_report(tmp_path / "scan-with-directory.json"))
    assert plain["facts"]["org"]["facts"] == {}
    assert "ad.exchange_servers" in judged["facts"]["org"]["facts"]
    assert not any("Exchange2000or2003PresentInOrg" in r["blocking_rules"] for r in _csv(tmp_path / "matrix.csv"))
    blocked = [r for r in _csv(tmp_path / "matrix-with-directory.csv")
               if "Exchange2000or2003PresentInOrg" in r["blocking_rules"].split()]
    assert {r["host"] for r in blocked} >= {"PAR-EX01", "LYO-EX01"}


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("rule_id", OLDER_SERVERS_THERE)
def test_all_servers_of_higher_version_passes_because_exchange_2013_servers_are_there(rule_id: str) -> None:
    verdicts = _verdicts("2013")[rule_id]
    assert {v.status for v in verdicts} == {Status.PASS}
    older = verdicts[0].evidence["older"]
    assert any(name.startswith(("PAR-EX01", "LYO-EX01")) for name in older), older
