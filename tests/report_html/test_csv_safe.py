from __future__ import annotations

import csv
from pathlib import Path

import pytest

from scanner.errors import UsageError
from scanner.report.csv_safe import (
    CsvDialect,
    SafeCsvWriter,
    neutralise,
    open_csv,
    parse_dialect,
    read_csv,
    write_csv,
)


@pytest.mark.parametrize("text", ["=1+1", "+33 1 23", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd", "\nx"])
def test_formula_prefixes_get_an_apostrophe(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["EX01", "15.20", "a=b", "", "'already"])
def test_plain_text_is_unchanged(text: str) -> None:
    assert neutralise(text) == text


def test_numbers_none_and_bools() -> None:
    assert neutralise(-5) == -5
    assert neutralise(1.5) == 1.5
    assert neutralise(None) == ""
    assert neutralise(True) == "true"


def test_excel_fr_has_bom_semicolons_and_round_trips(tmp_path: Path) -> None:
    target = tmp_path / "m.csv"
    rows = [["EX01", "Boîte aux lettres; rôle", "=HYPERLINK(\"x\")"], ["EX02", "a\nb", 3]]
    write_csv(target, ["host", "detail", "note"], rows, "excel-fr")
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw[3:].startswith(b"host;detail;note\r\n")
    with open(target, encoding="utf-8-sig", newline="") as f:
        got = list(csv.reader(f, delimiter=";"))
    assert got == [
        ["host", "detail", "note"],
        ["EX01", "Boîte aux lettres; rôle", "'=HYPERLINK(\"x\")"],
        ["EX02", "a\nb", "3"],
    ]
    assert read_csv(target, CsvDialect.EXCEL_FR) == got


def test_excel_dialect_is_comma_without_bom(tmp_path: Path) -> None:
    target = tmp_path / "m.csv"
    write_csv(target, ["a", "b"], [["1,2", "@x"]])
    raw = target.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert raw == b'a,b\r\n"1,2",\'@x\r\n'


def test_failed_write_keeps_the_previous_file_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "m.csv"
    target.write_text("old\n", encoding="utf-8")
    with pytest.raises(RuntimeError), open_csv(target) as w:
        w.writerow(["new"])
        raise RuntimeError("boom")
    assert target.read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.csv"]


def test_unwritable_directory_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot write"):
        write_csv(tmp_path / "missing" / "m.csv", ["a"], [])


def test_unknown_dialect_names_the_choices() -> None:
    with pytest.raises(UsageError, match="excel, excel-fr"):
        parse_dialect("tsv")


def test_writer_on_a_stream(tmp_path: Path) -> None:
    target = tmp_path / "s.csv"
    with open(target, "w", encoding="utf-8", newline="") as f:
        SafeCsvWriter(f, "excel-fr").writerows([["-x", 1]])
    assert target.read_bytes() == b"'-x;1\r\n"
