"""``exready checks list`` (every readiness rule: implemented, out of reach or not applicable, with counts
that account for every Setup rule known: the 2013 engine's, the 2016/2019 Setup logs' and the documented
ones) and ``exready checks explain RULE`` (what a rule means, what it reads, the evidence it needs, the
remediation in English and French, the help link)."""

from __future__ import annotations

import difflib
import importlib
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

import typer
from tabulate import tabulate

from scanner.checks.catalog import EXCHANGE_VERSIONS, Catalog, load_catalog
from scanner.checks.documented import DOCUMENTED_2013, DOCUMENTED_2016_2019, documented_in
from scanner.checks.known import (
    OWN_RULES,
    SOURCE_NAMES,
    SOURCES,
    Accounting,
    NotApplicable,
    Status,
    account,
    known_setup_rules,
    not_applicable,
)
from scanner.checks.registry import RULES_PACKAGE
from scanner.checks.rule import OutOfReach, Rule
from scanner.cli.scan_options import exchange_option
from scanner.errors import UsageError
from scanner.facts import keys
from scanner.i18n import Lang, default_lang
from scanner.model.rule import RuleMeta, Severity

_WORDS: dict[str, tuple[str, str]] = {
    "rule": ("Rule", "Règle"),
    "severity": ("Severity", "Gravité"),
    "versions": ("Exchange", "Exchange"),
    "roles": ("Roles", "Rôles"),
    "status": ("Status", "Statut"),
    "why": ("Why not judged", "Pourquoi non évaluée"),
    "documented": ("Documented", "Documentée"),
    "implemented": ("implemented", "implémentée"),
    "out_of_reach": ("out of reach", "hors de portée"),
    "error": ("error (blocks the role)", "erreur (bloque le rôle)"),
    "warning": ("warning (does not block)", "avertissement (ne bloque pas)"),
    "error_short": ("error", "erreur"),
    "warning_short": ("warning", "avert."),
    "counts": (
        "Exchange {version}: {documented} documented rules: {implemented} implemented, {oor} out of reach, "
        "{missing} unaccounted; plus {extra} further Setup rules implemented ({total} rules judged in all).",
        "Exchange {version} : {documented} règles documentées : {implemented} implémentées, {oor} hors de "
        "portée, {missing} non couvertes ; plus {extra} autres règles du programme d'installation "
        "implémentées ({total} règles évaluées au total).",
    ),
    "unaccounted": ("Not in the catalog: {names}", "Absentes du catalogue : {names}"),
    "not_applicable": ("not applicable", "non applicable"),
    "known_from": ("Known from", "Source"),
    "why_na": ("Why it does not apply", "Pourquoi elle ne s'applique pas"),
    "own": ("exready's own", "propre à exready"),
    "known_total": (
        "Known Setup rules: {total} ({sources}): {implemented} implemented, {oor} out of reach, {na} not "
        "applicable, {missing} unaccounted.",
        "Règles connues du programme d'installation : {total} ({sources}) : {implemented} implémentées, {oor} "
        "hors de portée, {na} non applicables, {missing} non couvertes.",
    ),
    "known_source": (
        "  {source} ({name}): {total}: {implemented} implemented, {oor} out of reach, {na} not applicable, "
        "{missing} unaccounted.",
        "  {source} ({name}) : {total} : {implemented} implémentées, {oor} hors de portée, {na} non "
        "applicables, {missing} non couvertes.",
    ),
    "known_version": (
        "Exchange {version} Setup runs {total} of them: {implemented} implemented, {oor} out of reach, {na} "
        "not applicable, {other} judged for another version only.",
        "Le programme d'installation d'Exchange {version} en exécute {total} : {implemented} implémentées, "
        "{oor} hors de portée, {na} non applicables, {other} évaluées pour une autre version seulement.",
    ),
    "other_versions": ("  judged for another version only: {names}",
                       "  évaluées pour une autre version seulement : {names}"),
    "known_unaccounted": ("Known Setup rules with no catalog entry: {names}",
                          "Règles connues sans entrée au catalogue : {names}"),
    "meaning": ("What it means", "Ce qu'elle signifie"),
    "how": ("How Setup judges it (technical note, English)", "Comment le programme d'installation la juge "
            "(note technique, en anglais)"),
    "reads": ("What exready reads", "Ce qu'exready lit"),
    "evidence": ("Evidence it needs", "Éléments nécessaires"),
    "evidence_text": (
        "Each fact above, reported present or absent by the collector (or read from Active Directory, or "
        "from the installer account's groups). A fact that is missing or could not be read makes the verdict "
        "UNKNOWN with the reason, never a pass.",
        "Chacun des faits ci-dessus, déclaré présent ou absent par le collecteur (ou lu dans Active Directory, "
        "ou dans les groupes du compte d'installation). Un fait manquant ou illisible rend le verdict INCONNU "
        "avec la raison, jamais conforme.",
    ),
    "remediation_en": ("Remediation (English)", "Correction (anglais)"),
    "remediation_fr": ("Remediation (French)", "Correction (français)"),
    "help": ("Help", "Aide"),
    "sources": ("Where its values come from", "D'où viennent ses valeurs"),
    "why_oor": ("Why exready does not judge it", "Pourquoi exready ne l'évalue pas"),
    "kind": ("Kind", "Nature"),
    "doc_2013": ("Exchange 2013 readiness page", "page de préparation Exchange 2013"),
    "doc_2016": ("Exchange 2016/2019 readiness page", "page de préparation Exchange 2016/2019"),
    "doc_none": ("not documented (Setup rule)", "non documentée (règle du programme d'installation)"),
    "no_rule": ("no rule named {name!r}{hint}; see 'exready checks list'",
                "aucune règle nommée {name!r}{hint} ; voir 'exready checks list'"),
    "did_you_mean": (" (did you mean {names}?)", " (vouliez-vous dire {names} ?)"),
    "installer_fact": ("group memberships of the installer account (--installer-account), read from AD",
                       "appartenances aux groupes du compte d'installation (--installer-account), lues dans AD"),
}

