"""Every readiness rule name Exchange Setup is known to run (setup_rules.yaml: the 205 rules of the 2013
CU23 engine, the names the 2016/2019 Setup logs show, the documented pages), and how the catalog accounts
for each one: implemented (a rule module), out of reach (out_of_reach.yaml, with its kind and reason), or
not applicable to what exready judges (not_applicable.yaml, with its reason). A name with none of the
three is unaccounted; the completeness test keeps that list empty.

Both files are package data, read when asked (``known_setup_rules()``, ``not_applicable()``), never at
import time.
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

import yaml

from scanner.checks.catalog import EXCHANGE_VERSIONS, Catalog
from scanner.errors import CatalogError
from scanner.model.rule import Text

SCHEMA = 1
SOURCES: tuple[str, ...] = ("DC", "LOG", "D13", "D16")
SOURCE_NAMES: dict[str, str] = {
    "DC": "the Exchange 2013 CU23 readiness engine",
    "LOG": "Exchange 2013, 2016 and 2019 Setup logs",
    "D13": "Exchange 2013 readiness help pages",
    "D16": "Exchange 2016/2019 readiness help pages",
}

# Rules exready judges that are not Setup rules, and where each comes from.
OWN_RULES: dict[str, str] = {
    "ExchangeAdSetupLevel": "CSS-Exchange SetupAssist (Test-ExchangeADSetupLevel), not a Setup rule",
    "ExreadyWmf4Prerequisite": "Exchange 2013 prerequisites documentation (Windows Management Framework 4.0 "
    "on Windows Server 2008 R2 SP1), not a Setup rule",
    "ExreadySeExchange2013Block": "Microsoft's Exchange SE upgrade guidance (SE RTM Setup prevents coexistence "
    "with Exchange 2013); the name of Setup's rule for it is not published",
    "ExreadySeCoexistenceMinVersion": "Microsoft's supported coexistence for Exchange SE (Exchange 2016 CU23, "
    "2019 CU14/CU15), not a documented Setup rule",
    "ExreadySeInPlaceUpgrade": "Microsoft's Exchange SE upgrade guidance (in-place upgrade from Exchange 2019 "
    "CU14/CU15 only), not a Setup rule",
    "ExreadyExchangeSupportStatus": "Microsoft's lifecycle dates for Exchange (2013, 2016, 2019 out of support; "
    "SE on the Modern Lifecycle), not a Setup rule",
}


@dataclass(frozen=True, slots=True)
class KnownRule:
    name: str
    sources: tuple[str, ...]  # DC, LOG, D13, D16
    severity: str | None  # error, warning, none (a helper rule); None: not in the 2013 engine
    roles: tuple[str, ...]  # Setup's internal roles (2013 engine only)
    modes: tuple[str, ...]  # Install, Upgrade, Uninstall, DisasterRecovery, All; () = no mode filter
    log_versions: tuple[str, ...]  # Exchange versions whose Setup logs show the name
    alias_of: str | None = None  # a result name Setup reports for another rule

    @property
    def versions(self) -> tuple[str, ...]:
        """The Exchange versions whose Setup is known to run the rule."""
        found = set(self.log_versions)
        if "DC" in self.sources or "D13" in self.sources:
            found.add("2013")
        if "D16" in self.sources:
            found.update(("2016", "2019"))
        if "2019" in found:
            found.add("SE")  # SE RTM's Setup is the 2019 CU15 one (scanner/checks/targets.py)
        return tuple(v for v in EXCHANGE_VERSIONS if v in found)


@dataclass(frozen=True, slots=True)
class NotApplicable:
    """A Setup rule that says nothing about what exready judges (an Exchange server role install on a
    host), with why; or, for the versions it names, a rule exready judges for other versions that can only
    pass on the Windows versions these Exchange versions support."""

    id: str
    versions: tuple[str, ...]
    reason: Text


class Status(StrEnum):
    IMPLEMENTED = "implemented"
    OUT_OF_REACH = "out_of_reach"
    NOT_APPLICABLE = "not_applicable"
    UNACCOUNTED = "unaccounted"


@cache
def known_setup_rules() -> tuple[KnownRule, ...]:
    doc = _read("setup_rules.yaml")
    problems: list[str] = []
    out: list[KnownRule] = []
    for n, raw in enumerate(_entries(doc, "setup_rules.yaml", problems), start=1):
        name = raw.get("name")
        sources = _strs(raw.get("sources"))
        if not isinstance(name, str) or not sources or any(s not in SOURCES for s in sources):
            problems.append(f"setup_rules.yaml entry {n}: needs a name and sources among {', '.join(SOURCES)}")
            continue
        severity = raw.get("severity")
        log = _strs(raw.get("log")) or ()
        if ("LOG" in sources) != bool(log) or any(v not in EXCHANGE_VERSIONS for v in log):
            problems.append(f"setup_rules.yaml {name}: LOG source and log versions must go together")
        alias = raw.get("alias_of")
        out.append(KnownRule(
            name=name, sources=sources, severity=str(severity) if severity is not None else None,
            roles=_strs(raw.get("roles")) or (), modes=_strs(raw.get("modes")) or (), log_versions=log,
            alias_of=alias if isinstance(alias, str) else None,
        ))
    names = [k.name.casefold() for k in out]
    problems.extend(f"setup_rules.yaml: {k.name} is listed twice" for k in out if names.count(k.name.casefold()) > 1)
    if problems:
        raise CatalogError("; ".join(problems))
    return tuple(out)


@cache
def not_applicable() -> tuple[NotApplicable, ...]:
    doc = _read("not_applicable.yaml")
    problems: list[str] = []
    out: list[NotApplicable] = []
    for n, raw in enumerate(_entries(doc, "not_applicable.yaml", problems), start=1):
        rid, versions, reason = raw.get("id"), _strs(raw.get("versions")), raw.get("reason")
        if not isinstance(rid, str) or not versions or any(v not in EXCHANGE_VERSIONS for v in versions):
            problems.append(f"not_applicable.yaml entry {n}: needs an id and versions")
            continue
        if not isinstance(reason, Mapping) or not all(isinstance(reason.get(k), str) and reason[k].strip()
                                                      for k in ("en", "fr")) or reason["en"] == reason["fr"]:
            problems.append(f"not_applicable.yaml {rid}: reason needs distinct en and fr text")
            continue
        out.append(NotApplicable(rid, versions, Text(reason["en"], reason["fr"])))
    if problems:
        raise CatalogError("; ".join(problems))
    return tuple(out)


# ---- accounting -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Accounted:
    rule: KnownRule
    status: Status
    # per version Setup runs it: how exready accounts for it there; None: exready judges (or declares)
    # it for another Exchange version only
    versions: Mapping[str, Status | None]


@dataclass(frozen=True, slots=True)
class Accounting:
    entries: tuple[Accounted, ...]

    @property
    def unaccounted(self) -> tuple[str, ...]:
        return tuple(a.rule.name for a in self.entries if a.status is Status.UNACCOUNTED)

    def by_source(self, source: str) -> dict[Status, int]:
        counts = dict.fromkeys(Status, 0)
        for a in self.entries:
            if source in a.rule.sources:
                counts[a.status] += 1
        return counts

    def by_version(self, version: str) -> dict[Status | None, int]:
        """For the rules Setup of ``version`` is known to run: how many exready implements for that
        version, declares out of reach or not applicable there; None counts those exready judges for
        another Exchange version only."""
        counts: dict[Status | None, int] = {**dict.fromkeys(Status, 0), None: 0}
        for a in self.entries:
            if version in a.versions:
                counts[a.versions[version]] += 1
        return counts

    def other_version_only(self, version: str) -> tuple[str, ...]:
        return tuple(a.rule.name for a in self.entries if version in a.versions and a.versions[version] is None)


def account(catalog: Catalog, known: Sequence[KnownRule] | None = None,
            na: Sequence[NotApplicable] | None = None) -> Accounting:
    """How the catalog accounts for every known Setup rule, overall and per Exchange version."""
    known = known_setup_rules() if known is None else known
    na = not_applicable() if na is None else na
    implemented = {r.id.casefold(): r.meta.versions for r in catalog.rules}
    oor = {o.id.casefold(): o.versions for o in catalog.out_of_reach}
    nav = {n.id.casefold(): n.versions for n in na}

    tables = ((Status.IMPLEMENTED, implemented), (Status.OUT_OF_REACH, oor), (Status.NOT_APPLICABLE, nav))

    def overall(key: str) -> Status:
        return next((status for status, table in tables if key in table), Status.UNACCOUNTED)

    def in_version(key: str, version: str) -> Status | None:
        return next((status for status, table in tables if version in table.get(key, ())), None)

    entries = []
    for k in known:
        key = (k.alias_of or k.name).casefold()
        status = overall(key)
        per: dict[str, Status | None] = {
            v: Status.UNACCOUNTED if status is Status.UNACCOUNTED else in_version(key, v) for v in k.versions}
        entries.append(Accounted(k, status, per))
    return Accounting(tuple(entries))


# ---- reading -----------------------------------------------------------------------------------------


def _read(name: str) -> object:
    try:
        text = importlib.resources.files("scanner.checks").joinpath(name).read_text(encoding="utf-8")
        return yaml.safe_load(text)
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogError(f"{name}: cannot be read ({exc})") from None


def _entries(doc: object, name: str, problems: list[str]) -> list[Mapping[str, object]]:
    if not isinstance(doc, Mapping) or doc.get("schema") != SCHEMA or not isinstance(doc.get("rules"), list):
        problems.append(f"{name}: expected a mapping with schema: {SCHEMA} and a list of rules")
        return []
    return [r for r in doc["rules"] if isinstance(r, Mapping)]


def _strs(raw: object) -> tuple[str, ...] | None:
    if isinstance(raw, list) and all(isinstance(x, str) for x in raw):
        return tuple(raw)
    return None
