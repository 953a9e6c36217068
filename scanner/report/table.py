"""The terminal matrix and drill-down, rendered with tabulate (number parsing off: 15.20 stays 15.20)."""

from __future__ import annotations

import os
import sys
import textwrap
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tabulate import tabulate

from scanner.i18n import Lang, t
from scanner.matrix.build import NOT_CONSULTED
from scanner.model.matrix import Cell, CellStatus
from scanner.model.outcome import HostOutcome
from scanner.model.run import ScanResult
from scanner.model.verdict import Status, UnknownReason, Verdict


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


def matrix_table(result: ScanResult, lang: Lang = Lang.EN, fmt: str = "simple", width: int | None = None) -> str:
    """The host x role matrix. Wide form (``width`` None, or when it fits): each cell names its first
    rule (``BLOCKED: UcmaRedistMsi +1``). Narrower than that, the compact form: each cell holds its
    status alone and the host's Notes name the rules behind them, as many as fit (``exready show
    HOST`` has them all); the footnote wraps. Host names are never cut."""
    by_host: dict[str, dict[str, Cell]] = {}
    for cell in result.cells:
        by_host.setdefault(cell.host, {})[cell.role] = cell
    hosts: list[tuple[HostOutcome, list[_Shown | None]]] = []
    starred: list[Cell] = []
    for outcome in result.outcomes:
        cells = by_host.get(outcome.host.name, {})
        skipped = not_consulted(result.verdicts.get(outcome.host.name, ()))
        shown = [_shown(cells.get(role), outcome, lang, skipped) for role in result.roles]
        starred.extend(s.cell for s in shown if s is not None and s.star)
        hosts.append((outcome, shown))
    headers = [t("host", lang), t("site", lang), *result.roles, t("notes", lang)]
    rows = [[o.host.name, o.host.site or "", *(s.wide() if s else "" for s in shown), _note(o, lang)]
            for o, shown in hosts]
    table = tabulate(rows, headers=headers, tablefmt=fmt, disable_numparse=True)
    if width is not None and _width(table) > width:
        table = _compact(hosts, headers, fmt, width, lang)
    if starred:
        first = starred[0]
        legend = t("legend_not_judged", lang,
                   example=_legend_example(first, result.verdicts.get(first.host, ()), lang))
        table += "\n\n" + (legend if width is None else "\n".join(textwrap.wrap(legend, max(width, 20))))
    return table


def terminal_width() -> int | None:
    """The width to fit the matrix in: $COLUMNS when set, else the terminal's; None (no limit) when
    the output is not a terminal (a file or a pipe keeps the wide form)."""
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    try:
        if not sys.stdout.isatty():
            return None
        return os.get_terminal_size(sys.stdout.fileno()).columns
    except (OSError, ValueError, AttributeError):
        return None


_GAP = 2  # tabulate's "simple" format puts two spaces between columns
_MIN_NOTES = 28  # narrower than this, the notes go on their own line under each row


@dataclass(frozen=True, slots=True)
class _Shown:
    """What a matrix cell says: its status word, the rules behind it, and a star that sends to the
    footnote (some rules were not judged: their source was not consulted)."""

    cell: Cell
    word: str
    rules: tuple[str, ...] = ()
    star: bool = False

    def wide(self) -> str:
        more = f" +{len(self.rules) - 1}" if len(self.rules) > 1 else ""
        named = f": {self.rules[0]}{more}" if self.rules else ""
        return f"{self.word}{named}" + ("*" if self.star else "")

    def short(self, lang: Lang) -> str:
        word = t("READY_WITH_WARNINGS_short", lang) if self.cell.status is CellStatus.READY_WITH_WARNINGS else self.word
        return word + ("*" if self.star else "")