KIND_WORDS: dict[str, tuple[str, str]] = {
    "mode": ("uninstall, upgrade or recovery only", "suppression, mise à niveau ou récupération seulement"),
    "setup_parameters": ("needs Setup's own parameters", "exige les paramètres du programme d'installation"),
    "setup_media": ("needs the installation media", "exige le média d'installation"),
    "installer_session": ("needs the installer's own session", "exige la session du compte d'installation"),
    "live_probe": ("needs a network probe from the server", "exige une sonde réseau depuis le serveur"),
    "other": ("see the reason", "voir la raison"),
}


def _w(key: str, lang: Lang, **values: object) -> str:
    en, fr = _WORDS[key]
    text = fr if lang is Lang.FR else en
    return text.format(**values) if values else text


@dataclass(frozen=True, slots=True)
class VersionCounts:
    version: str
    documented: int
    implemented: int  # documented rules implemented for this version
    out_of_reach: int  # documented rules declared out of reach for this version
    missing: tuple[str, ...]  # documented rules with no entry for this version (must stay empty)
    extra: int  # implemented rules for this version that Microsoft does not document
    total: int  # implemented rules for this version


def version_counts(catalog: Catalog, version: str) -> VersionCounts:
    """How the catalog accounts for the rules documented for ``version``."""
    implemented = {r.id.casefold() for r in catalog.rules_for(version)}
    oor = {o.id.casefold() for o in catalog.out_of_reach_for(version)}
    documented = documented_in(version)
    folded = {d.casefold() for d in documented}
    return VersionCounts(
        version=version,
        documented=len(documented),
        implemented=sum(1 for d in documented if d.casefold() in implemented),
        out_of_reach=sum(1 for d in documented if d.casefold() in oor and d.casefold() not in implemented),
        missing=tuple(d for d in documented if d.casefold() not in implemented | oor),
        extra=len(implemented - folded),
        total=len(implemented),
    )


def _documented_label(rule_id: str) -> str:
    folded = rule_id.casefold()
    marks = [v for v, names in (("2013", DOCUMENTED_2013), ("2016/2019", DOCUMENTED_2016_2019))
             if folded in {n.casefold() for n in names}]
    return ", ".join(marks) or "-"


