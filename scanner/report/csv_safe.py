"""CSV that Excel opens safely: the csv module only, two documented dialects, formulas neutralised.

Dialects:
  ``excel``     comma delimiter, UTF-8 without BOM, CRLF line ends (the csv module's ``excel``)
  ``excel-fr``  semicolon delimiter and a UTF-8 byte-order mark, which is what Excel expects on a
                French (or any comma-decimal) Windows locale: it then splits columns and reads
                accents right when the file is double-clicked

Any text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab, a carriage return or a line feed
gets a leading apostrophe, so a spreadsheet shows it as text instead of running it as a formula
(CSV injection: a host name or an error message is data we do not control). Numbers are written as
numbers. Files are written to a temporary name beside the target and renamed into place, so a
scheduler or a change-management robot never picks up half a file.
"""

from __future__ import annotations

import csv
import os
import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import IO

from scanner.errors import UsageError

# Characters that make a spreadsheet treat a cell as a formula (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


class CsvDialect(StrEnum):
    EXCEL = "excel"
    EXCEL_FR = "excel-fr"


class _ExcelFr(csv.excel):
    delimiter = ";"


def parse_dialect(name: str | CsvDialect) -> CsvDialect:
    """The dialect named ``name``; a clear error naming the choices otherwise."""
    try:
        return CsvDialect(name)
    except ValueError:
        choices = ", ".join(d.value for d in CsvDialect)
        raise UsageError(f"unknown CSV dialect {name!r} (choose one of: {choices})") from None


def csv_dialect(name: str | CsvDialect) -> type[csv.Dialect]:
    """The csv-module dialect class, for writers and for readers of our files."""
    return _ExcelFr if parse_dialect(name) is CsvDialect.EXCEL_FR else csv.excel


def encoding_for(name: str | CsvDialect) -> str:
    """``utf-8-sig`` writes the BOM and, when reading, drops it."""
    return "utf-8-sig" if parse_dialect(name) is CsvDialect.EXCEL_FR else "utf-8"


def neutralise(value: object) -> str | int | float:
    """One cell: None is empty, numbers stay numbers, text that could run as a formula is quoted."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


class SafeCsvWriter:
    """A csv.writer over any text stream opened with ``newline=""``, neutralising every cell."""

    def __init__(self, stream: IO[str], dialect: str | CsvDialect = CsvDialect.EXCEL) -> None:
        self._writer = csv.writer(stream, dialect=csv_dialect(dialect))

    def writerow(self, cells: Iterable[object]) -> None:
        self._writer.writerow([neutralise(c) for c in cells])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


@contextmanager
def open_csv(path: Path, dialect: str | CsvDialect = CsvDialect.EXCEL) -> Iterator[SafeCsvWriter]:
    """Write a CSV file atomically: a temporary file beside ``path``, renamed into place on success.

    An error while writing leaves any previous file untouched. A path that cannot be written
    (missing directory, no permission, the file held open by Excel on Windows) is a one-line
    UsageError naming the path.
    """
    chosen = parse_dialect(dialect)
    target = Path(path)
    # Not mkstemp: its 0600 mode would follow the file into place and lock out the reader it is for.
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    try:
        stream = open(tmp, "x", encoding=encoding_for(chosen), newline="")
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from exc
    try:
        with stream:
            yield SafeCsvWriter(stream, chosen)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_csv(
    path: Path,
    header: Iterable[str],
    rows: Iterable[Iterable[object]],
    dialect: str | CsvDialect = CsvDialect.EXCEL,
) -> None:
    """Header plus rows, atomically, in the chosen dialect."""
    with open_csv(path, dialect) as writer:
        writer.writerow(header)
        writer.writerows(rows)


def read_csv(path: Path, dialect: str | CsvDialect = CsvDialect.EXCEL) -> list[list[str]]:
    """Read one of our files back (tests, and anything that re-imports a handoff file)."""
    with open(path, encoding=encoding_for(dialect), newline="") as stream:
        return list(csv.reader(stream, dialect=csv_dialect(dialect)))
