"""The findings as CSV for change management: one row per host and rule that is not passing.

A row is written for every verdict that fails, warns or is unknown; passing and not-applicable
verdicts are left out, and so are rules left unjudged because their source was not consulted (AD not
read, no installer account named). A host that was not scanned gets one row: no rule id, status
unknown, the outcome as reason and its explanation as detail. Rows follow the inventory order, then
the rule order of the sweep.

Columns, in this order (stable; documented in the README):
  run_id       the sweep's id (``exready history show RUN_ID``)
  host         short name
  fqdn         DNS name, when known
  site         AD site, when known
  roles        the roles this rule affects on this host, space-separated (from the matrix)
  rule_id      Exchange Setup's rule name, e.g. UcmaRedistMsi
  title        the rule in one line (English, or French with --lang fr)
  severity     error (blocks the role) or warning
  status       fail, warn or unknown
  reason       why unknown (unreachable, auth_failed, timeout, fact_missing, ...); empty otherwise
  detail       what was found, one line
  evidence     the facts behind the verdict, compact JSON
  remediation  what to do (English, or French with --lang fr)
  reference    Microsoft's page for the rule
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path

from scanner.matrix.build import NOT_CONSULTED
from scanner.model.matrix import Cell
from scanner.model.rule import RuleMeta, Severity
from scanner.model.run import ScanResult
from scanner.model.verdict import Status, Verdict
from scanner.report.csv_safe import CsvDialect, write_csv

FINDINGS_COLUMNS = (
    "run_id",
    "host",
    "fqdn",
    "site",
    "roles",
    "rule_id",
    "title",
    "severity",
    "status",
    "reason",
    "detail",
    "evidence",
    "remediation",
    "reference",
)

FINDING_STATUSES = frozenset({Status.FAIL, Status.WARN, Status.UNKNOWN})


def shown_status(verdict: Verdict, meta: RuleMeta | None) -> Status:
    """The verdict's status as reports show it: a warning-severity rule that fires warns. Today's
    engine already says so; a report or history run written before it said ``fail``."""
    if verdict.status is Status.FAIL and meta is not None and meta.severity is Severity.WARNING:
        return Status.WARN
    return verdict.status


def compact_json(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


# Rules left unjudged because the user did not consult their source (AD, the installer account) are
# not findings about the host; the matrix says they were not judged.
def findings_rows(
    result: ScanResult, rules: Mapping[str, RuleMeta], lang: str = "en"
) -> Iterator[list[str]]:
    """``rules`` maps rule ids to their metadata (the catalog); a rule missing there (retired since
    the sweep) still gets its row, with the metadata columns empty."""
    cells: dict[str, list[Cell]] = {}
    for cell in result.cells:
        cells.setdefault(cell.host, []).append(cell)
    for outcome in result.outcomes:
        host = outcome.host
        if not outcome.ok:
            # One row says why, rather than one "unknown" row for every rule of a host never scanned.
            yield [result.info.run_id, host.name, host.fqdn or "", host.site or "",
                   " ".join(result.roles), "", "", "", Status.UNKNOWN.value, outcome.kind.value,
                   outcome.reason, "", "", ""]
            continue
        affected: dict[str, list[str]] = {}  # rule id -> the roles it touches on this host
        for cell in cells.get(host.name, ()):
            for rule_id in (*cell.blocking, *cell.warnings, *cell.unknown):
                affected.setdefault(rule_id, []).append(cell.role)
        for verdict in result.verdicts.get(host.name, ()):
            if verdict.status not in FINDING_STATUSES or verdict.reason in NOT_CONSULTED:
                continue
            meta = rules.get(verdict.rule_id)
            yield [
                result.info.run_id,
                host.name,
                host.fqdn or "",
                host.site or "",
                " ".join(affected.get(verdict.rule_id, ())),
                verdict.rule_id,
                meta.title.get(lang) if meta else "",
                meta.severity.value if meta else "",
                shown_status(verdict, meta).value,
                verdict.reason.value if verdict.reason else "",
                verdict.detail,
                compact_json(dict(verdict.evidence)) if verdict.evidence else "",
                meta.remediation.get(lang) if meta else "",
                meta.help_url if meta else "",
            ]


def write_findings_csv(
    result: ScanResult,
    path: Path,
    rules: Mapping[str, RuleMeta],
    dialect: str | CsvDialect = CsvDialect.EXCEL,
    lang: str = "en",
) -> int:
    """Write the file atomically; return the number of finding rows."""
    written = 0

    def counted() -> Iterator[list[str]]:
        nonlocal written
        for row in findings_rows(result, rules, lang):
            written += 1
            yield row

    write_csv(path, FINDINGS_COLUMNS, counted(), dialect)
    return written
