"""The HTML report tells blocking, warning, could-not-be-judged and not-judged rules apart, with a
legend; warnings say warn; the rules table has its own not-judged column; the filter finds a cell by
any rule it names. Judged on the demo's saved facts (no AD, no installer account: many rules not judged)."""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest
from html_dom import Node, parse

from scanner.checks.catalog import load_catalog
from scanner.evaluate.engine import EvaluationParams
from scanner.matrix.build import NOT_CONSULTED
from scanner.matrix.judge import assemble
from scanner.model.intern import Interner
from scanner.model.matrix import CellStatus
from scanner.model.rule import RuleMeta, Severity
from scanner.model.run import ScanResult
from scanner.model.verdict import Status
from scanner.report.findings_csv import findings_rows
from scanner.report.html import render_html, write_html
from scanner.report.json_report import read_saved

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


@cache
def demo() -> ScanResult:
    saved = read_saved(SAMPLES / "facts" / "demo-facts.json")
    params = EvaluationParams(exchange_version="2013")  # no directory: AD rules are not judged
    return assemble(saved.info, saved.outcomes, load_catalog(), params, interner=Interner())


@cache
def rules() -> dict[str, RuleMeta]:
    return {m.id: m for m in load_catalog().all_meta()}


@cache
def page() -> Node:
    return parse(render_html(demo(), rules()))


def matrix_cells(doc: Node) -> dict[tuple[str, int], Node]:
    (table,) = [t for t in doc.iter("table") if t.has_class("matrix")]
    (body,) = table.iter("tbody")
    out = {}
    for row in body.iter("tr"):
        cells = [c for c in row.children if isinstance(c, Node) and c.tag == "td"][1:]  # after the site
        for i, c in enumerate(cells):
            out[(row.attrs["data-host"], i)] = c
    return out


def not_judged_ids(host: str) -> set[str]:
    return {v.rule_id for v in demo().verdicts[host] if v.reason in NOT_CONSULTED}


def test_a_ready_cell_names_no_rule_and_counts_those_not_judged() -> None:
    result = demo()
    cell = next(c for c in result.cells if c.status is CellStatus.READY and set(c.unknown) & not_judged_ids(c.host))
    node = matrix_cells(page())[(cell.host, result.roles.index(cell.role))]
    skipped = set(cell.unknown) & not_judged_ids(cell.host)
    words = node.text().replace(",", " ").split()
    assert not skipped & set(words), node.text()  # no rule id printed under READY
    assert node.iter("ul") == []
    (count,) = [n for n in node.iter("small") if n.has_class("not-judged")]
    assert count.text() == f"{len(skipped)} not judged"
    # the host's details name them, as not judged (not as unknown)
    details = page().by_id(f"host-{[o.host.name for o in result.outcomes].index(cell.host)}")
    rows = [[td.text() for td in tr.iter("td")] for tr in details.iter("tr")]
    named = {r for row in rows if row and row[1].startswith("not judged") for r in row[0].split()}
    assert skipped <= named


def test_a_blocked_cell_lists_its_blocking_rules_apart_from_the_others() -> None:
    result = demo()
    cell = next(c for c in result.cells if c.status is CellStatus.BLOCKED and c.unknown)
    node = matrix_cells(page())[(cell.host, result.roles.index(cell.role))]
    lists = {next(k for k in ("blocking", "warning", "unknown") if u.has_class(k)): [li.text() for li in u.iter("li")]
             for u in node.iter("ul")}
    assert lists["blocking"] == list(cell.blocking)
    skipped = not_judged_ids(cell.host)
    assert lists.get("unknown", []) == [r for r in cell.unknown if r not in skipped]
    assert not set(lists.get("unknown", [])) & skipped


def test_the_matrix_has_a_legend_of_the_four_kinds() -> None:
    legend = page().by_id("legend")
    text = legend.text()
    assert [u.attrs["class"] for u in legend.iter("ul") if u.has_class("rules")] == [
        "rules blocking", "rules warning", "rules unknown"]
    assert "not judged" in text and "Setup would stop" in text and "Setup would go on" in text
    assert "Légende" in parse(render_html(demo(), rules(), lang="fr")).by_id("legend").text()


def rules_table(doc: Node) -> tuple[list[str], dict[str, list[str]]]:
    (table,) = doc.by_id("rules").iter("table")
    head = [th.text() for th in table.iter("th")]
    rows = {}
    for tr in table.iter("tbody")[0].iter("tr"):
        cells = [td.text() for td in tr.iter("td")]
        rows[cells[0]] = cells
    return head, rows


def test_the_rules_table_counts_not_judged_apart_and_warnings_as_warn() -> None:
    head, rows = rules_table(page())
    assert head[3:] == ["fail", "warn", "unknown", "not judged", "pass", "n/a"]
    scanned = sum(1 for o in demo().outcomes if o.ok)
    rus = rows["RusMissing"]  # judged from AD only: not judged on every scanned host
    assert (rus[5], rus[6]) == ("0", str(scanned)), rus
    fired = [r for r, meta in rules().items() if meta.severity is Severity.WARNING and r in rows
             and any(v.rule_id == r and v.status in (Status.FAIL, Status.WARN)
                     for vs in demo().verdicts.values() for v in vs)]
    assert fired, "the demo has warning-level rules that fire"
    for rule in fired:
        assert rows[rule][3] == "0" and int(rows[rule][4]) > 0, rows[rule]