def _compact(hosts: list[tuple[HostOutcome, list[_Shown | None]]], headers: list[str], fmt: str, width: int,
             lang: Lang) -> str:
    """Statuses alone in the role columns; the notes name the host's rules (blocking first, then those
    that could not be judged), cut to the width that is left. When too little is left for them, each
    host's note goes on its own indented line under the host's row."""
    rows = [[o.host.name, o.host.site or "", *(s.short(lang) if s else "" for s in shown)] for o, shown in hosts]
    bare = tabulate(rows, headers=headers[:-1], tablefmt=fmt, disable_numparse=True)
    room = width - _width(bare) - _GAP - 2  # tabulate pads a header by two
    below = room < _MIN_NOTES
    if below:
        room = max(width - len(_INDENT), _MIN_NOTES)
    notes = [_fit_note(_note(o, lang), room) if not o.ok else _rules_note(shown, room, lang) for o, shown in hosts]
    if not below:
        return tabulate([[*row, note] for row, note in zip(rows, notes, strict=True)], headers=headers,
                        tablefmt=fmt, disable_numparse=True)
    lines = bare.splitlines()
    head = len(lines) - len(rows)  # the header's lines (a row is one line: no cell holds a line break)
    out = lines[:head]
    for line, note in zip(lines[head:], notes, strict=True):
        out.append(line.rstrip())
        if note:
            out.append(_INDENT + note)
    return "\n".join(out)


_INDENT = "    "


def _width(table: str) -> int:
    return max((len(line.rstrip()) for line in table.splitlines()), default=0)


def _rules_note(shown: list[_Shown | None], room: int, lang: Lang) -> str:
    blocking: dict[str, None] = {}
    unknown: dict[str, None] = {}
    for s in shown:
        if s is not None:
            (blocking if s.cell.status is CellStatus.BLOCKED else unknown).update(dict.fromkeys(s.rules))
    names = [*blocking, *(n for n in unknown if n not in blocking)]
    if not names:
        return ""
    prefix = "" if blocking else f"{t('unknown', lang)}: "
    text = prefix + ", ".join(names)
    if len(text) <= room:
        return text
    for count in range(len(names) - 1, 0, -1):  # as many names as fit, then how many more
        text = f"{prefix}{', '.join(names[:count])} +{len(names) - count}"
        if len(text) <= room:
            return text
    return _fit_note(f"{prefix}{names[0]}", room - len(f" +{len(names) - 1}")) + (
        f" +{len(names) - 1}" if len(names) > 1 else "")


def _fit_note(text: str, room: int) -> str:
    return text if len(text) <= room else text[: max(room - 1, 1)] + "…"


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
    """One host's outcome, cells and every verdict with its evidence. What many verdicts say alike
    (a host not scanned: every rule unknown for one reason; AD not read) is said once, on one row
    naming how many rules it covers."""
    outcome = next(o for o in result.outcomes if o.host.name == name)
    lines = [
        f"{outcome.host.name}  {outcome.host.fqdn or ''}  {outcome.host.site or ''}".rstrip(),
        f"{t('outcome', lang)}: {t(outcome.kind.value, lang)}"
        + (f" ({outcome.reason})" if outcome.reason else "")
        + (f"  auth={outcome.auth_mechanism}" if outcome.auth_mechanism else "")
        + f"  {outcome.duration_s:.2f} s",
        "",
        tabulate([_cell_row(c, outcome, result.verdicts.get(name, ()), lang) for c in result.cells_for(name)],
                 headers=[t("role", lang), t("status", lang), t("warnings", lang), t("reason", lang)],
                 tablefmt=fmt, disable_numparse=True, maxcolwidths=[None, 60, 40, 60]),
        "",
    ]
    lines.append(tabulate(_verdict_rows(result.verdicts.get(name, ()), lang),
                          headers=[t("rule", lang), t("status", lang), t("detail", lang), t("evidence", lang)],
                          tablefmt=fmt, disable_numparse=True, maxcolwidths=[46, None, 56, 48]))
    return "\n".join(lines)


def _cell_row(c: Cell, outcome: HostOutcome, verdicts: Sequence[Verdict], lang: Lang) -> list[str]:
    if not outcome.ok:  # every rule unknown for the reason the outcome line gives
        return [c.role, t(c.status.value, lang), "", ""]
    text = cell_text(c, lang, limit=3, not_consulted=not_consulted(verdicts))
    return [c.role, text, ", ".join(c.warnings), _cell_reason(c, verdicts, lang)]