def _roles_text(catalog: Catalog, rule_id: str, versions: Sequence[str]) -> str:
    per = {v: catalog.roles_of(v, rule_id) for v in versions if v in catalog.role_sets}
    distinct = {tuple(r) for r in per.values()}
    if len(distinct) == 1:
        return ", ".join(next(iter(distinct)))
    groups: dict[tuple[str, ...], list[str]] = {}
    for v, roles in per.items():
        groups.setdefault(tuple(roles), []).append(v)
    return " / ".join(f"{'+'.join(vs)}: {', '.join(r) or '-'}" for r, vs in groups.items())


def _severity(meta: RuleMeta, lang: Lang, short: bool = False) -> str:
    key = "error" if meta.severity is Severity.ERROR else "warning"
    return _w(key + ("_short" if short else ""), lang)


def _known_label(rule_id: str, sources: dict[str, tuple[str, ...]], lang: Lang) -> str:
    if rule_id in OWN_RULES:
        return _w("own", lang)
    return ", ".join(sources.get(rule_id.casefold(), ())) or "-"


def render_list(catalog: Catalog, version: str | None, lang: Lang) -> str:
    versions = (version,) if version else catalog.versions()
    na = not_applicable()
    sources = {k.name.casefold(): k.sources for k in known_setup_rules()}
    entries: list[Rule | OutOfReach | NotApplicable] = [
        *(r for r in catalog.rules if any(v in r.meta.versions for v in versions)),
        *(o for o in catalog.out_of_reach if any(v in o.versions for v in versions)),
        *(n for n in na if any(v in n.versions for v in versions)),
    ]
    entries.sort(key=lambda e: e.id.casefold())
    rows = []
    for e in entries:
        if isinstance(e, NotApplicable):
            shown = [v for v in versions if v in e.versions]
            rows.append([e.id, "-", ", ".join(shown), "-", _documented_label(e.id),
                         _known_label(e.id, sources, lang), _w("not_applicable", lang), e.reason.get(lang.value)])
            continue
        meta = e.meta
        shown = [v for v in versions if v in meta.versions]
        if isinstance(e, OutOfReach):
            status = f"{_w('out_of_reach', lang)} ({KIND_WORDS[e.kind.value][1 if lang is Lang.FR else 0]})"
            why = e.reason.get(lang.value)
        else:
            status, why = _w("implemented", lang), ""
        rows.append([e.id, _severity(meta, lang, short=True), ", ".join(shown),
                     _roles_text(catalog, e.id, shown), _documented_label(e.id), _known_label(e.id, sources, lang),
                     status, why])
    headers = [_w(k, lang) for k in ("rule", "severity", "versions", "roles", "documented", "known_from", "status",
                                     "why")]
    table = tabulate(rows, headers=headers, disable_numparse=True,
                     maxcolwidths=[None, None, None, 28, None, 16, 28, 60])
    lines = [table, ""]
    for v in versions:
        c = version_counts(catalog, v)
        lines.append(_w("counts", lang, version=v, documented=c.documented, implemented=c.implemented,
                        oor=c.out_of_reach, missing=len(c.missing), extra=c.extra, total=c.total))
        if c.missing:
            lines.append("  " + _w("unaccounted", lang, names=", ".join(c.missing)))
    lines.append("")
    lines.extend(render_known_counts(account(catalog, na=na), versions, lang))
    return "\n".join(lines)


