"""Values from remote hosts (facts, fault texts) and from the command line reach the terminal with
their control characters escaped: a fact value holding an escape sequence must not retitle the
window, clear the screen or rewrite earlier lines when ``exready show`` prints it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from scanner.cli import build_app
from scanner.cli.terminal import clean

REPO = Path(__file__).resolve().parents[2]
NASTY = "\x1b]0;owned\x07\x1b[2J\x1b[1A\r\x9b31m\u202e"  # title, clear, cursor up, CR, C1 CSI, RLO


def poisoned_facts(tmp_path: Path) -> Path:
    doc: dict[str, Any] = json.loads((REPO / "samples" / "facts" / "demo-facts.json").read_text(encoding="utf-8"))
    for host in doc["hosts"]:
        for fact in host["facts"].values():
            if fact.get("status") == "present" and isinstance(fact.get("value"), str):
                fact["value"] = fact["value"] + NASTY
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def assert_clean(text: str) -> None:
    bad = sorted({f"U+{ord(c):04X}" for c in text if c not in "\n\t" and (ord(c) < 0x20 or 0x7f <= ord(c) < 0xa0
                                                                           or c == "\u202e")})
    assert not bad, bad


def test_show_and_the_matrix_escape_control_characters_of_fact_values(tmp_path: Path) -> None:
    runner = CliRunner()
    report = tmp_path / "report.json"
    evaluated = runner.invoke(build_app(), ["evaluate", str(poisoned_facts(tmp_path)), "--json", str(report)])
    assert evaluated.exit_code in (0, 1, 2), evaluated.output
    assert_clean(evaluated.output)
    host = json.loads(report.read_text(encoding="utf-8"))["hosts"][0]["name"]
    shown = runner.invoke(build_app(), ["show", host, "--from", str(report)])
    assert shown.exit_code == 0, shown.output
    assert "\\x1b]0;owned\\x07" in shown.output  # the value is still there, visibly
    assert_clean(shown.output)


def test_an_error_line_escapes_control_characters(tmp_path: Path) -> None:
    result = CliRunner().invoke(build_app(), ["show", "X\x1b[2J", "--from", str(tmp_path / "missing\x07.json")])
    assert result.exit_code == 3
    assert "missing\\x07.json" in result.output
    assert_clean(result.output)


def test_clean_keeps_newlines_tabs_and_printable_text() -> None:
    assert clean("a\tb\nc é ✓") == "a\tb\nc é ✓"
    assert clean("\x1b[31m") == "\\x1b[31m"
    assert clean("\u202e") == "\\u202e"