def _cell_reason(c: Cell, verdicts: Sequence[Verdict], lang: Lang) -> str:
    """The cell's reason; in French, said again from its verdicts (the cell keeps it in English)."""
    if lang is Lang.EN or not c.reason:
        return c.reason
    skipped = not_consulted(verdicts)
    unknown = [r for r in c.unknown if r not in skipped]
    parts = []
    if unknown:
        names = ", ".join(unknown[:3])
        parts.append(t("cell_not_judged", lang, rules=t("and_more", lang, names=names, count=len(unknown) - 3)
                       if len(unknown) > 3 else names))
    if set(c.unknown) & skipped:
        parts.append(_legend_example(c, verdicts, lang))
    return "; ".join(parts) or c.reason


_GROUP_MIN = 3  # this many verdicts saying the same thing share one row


def _verdict_rows(verdicts: Sequence[Verdict], lang: Lang) -> list[list[str]]:
    """A row per verdict, except verdicts that could not be judged for one same reason and detail
    (and evidence): one row for them all, at the first one's place."""
    groups: dict[tuple[str, ...], list[Verdict]] = {}
    for v in verdicts:
        if v.status is Status.UNKNOWN:
            groups.setdefault(_same(v), []).append(v)
    rows = []
    for v in verdicts:
        group = groups.get(_same(v)) if v.status is Status.UNKNOWN else None
        if group is None or len(group) < _GROUP_MIN:
            rows.append(_verdict_row(v, lang))
        elif group[0] is v:
            names = ", ".join(g.rule_id for g in group[:_GROUP_MIN])
            listed = t("and_more", lang, names=names, count=len(group) - _GROUP_MIN) if len(group) > _GROUP_MIN \
                else names
            row = _verdict_row(v, lang)
            evidence = {r[3] for r in map(lambda g: _verdict_row(g, lang), group)}
            rows.append([t("n_rules", lang, count=len(group), names=listed), row[1], row[2],
                         row[3] if len(evidence) == 1 else ""])  # evidence: only when the same for all
    return rows


def _same(v: Verdict) -> tuple[str, ...]:
    return (v.status.value, v.reason.value if v.reason else "", v.detail)


def _verdict_row(v: Verdict, lang: Lang) -> list[str]:
    status = t(v.status.value, lang)
    if v.status is Status.UNKNOWN and v.reason is not None:
        status = f"{status} ({v.reason.value})"
    evidence = "; ".join(f"{k}={_short(val)}" for k, val in v.evidence.items())
    return [v.rule_id, status, v.detail, evidence]


def _short(value: object) -> str:
    text = str(value)
    return text if len(text) <= 80 else text[:79] + "…"


def _shown(cell: Cell | None, outcome: HostOutcome, lang: Lang, skipped: frozenset[str]) -> _Shown | None:
    if cell is None:
        return None
    word = t(cell.status.value, lang)
    if not outcome.ok:  # every rule is unknown for the same reason, given once in the notes
        return _Shown(cell, word)
    rules = cell.blocking if cell.status is CellStatus.BLOCKED else (
        tuple(r for r in cell.unknown if r not in skipped) if cell.status is CellStatus.UNKNOWN else ())
    star = cell.status in (CellStatus.READY, CellStatus.READY_WITH_WARNINGS) and bool(skipped & set(cell.unknown))
    return _Shown(cell, word, rules, star)


def _note(outcome: HostOutcome, lang: Lang = Lang.EN) -> str:
    if outcome.ok:
        return ""
    kind = t(outcome.kind.value, lang)
    return f"{kind}: {outcome.reason}" if outcome.reason else kind


_NOT_JUDGED_KEYS = {UnknownReason.NEEDS_AD: "not_judged_ad", UnknownReason.NEEDS_INPUT: "not_judged_installer"}


def _legend_example(cell: Cell, verdicts: Iterable[Verdict], lang: Lang, most: int = 3) -> str:
    """Which of the cell's rules were not judged, by source: a few by name, the rest counted."""
    listed = set(cell.unknown)
    by_source: dict[UnknownReason, list[str]] = {}
    for v in verdicts:
        if v.rule_id in listed and v.reason in _NOT_JUDGED_KEYS:
            by_source.setdefault(v.reason, []).append(v.rule_id)
    parts = []
    for reason, key in _NOT_JUDGED_KEYS.items():
        ids = by_source.get(reason)
        if not ids:
            continue
        names = ", ".join(ids[:most])
        if len(ids) > most:
            names = t("and_more", lang, names=names, count=len(ids) - most)
        parts.append(t(key, lang, rules=names))
    return "; ".join(parts) or cell.reason


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