def render_known_counts(acc: Accounting, versions: Sequence[str], lang: Lang) -> list[str]:
    """How the catalog accounts for every known Setup rule: in all, per source, per Exchange version."""
    def counts(c: dict[Status, int]) -> dict[str, int]:
        return {"implemented": c[Status.IMPLEMENTED], "oor": c[Status.OUT_OF_REACH],
                "na": c[Status.NOT_APPLICABLE], "missing": c[Status.UNACCOUNTED]}

    total = {s: 0 for s in Status}
    for a in acc.entries:
        total[a.status] += 1
    per_source = {src: acc.by_source(src) for src in SOURCES}
    sources = ", ".join(f"{src} {sum(c.values())}" for src, c in per_source.items())
    lines = [_w("known_total", lang, total=len(acc.entries), sources=sources, **counts(total))]
    for src, c in per_source.items():
        lines.append(_w("known_source", lang, source=src, name=SOURCE_NAMES[src], total=sum(c.values()), **counts(c)))
    for v in versions:
        per = acc.by_version(v)
        lines.append(_w("known_version", lang, version=v, total=sum(per.values()),
                        implemented=per[Status.IMPLEMENTED], oor=per[Status.OUT_OF_REACH],
                        na=per[Status.NOT_APPLICABLE], other=per[None]))
        other = acc.other_version_only(v)
        if other:
            lines.append(_w("other_versions", lang, names=", ".join(other)))
    if acc.unaccounted:
        lines.append(_w("known_unaccounted", lang, names=", ".join(acc.unaccounted)))
    return lines


def _fact_sources() -> dict[str, keys.FactSpec]:
    out: dict[str, keys.FactSpec] = {}
    for value in vars(keys).values():
        if isinstance(value, tuple) and value and all(isinstance(s, keys.FactSpec) for s in value):
            out.update({s.name: s for s in value})
    return out


def _docstring(rule: Rule) -> str:
    module = importlib.import_module(f"{RULES_PACKAGE}.{rule.module}")
    return " ".join((module.__doc__ or "").split())


def render_explain(catalog: Catalog, entry: Rule | OutOfReach, lang: Lang) -> str:
    meta = entry.meta
    wrap = textwrap.TextWrapper(width=100, initial_indent="  ", subsequent_indent="  ")
    colon = " :" if lang is Lang.FR else ":"  # French puts a space before the colon
    out = [f"{meta.id}: {meta.title.get(lang.value)}", ""]
    out.append(f"{_w('severity', lang)}{colon} {_severity(meta, lang)}")
    out.append(f"{_w('versions', lang)}{colon} {', '.join(meta.versions)}")
    out.append(f"{_w('roles', lang)}{colon} {_roles_text(catalog, meta.id, meta.versions)}")
    doc = [_w(k, lang) for k, names in (("doc_2013", DOCUMENTED_2013), ("doc_2016", DOCUMENTED_2016_2019))
           if meta.id.casefold() in {n.casefold() for n in names}]
    if meta.id in OWN_RULES:  # not a Setup rule: say where it comes from instead (English source names)
        out.append(f"{_w('documented', lang)}{colon} {OWN_RULES[meta.id]}")
    else:
        out.append(f"{_w('documented', lang)}{colon} {', '.join(doc) or _w('doc_none', lang)}")
    sources = {k.name.casefold(): k.sources for k in known_setup_rules()}
    out.append(f"{_w('known_from', lang)}{colon} {_known_label(meta.id, sources, lang)}")
    if isinstance(entry, OutOfReach):
        kind = KIND_WORDS[entry.kind.value][1 if lang is Lang.FR else 0]
        out.append(f"{_w('status', lang)}{colon} {_w('out_of_reach', lang)} ({kind})")
        out += ["", _w("why_oor", lang) + colon, wrap.fill(entry.reason.get(lang.value))]
        out += ["", f"{_w('help', lang)}{colon} {entry.help_url or '-'}"]
        return "\n".join(out)
    out.append(f"{_w('status', lang)}{colon} {_w('implemented', lang)}")
    out += ["", _w("meaning", lang) + colon, wrap.fill(meta.title.get(lang.value))]
    how = _docstring(entry)
    if how:
        out += ["", _w("how", lang) + colon, wrap.fill(how)]
    specs = _fact_sources()
    out += ["", _w("reads", lang) + colon]
    for name in meta.facts:
        spec = specs.get(name)
        if spec is not None:
            out.append(f"  - {name}: {spec.shape}")
            out.append(f"      {spec.source}")
        else:
            out.append(f"  - {name}: {_w('installer_fact', lang)}")
    out += ["", _w("evidence", lang) + colon, wrap.fill(_w("evidence_text", lang))]
    out += ["", _w("remediation_en", lang) + colon, wrap.fill(meta.remediation.en)]
    out += ["", _w("remediation_fr", lang) + colon, wrap.fill(meta.remediation.fr)]
    if meta.sources:
        out += ["", _w("sources", lang) + colon]
        for s in meta.sources:
            out.append(f"  - {s.value} [{s.status.value}]")
            out.append(f"      {s.url or '-'}")
            if s.note:
                out.append(textwrap.fill(s.note, width=100, initial_indent="      ", subsequent_indent="      "))
    out += ["", f"{_w('help', lang)}{colon} {meta.help_url}"]
    return "\n".join(out)


