"""The terminal matrix fits the terminal (its width or COLUMNS), keeps a wide form on request;
``show`` says once what many verdicts say alike; French covers the footnote, outcomes and headers."""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner.checks.catalog import load_catalog
from scanner.cli import build_app
from scanner.evaluate.engine import EvaluationParams
from scanner.i18n import Lang
from scanner.matrix.judge import assemble
from scanner.model.host import Host
from scanner.model.intern import Interner
from scanner.model.matrix import CellStatus
from scanner.model.outcome import HostOutcome, OutcomeKind
from scanner.model.run import ScanResult
from scanner.report.json_report import read_saved
from scanner.report.table import host_table, matrix_table, terminal_width

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
DEMO_FACTS = SAMPLES / "facts" / "demo-facts.json"
DOWN_REASON = "connection refused (during connect): is WinRM listening on this port?"


@cache
def demo() -> ScanResult:
    """The demo's saved facts, each host in a site, and one host that could not be reached."""
    saved = read_saved(DEMO_FACTS)
    outcomes = [replace(o, host=replace(o.host, site="Paris-HQ")) for o in saved.outcomes]
    outcomes.append(HostOutcome(Host(name="PAR-DOWN", site="Paris-HQ"), OutcomeKind.UNREACHABLE, DOWN_REASON))
    params = EvaluationParams(exchange_version="2013")
    return assemble(saved.info, outcomes, load_catalog(), params, interner=Interner())


def widest(text: str) -> int:
    return max(len(line) for line in text.splitlines())


@pytest.mark.parametrize("width", [100, 120, 160])
def test_the_matrix_fits_the_width(width: int) -> None:
    for lang in Lang:
        assert widest(matrix_table(demo(), lang, width=width)) <= width


def test_the_wide_form_is_the_one_without_a_width() -> None:
    wide = matrix_table(demo())
    assert widest(wide) > 200  # each cell names its first rule; the unreachable host's whole reason
    assert "BLOCKED: UcmaRedistMsi" in wide and DOWN_REASON in wide


@pytest.mark.parametrize("width", [100, 120])
def test_a_fitted_matrix_still_names_each_hosts_first_blocking_rule(width: int) -> None:
    result = demo()
    text = matrix_table(result, width=width)
    lines = text.splitlines()
    for outcome in result.outcomes:
        blocking = [c.blocking[0] for c in result.cells_for(outcome.host.name) if c.status is CellStatus.BLOCKED]
        if not blocking:
            continue
        row = next(i for i, line in enumerate(lines) if line.startswith(outcome.host.name + " "))
        said = lines[row] + " " + (lines[row + 1] if lines[row + 1].startswith("    ") else "")
        assert blocking[0] in said.replace(",", " ").split(), (outcome.host.name, said)
    down = next(i for i, line in enumerate(lines) if line.startswith("PAR-DOWN "))
    assert "unreachable: connection refused" in lines[down] + lines[down + 1]


def test_terminal_width_follows_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "104")
    assert terminal_width() == 104
    monkeypatch.delenv("COLUMNS")
    assert terminal_width() is None  # pytest's output is not a terminal: the wide form


def test_evaluate_fits_columns_and_wide_keeps_the_wide_form(tmp_path: Path) -> None:
    runner = CliRunner()
    fitted = runner.invoke(build_app(), ["evaluate", str(DEMO_FACTS)], env={"COLUMNS": "100", "EXREADY_LANG": "en"})
    matrix = fitted.output.split("\n\nSummary by role")[0]
    assert widest(matrix) <= 100, matrix
    wide = runner.invoke(build_app(), ["evaluate", str(DEMO_FACTS), "--wide"],
                         env={"COLUMNS": "100", "EXREADY_LANG": "en"})
    assert "BLOCKED: UcmaRedistMsi" in wide.output and widest(wide.output.split("\n\nSummary by role")[0]) > 100


def test_the_footnote_and_notes_are_french() -> None:
    text = matrix_table(demo(), Lang.FR, width=100)
    assert "non évaluées sans Active Directory" in text
    assert "not judged" not in text
    assert "injoignable: connection refused" in text


def test_show_says_once_what_an_unreachable_hosts_verdicts_say() -> None:
    text = host_table(demo(), "PAR-DOWN")
    assert widest(text) <= 200
    assert text.count(DOWN_REASON.split(":")[0]) <= 2  # the outcome line, and one row for every rule
    rows = [line for line in text.splitlines() if "unknown (unreachable)" in line]
    assert len(rows) == 1 and rows[0].split()[1] == "rules:"


def test_show_in_french_has_french_headers_and_reasons() -> None:
    result = demo()
    name = next(c.host for c in result.cells if c.status is CellStatus.UNKNOWN and c.host != "PAR-DOWN")
    text = host_table(result, name, Lang.FR)
    for header in ("Rôle", "Statut", "Avertissements", "Raison", "Règle", "Détail", "Éléments"):
        assert header in text
    for english in ("warnings", "reason", "evidence", "not judged without"):
        assert english not in text
    assert "non évaluées sans Active Directory" in text
    assert "injoignable" in host_table(result, "PAR-DOWN", Lang.FR)
