"""The matrix as CSV for change management: one row per host x role, Excel-safe.

Columns, in this order (stable; documented in the README): host, fqdn, site, role, verdict,
blocking_rules, warnings, reason. Rule lists are separated by " " (a space), so the cell stays one
value in both the excel and excel-fr dialects.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from scanner.model.run import ScanResult
from scanner.report.csv_safe import CsvDialect, write_csv

MATRIX_COLUMNS = ("host", "fqdn", "site", "role", "verdict", "blocking_rules", "warnings", "reason")


def matrix_rows(result: ScanResult) -> Iterator[list[str]]:
    """The rows, one at a time (the writer never holds them all)."""
    hosts = {o.host.name: o for o in result.outcomes}
    for cell in result.cells:
        outcome = hosts[cell.host]
        reason = cell.reason
        if not reason and cell.unknown:
            reason = "unknown: " + " ".join(cell.unknown)
        yield [
            cell.host, outcome.host.fqdn or "", outcome.host.site or "", cell.role, cell.status.value,
            " ".join(cell.blocking), " ".join(cell.warnings), reason,
        ]


def write_matrix_csv(result: ScanResult, path: Path, dialect: str | CsvDialect = CsvDialect.EXCEL) -> None:
    write_csv(path, MATRIX_COLUMNS, matrix_rows(result), dialect)