def test_warning_level_rules_that_fire_are_warn_in_the_findings() -> None:
    rows = list(findings_rows(demo(), rules()))
    by_severity = {(r[7], r[8]) for r in rows if r[5]}
    assert ("warning", "warn") in by_severity
    assert ("warning", "fail") not in by_severity
    assert ("error", "fail") in by_severity


def test_the_filter_finds_an_unknown_cell_by_its_rule() -> None:
    result = demo()
    cell = next(c for c in result.cells if c.status is CellStatus.UNKNOWN and c.unknown
                and any(r not in not_judged_ids(c.host) for r in c.unknown) and not c.blocking)
    rule = next(r for r in cell.unknown if r not in not_judged_ids(cell.host))
    (table,) = [t for t in page().iter("table") if t.has_class("matrix")]
    row = next(tr for tr in table.iter("tr") if tr.attrs.get("data-host") == cell.host)
    assert rule.lower() in row.attrs["data-search"].split()


# -- in the browser ----------------------------------------------------------------------------------

SHOTS = os.environ.get("EXREADY_SCREENSHOTS")  # a directory: keep the screenshots there to look at


def _chromium() -> str | None:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and os.environ.get("CI") == "true":
        pytest.fail("chromium is not installed (CI=true: the browser test must run)")
    return found


def _focused(result: ScanResult, hosts: list[str]) -> ScanResult:
    """The same report with a few hosts only: a screenshot shows them at the top."""
    from dataclasses import replace

    keep = set(hosts)
    return replace(result, outcomes=tuple(o for o in result.outcomes if o.host.name in keep),
                   verdicts={h: v for h, v in result.verdicts.items() if h in keep},
                   cells=tuple(c for c in result.cells if c.host in keep))


@pytest.mark.browser
def test_screenshots_of_the_cells_the_legend_and_the_rules_table(tmp_path: Path) -> None:
    chromium = _chromium()
    if chromium is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    result = demo()
    ready = next(c.host for c in result.cells if c.status is CellStatus.READY)
    blocked = next(c.host for c in result.cells if c.status is CellStatus.BLOCKED and c.unknown)
    unknown = next(c.host for c in result.cells if c.status is CellStatus.UNKNOWN and c.unknown)
    warned = next(c.host for c in result.cells if c.status is CellStatus.READY_WITH_WARNINGS)
    report = tmp_path / "report.html"
    write_html(_focused(result, [ready, blocked, unknown, warned]), report, rules())
    text = report.read_text(encoding="utf-8")
    out = Path(SHOTS) if SHOTS else tmp_path
    out.mkdir(parents=True, exist_ok=True)
    # one section per screenshot, shown alone from the top (headless Chromium's screenshot does not
    # follow an anchor); the drill-down's first blocked host opened
    for name, section, size in (("matrix", "matrix", "1400,900"), ("rules", "rules", "1400,1300"),
                                ("evidence", "hosts", "1400,1100")):
        page_file = tmp_path / f"{name}.html"
        alone = f"<style>header, main > section:not(#{section}) {{ display: none; }}</style></head>"
        page_file.write_text(text.replace("</head>", alone, 1).replace(
            '<details class="host" id="host-1">', '<details class="host" id="host-1" open>'), encoding="utf-8")
        shot = out / f"{name}.png"
        proc = subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}", f"--window-size={size}", f"--screenshot={shot}",
             page_file.as_uri()],
            capture_output=True, text=True, timeout=120, check=False)
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert shot.stat().st_size > 10_000  # a rendered page, not a blank one


@pytest.mark.browser
def test_the_filter_shows_only_the_rows_naming_an_unknown_rule_in_the_browser(tmp_path: Path) -> None:
    chromium = _chromium()
    if chromium is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    result = demo()
    cell = next(c for c in result.cells if c.status is CellStatus.UNKNOWN and c.unknown and not c.blocking
                and any(r not in not_judged_ids(c.host) for r in c.unknown))
    rule = next(r for r in cell.unknown if r not in not_judged_ids(cell.host))
    expected = sorted({c.host for c in result.cells if rule in c.unknown and rule not in not_judged_ids(c.host)}
                      | {c.host for c in result.cells if rule in (*c.blocking, *c.warnings)})
    report = tmp_path / "report.html"
    write_html(result, report, rules())
    # after the report's own script: type the rule in the filter, then record what is displayed
    probe = ('<script>var f = document.getElementById("host-filter"); f.value = "' + rule + '";'
             'f.dispatchEvent(new Event("input"));'
             'document.querySelectorAll("table.matrix tbody tr").forEach(function (r) {'
             ' r.setAttribute("data-shown", getComputedStyle(r).display === "none" ? "0" : "1"); });</script>')
    text = report.read_text(encoding="utf-8")
    cut = text.rindex("</body>")
    report.write_text(text[:cut] + probe + text[cut:], encoding="utf-8")
    proc = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync",
         "--disable-background-networking", "--disable-component-update",
         f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", report.as_uri()],
        capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    (table,) = [t for t in parse(proc.stdout).iter("table") if t.has_class("matrix")]
    shown = sorted(r.attrs["data-host"] for r in table.iter("tbody")[0].iter("tr") if r.attrs.get("data-shown") == "1")
    assert shown == expected and cell.host in shown
    assert parse(proc.stdout).by_id("shown-count").text() == str(len(expected))
