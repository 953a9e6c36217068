"""The terminal matrix and drill-down, rendered with tabulate (number parsing off: 15.20 stays 15.20)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from tabulate import tabulate

from scanner.i18n import Lang, t
from scanner.matrix.build import NOT_CONSULTED
from scanner.model.matrix import Cell, CellStatus
from scanner.model.outcome import HostOutcome
from scanner.model.run import ScanResult
from scanner.model.verdict import Status, Verdict


def cell_text(cell: Cell, lang: Lang = Lang.EN, limit: int | None = None,
              not_consulted: frozenset[str] = frozenset()) -> str:
    """``BLOCKED: UcmaRedistMsi +2``: the rules behind the status, the first ``limit`` of them. An
    UNKNOWN cell names the rules that could not be judged, not those whose source was not consulted."""
    word = t(cell.status.value, lang)
    rules = cell.blocking if cell.status is CellStatus.BLOCKED else (
        tuple(r for r in cell.unknown if r not in not_consulted) if cell.status is CellStatus.UNKNOWN else ())
    if not rules:
        return word
    shown = rules if limit is None else rules[:limit]
    more = f" +{len(rules) - len(shown)}" if len(shown) < len(rules) else ""
    return f"{word}: {', '.join(shown)}{more}"


def matrix_table(result: ScanResult, lang: Lang = Lang.EN, fmt: str = "simple") -> str:
    headers = [t("host", lang), t("site", lang), *result.roles, t("notes", lang)]
    by_host: dict[str, dict[str, Cell]] = {}
    for cell in result.cells:
        by_host.setdefault(cell.host, {})[cell.role] = cell
    rows = []
    starred: list[Cell] = []
    for outcome in result.outcomes:
        cells = by_host.get(outcome.host.name, {})
        skipped = not_consulted(result.verdicts.get(outcome.host.name, ()))
        texts = []
        for role in result.roles:
            found = cells.get(role)
            text = _matrix_cell(found, outcome, lang, skipped)
            if text.endswith("*") and found is not None:
                starred.append(found)
            texts.append(text)
        rows.append([outcome.host.name, outcome.host.site or "", *texts, _note(outcome)])
    table = tabulate(rows, headers=headers, tablefmt=fmt, disable_numparse=True)
    if starred:
        table += "\n\n" + t("legend_not_judged", lang, example=starred[0].reason)
    return table


def not_consulted(verdicts: Iterable[Verdict]) -> frozenset[str]:
    """Rules left unjudged because their source was not consulted (AD, the installer account)."""
    return frozenset(v.rule_id for v in verdicts if v.reason in NOT_CONSULTED)


def summary_table(result: ScanResult, lang: Lang = Lang.EN, fmt: str = "simple") -> str:
    counts: dict[str, Counter[CellStatus]] = {role: Counter() for role in result.roles}
    for cell in result.cells:
        counts[cell.role][cell.status] += 1
    statuses = list(CellStatus)
    rows = [[role, *(str(counts[role][s]) for s in statuses)] for role in result.roles]
    return tabulate(rows, headers=[t("role", lang), *(t(s.value, lang) for s in statuses)],
                    tablefmt=fmt, disable_numparse=True)


def host_table(result: ScanResult, name: str, lang: Lang = Lang.EN, fmt: str = "simple") -> str:
    """One host's outcome, cells and every verdict with its evidence."""
    outcome = next(o for o in result.outcomes if o.host.name == name)
    lines = [
        f"{outcome.host.name}  {outcome.host.fqdn or ''}  {outcome.host.site or ''}".rstrip(),
        f"{t('outcome', lang)}: {outcome.kind.value}"
        + (f" ({outcome.reason})" if outcome.reason else "")
        + (f"  auth={outcome.auth_mechanism}" if outcome.auth_mechanism else "")
        + f"  {outcome.duration_s:.2f} s",
        "",
        tabulate([[c.role, cell_text(c, lang), ", ".join(c.warnings), c.reason] for c in result.cells_for(name)],
                 headers=[t("role", lang), t("status", lang), "warnings", "reason"],
                 tablefmt=fmt, disable_numparse=True),
        "",
    ]
    verdicts = result.verdicts.get(name, ())
    lines.append(tabulate([_verdict_row(v, lang) for v in verdicts],
                          headers=[t("rule", lang), t("status", lang), t("detail", lang), "evidence"],
                          tablefmt=fmt, disable_numparse=True, maxcolwidths=[None, None, 60, 60]))
    return "\n".join(lines)


def _verdict_row(v: Verdict, lang: Lang) -> list[str]:
    status = t(v.status.value, lang)
    if v.status is Status.UNKNOWN and v.reason is not None:
        status = f"{status} ({v.reason.value})"
    evidence = "; ".join(f"{k}={_short(val)}" for k, val in v.evidence.items())
    return [v.rule_id, status, v.detail, evidence]


def _short(value: object) -> str:
    text = str(value)
    return text if len(text) <= 80 else text[:79] + "…"


def _matrix_cell(cell: Cell | None, outcome: HostOutcome, lang: Lang, skipped: frozenset[str]) -> str:
    if cell is None:
        return ""
    if not outcome.ok:  # every rule is unknown for the same reason, given once in the notes
        return t(cell.status.value, lang)
    text = cell_text(cell, lang, limit=1, not_consulted=skipped)
    if cell.status in (CellStatus.READY, CellStatus.READY_WITH_WARNINGS) and skipped & set(cell.unknown):
        text += "*"  # some rules were not judged: their source was not consulted (see the legend)
    return text


def _note(outcome: HostOutcome) -> str:
    if outcome.ok:
        return ""
    return f"{outcome.kind.value}: {outcome.reason}" if outcome.reason else outcome.kind.value


def organisation_table(verdicts: Sequence[Verdict], status: CellStatus, lang: Lang = Lang.EN,
                       fmt: str = "simple") -> str:
    """The directory rules judged with no host: the organisation's overall status, then each verdict."""
    rows = [[v.rule_id, _verdict_row(v, lang)[1], v.detail] for v in verdicts]
    return "\n".join([
        f"{t('organisation', lang)}: {t(status.value, lang)}",
        "",
        tabulate(rows, headers=[t("rule", lang), t("status", lang), t("detail", lang)],
                 tablefmt=fmt, disable_numparse=True, maxcolwidths=[None, None, 80]),
    ])
