"""The CSV and HTML writers stream their rows and pieces; the files are what the whole-text renderers give."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from scanner.checks.catalog import load_catalog
from scanner.evaluate.engine import EvaluationParams
from scanner.matrix.judge import assemble
from scanner.model.intern import Interner
from scanner.model.outcome import HostOutcome, OutcomeKind
from scanner.model.run import ScanResult
from scanner.report.csv_safe import CsvDialect, read_csv
from scanner.report.findings_csv import FINDINGS_COLUMNS, findings_rows, write_findings_csv
from scanner.report.html import _FLUSH_PARTS, render_html, write_html
from scanner.report.json_report import read_saved
from scanner.report.matrix_csv import MATRIX_COLUMNS, matrix_rows, write_matrix_csv

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def fleet(copies: int) -> ScanResult:
    """The demo's hosts, ``copies`` times over, one in five of them unreachable."""
    saved = read_saved(SAMPLES / "facts" / "demo-facts.json")
    outcomes: list[HostOutcome] = []
    for i in range(copies):
        for o in saved.outcomes:
            name = f"{o.host.name}-{i}"
            host = replace(o.host, name=name, fqdn=f"{name.lower()}.corp.example", site=f"site{i % 3}")
            if len(outcomes) % 5 == 4:
                outcomes.append(HostOutcome(host, OutcomeKind.UNREACHABLE, "=cmd|' /C calc'!A0"))
            else:
                assert o.facts is not None
                outcomes.append(replace(o, host=host, facts=replace(o.facts, host=name)))
    params = EvaluationParams(exchange_version="2013", org=saved.org)
    return assemble(saved.info, outcomes, load_catalog(), params, interner=Interner())


def test_streamed_html_is_the_rendered_page(tmp_path: Path) -> None:
    result = fleet(40)
    rules = {m.id: m for m in load_catalog().all_meta()}
    text = render_html(result, rules, lang="fr")
    assert text.count("<tr") > _FLUSH_PARTS // 8  # big enough to be written in several pieces
    path = tmp_path / "r.html"
    write_html(result, path, rules, lang="fr")
    assert path.read_text(encoding="utf-8") == text


def test_streamed_csvs_hold_every_row(tmp_path: Path) -> None:
    result = fleet(5)
    rules = {m.id: m for m in load_catalog().all_meta()}
    path = tmp_path / "f.csv"
    count = write_findings_csv(result, path, rules, CsvDialect.EXCEL_FR)
    rows = read_csv(path, CsvDialect.EXCEL_FR)
    expected = list(findings_rows(result, rules))
    assert rows[0] == list(FINDINGS_COLUMNS)
    assert count == len(expected) == len(rows) - 1 > 0
    unreachable = [r for r in rows[1:] if r[9] == "unreachable"]
    assert unreachable and all(r[10].startswith("'=") for r in unreachable)  # neutralised, still there
    assert all(r[4] for r in rows[1:] if r[5])  # every finding names the roles it touches
    path = tmp_path / "m.csv"
    write_matrix_csv(result, path)
    rows = read_csv(path)
    assert rows[0] == list(MATRIX_COLUMNS)
    assert rows[1:] == [[str(c) for c in r] for r in matrix_rows(result)]
    assert len(rows) - 1 == len(result.cells)
