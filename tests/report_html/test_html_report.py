from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from html_dom import Node, parse
from scan_samples import make_result

from scanner.history.diff import diff_results
from scanner.model.run import ScanResult
from scanner.model.verdict import Verdict
from scanner.report.html import render_html, write_html

HOSTS = ["EX01", "EX02", "EX03", "EX04", "EX05"]
HOSTILE = '<img src=x onerror="alert(1)"></td><script>alert(2)</script>'


def sweep_pair() -> tuple[ScanResult, ScanResult]:
    old = make_result("night-1", HOSTS, {"EX02": ["UcmaRedistMsi"]}, started="2026-11-19T01:00:00+00:00")
    new = make_result(
        "night-2",
        HOSTS[:4],
        {"EX03": ["InstallWatermark"], "EX01": ["PendingRebootWindowsComponents"]},
        unreachable=["EX04"],
        started="2026-11-20T01:00:00+00:00",
    )
    # data we do not control ends up in details and reasons
    verdicts = dict(new.verdicts)
    verdicts["EX03"] = [
        replace(v, detail=HOSTILE) if v.rule_id == "InstallWatermark" else v for v in verdicts["EX03"]
    ]
    outcomes = list(new.outcomes)
    outcomes[3] = replace(outcomes[3], reason="refused & <reset> by peer")
    return old, replace(new, verdicts=verdicts, outcomes=outcomes)


def matrix_rows(doc: Node) -> list[list[str]]:
    (table,) = [t for t in doc.iter("table") if t.has_class("matrix")]
    (body,) = table.iter("tbody")
    return [[c.text() for c in row.children if isinstance(c, Node)] for row in body.iter("tr")]


def check_report(doc: Node) -> None:
    rows = matrix_rows(doc)
    assert [r[0] for r in rows] == ["EX01", "EX02", "EX03", "EX04"]
    assert rows[2][2].startswith("BLOCKED") and "InstallWatermark" in rows[2][2]
    assert rows[0][2].startswith("READY (warnings)")
    assert rows[3][2].startswith("UNKNOWN")
    blocked = [n for n in doc.iter("td") if n.has_class("BLOCKED")]
    assert len(blocked) == 4  # EX03 in every role
    changes = doc.by_id("changes")
    headings = [h.text() for h in changes.iter("h3")]
    assert "Newly blocked (4)" in headings
    assert "Newly ready (2)" in headings
    assert "Newly unknown (4)" in headings
    assert "Hosts gone from the inventory (1)" in headings
    (gone,) = changes.find("h3", **{"data-change": "removed"})
    assert gone.text() == "Hosts gone from the inventory (1)"
    assert [li.text() for li in changes.iter("li")] == ["EX05"]
    assert "night-1" in changes.text()
    unknown = doc.by_id("unknown")
    assert "refused & <reset> by peer" in unknown.text()


def test_report_has_sections_and_escapes_everything(tmp_path: Path) -> None:
    old, new = sweep_pair()
    text = render_html(new, diff=diff_results(old, new))
    assert "<script>alert(2)" not in text and "<img src=x" not in text
    assert '&lt;img src=x onerror="alert(1)"&gt;&lt;/td&gt;&lt;script&gt;' in text
    assert "http://" not in text.replace("http-equiv", "") and "https://" not in text  # nothing fetched
    doc = parse(text)
    check_report(doc)
    assert len(doc.find("script")) == 1  # ours only
    assert len([d for d in doc.iter("details") if d.has_class("host")]) == 4
    assert doc.find("img") == []


def test_report_without_previous_sweep_and_in_french() -> None:
    _, new = sweep_pair()
    doc = parse(render_html(new, lang="fr"))
    assert "Aucune analyse complète antérieure" in doc.by_id("changes").text()
    assert matrix_rows(doc)[2][2].startswith("BLOQUÉ")


def test_interrupted_banner_and_host_without_verdicts() -> None:
    result = make_result("r", ["EX01"], interrupted=True)
    empty: dict[str, list[Verdict]] = {}
    doc = parse(render_html(replace(result, verdicts=empty)))
    assert "interrupted" in doc.find("p", role="alert")[0].text()
    assert "No verdicts for this host." in doc.by_id("host-0").text()


def _chromium() -> str | None:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and os.environ.get("CI") == "true":
        pytest.fail("chromium is not installed (CI=true: the browser test must run)")
    return found


@pytest.mark.browser
def test_report_in_headless_chromium(tmp_path: Path) -> None:
    chromium = _chromium()
    if chromium is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    old, new = sweep_pair()
    report = tmp_path / "report.html"
    write_html(new, report, diff=diff_results(old, new))
    profile = tmp_path / "profile"
    proc = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--dump-dom",
            report.as_uri() + "#host-2",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    doc = parse(proc.stdout)
    check_report(doc)
    # the script ran in the browser: the host named in the address is opened for the reader
    assert "open" in doc.by_id("host-2").attrs
    assert "open" not in doc.by_id("host-1").attrs
    assert "InstallWatermark" in doc.by_id("host-2").text()
    # the injected markup stayed text in the live DOM
    assert doc.find("img") == [] and len(doc.find("script")) == 1
    assert HOSTILE in doc.by_id("host-2").text()


def test_attribute_values_are_escaped() -> None:
    result = make_result("r", ["EX01"], {"EX01": ["UcmaRedistMsi"]})
    outcome = result.outcomes[0]
    odd = replace(outcome, host=replace(outcome.host, site='Paris "HQ" <b>'))
    text = render_html(replace(result, outcomes=[odd]))
    assert 'data-search="ex01 ex01.corp.example paris &quot;hq&quot; &lt;b&gt;' in text
    assert '<td>Paris "HQ" &lt;b&gt;</td>' in text
    (row,) = [r for r in parse(text).iter("tr") if r.attrs.get("data-host") == "EX01"]
    assert row.children[1].text() == 'Paris "HQ" <b>'  # type: ignore[union-attr]