SUGGESTIONS = 6  # ids suggested for a name that is no rule's


def find_entry(catalog: Catalog, name: str, lang: Lang) -> Rule | OutOfReach | NotApplicable:
    entry = catalog.entry(name.strip())
    if entry is not None:
        return entry
    na = not_applicable()
    wanted = name.strip().casefold()
    for n in na:
        if n.id.casefold() == wanted:
            return n
    ids = [r.id for r in catalog.rules] + [o.id for o in catalog.out_of_reach] + [n.id for n in na]
    # a part of an id ("ucma") first, then ids spelled nearly the same ("UcmaRedistMs")
    containing = sorted(i for i in ids if wanted and wanted in i.casefold())
    close = difflib.get_close_matches(wanted, [i.casefold() for i in ids], n=3, cutoff=0.6)
    names = list(dict.fromkeys(containing + [next(i for i in ids if i.casefold() == c) for c in close]))
    shown = ", ".join(names[:SUGGESTIONS]) + (", ..." if len(names) > SUGGESTIONS else "")
    hint = _w("did_you_mean", lang, names=shown) if names else ""
    raise UsageError(_w("no_rule", lang, name=name, hint=hint))


def render_not_applicable(entry: NotApplicable, lang: Lang) -> str:
    wrap = textwrap.TextWrapper(width=100, initial_indent="  ", subsequent_indent="  ")
    colon = " :" if lang is Lang.FR else ":"
    known = next((k for k in known_setup_rules() if k.name.casefold() == entry.id.casefold()), None)
    sources = ", ".join(known.sources) if known is not None else "-"
    return "\n".join([
        f"{entry.id}",
        "",
        f"{_w('versions', lang)}{colon} {', '.join(entry.versions)}",
        f"{_w('known_from', lang)}{colon} {sources}",
        f"{_w('status', lang)}{colon} {_w('not_applicable', lang)}",
        "",
        _w("why_na", lang) + colon,
        wrap.fill(entry.reason.get(lang.value)),
    ])


ExchangeOpt = Annotated[str | None, typer.Option(
    "--exchange", "-x", metavar="2013|2016|2019|SE", callback=exchange_option,
    help="Only the rules of this Exchange version, and its counts.")]
LangOpt = Annotated[Lang | None, typer.Option(
    "--lang", case_sensitive=False, help="en or fr (default: $EXREADY_LANG, else the locale).")]


def list_checks(exchange: ExchangeOpt = None, lang: LangOpt = None) -> None:
    """Every readiness rule: severity, versions, roles, implemented or out of reach (with why), and counts
    against the rules Microsoft documents."""
    if exchange is not None and exchange not in EXCHANGE_VERSIONS:
        raise UsageError(f"--exchange must be one of {', '.join(EXCHANGE_VERSIONS)}, not {exchange!r}")
    typer.echo(render_list(load_catalog(), exchange, lang or default_lang()))


def explain_check(
    rule: Annotated[str, typer.Argument(metavar="RULE", help="A rule id, e.g. UcmaRedistMsi (any case).")],
    lang: LangOpt = None,
) -> None:
    """What a rule means, what it reads, the evidence it needs, the remediation and the help link."""
    language = lang or default_lang()
    catalog = load_catalog()
    entry = find_entry(catalog, rule, language)
    if isinstance(entry, NotApplicable):
        typer.echo(render_not_applicable(entry, language))
    else:
        typer.echo(render_explain(catalog, entry, language))


def register(app: typer.Typer) -> None:
    checks = typer.Typer(name="checks", help="The readiness rule catalog.", no_args_is_help=True)
    checks.command("list")(list_checks)
    checks.command("explain")(explain_check)
    app.add_typer(checks, name="checks")
