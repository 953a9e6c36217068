"""The rule catalog: implemented rules, rules out of reach, and which rules apply to which role.

Everything is loaded at call time (``load_catalog()``), validated as a whole, and returned as one
frozen value. A bad catalog raises CatalogError listing every problem found, never a partial catalog.

Evaluation covers implemented rules only. Out-of-reach rules are listed (``checks list``), with why
they cannot be judged remotely, and never produce verdicts.
"""

from __future__ import annotations

import importlib
import importlib.resources
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from types import ModuleType

import yaml

from scanner.checks.registry import RULE_MODULES, RULES_PACKAGE
from scanner.checks.rule import OutOfReach, OutOfReachKind, Rule, snake_case
from scanner.checks.targets import EXCHANGE_VERSIONS as EXCHANGE_VERSIONS  # re-exported: the one list of versions
from scanner.errors import CatalogError
from scanner.facts import keys
from scanner.model.rule import RuleMeta, Scope, Severity, Source, SourceStatus, Text

ROLES_SCHEMA = 1
OUT_OF_REACH_SCHEMA = 1
TITLE_MAX = 150
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")


@dataclass(frozen=True, slots=True)
class RoleSet:
    """The matrix columns of one Exchange version and the rule ids each role runs."""

    version: str
    roles: tuple[str, ...]  # column order
    members: Mapping[str, tuple[str, ...]]  # role -> implemented rule ids


@dataclass(frozen=True, slots=True)
class Catalog:
    rules: tuple[Rule, ...]  # registry order
    out_of_reach: tuple[OutOfReach, ...]
    role_sets: Mapping[str, RoleSet]  # version -> RoleSet
    # Derived: rule() runs for every rule of every role of every host while cells are built.
    _by_id: Mapping[str, Rule] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {r.id: r for r in self.rules})

    def versions(self) -> tuple[str, ...]:
        return tuple(v for v in EXCHANGE_VERSIONS if v in self.role_sets)

    def role_set(self, version: str) -> RoleSet:
        try:
            return self.role_sets[version]
        except KeyError:
            raise KeyError(
                f"unknown Exchange version {version!r}; expected one of {', '.join(EXCHANGE_VERSIONS)}"
            ) from None

    def roles(self, version: str) -> tuple[str, ...]:
        """The matrix columns for a version, in order."""
        return self.role_set(version).roles

    def rules_for(self, version: str) -> tuple[Rule, ...]:
        """Implemented rules that apply to the version: exactly the rules the engine evaluates."""
        return tuple(r for r in self.rules if version in r.meta.versions)

    def rule_ids_for_role(self, version: str, role: str) -> tuple[str, ...]:
        return self.role_set(version).members[role]

    def roles_of(self, version: str, rule_id: str) -> tuple[str, ...]:
        rs = self.role_set(version)
        if any(o.id == rule_id for o in self.out_of_reach):
            o = self.entry(rule_id)
            assert isinstance(o, OutOfReach)
            return tuple(r for r in rs.roles if r in o.roles)
        return tuple(r for r in rs.roles if rule_id in rs.members[r])

    def out_of_reach_for(self, version: str) -> tuple[OutOfReach, ...]:
        return tuple(o for o in self.out_of_reach if version in o.versions)

    def rule(self, rule_id: str) -> Rule:
        return self._by_id[rule_id]

    def entry(self, rule_id: str) -> Rule | OutOfReach | None:
        """Any catalog entry by id, matched case-insensitively (users type ids by hand)."""
        wanted = rule_id.casefold()
        for r in self.rules:
            if r.id.casefold() == wanted:
                return r
        for o in self.out_of_reach:
            if o.id.casefold() == wanted:
                return o
        return None

    def all_meta(self) -> tuple[RuleMeta, ...]:
        """Every entry, implemented first, as RuleMeta (for listings)."""
        return tuple(r.meta for r in self.rules) + tuple(o.meta for o in self.out_of_reach)


# ---- loading ---------------------------------------------------------------------------------


def load_catalog() -> Catalog:
    """Import the registered rule modules, read roles.yaml and out_of_reach.yaml, validate, return."""
    problems: list[str] = []
    rules: list[Rule] = []
    for name in RULE_MODULES:
        try:
            module = importlib.import_module(f"{RULES_PACKAGE}.{name}")
        except ImportError as exc:
            problems.append(f"rule module {name}: cannot be imported ({exc})")
            continue
        try:
            rules.append(rule_from_module(module))
        except CatalogError as exc:
            problems.append(str(exc))
    files = _rule_files()
    roles_doc = _read_yaml("roles.yaml", problems)
    oor_doc = _read_yaml("out_of_reach.yaml", problems)
    if problems:
        raise CatalogError(_summary(problems))
    return build_catalog(rules, roles_doc, oor_doc, rule_files=files)


def rule_from_module(module: ModuleType) -> Rule:
    """A Rule from a module holding ``META: RuleMeta`` and ``evaluate(ctx) -> Verdict``."""
    name = module.__name__.rsplit(".", 1)[-1]
    meta = getattr(module, "META", None)
    evaluate = getattr(module, "evaluate", None)
    if not isinstance(meta, RuleMeta):
        raise CatalogError(f"rule module {name}: no META of type RuleMeta")
    if not callable(evaluate):
        raise CatalogError(f"rule module {name}: no evaluate(ctx) function")
    return Rule(meta=meta, evaluate=evaluate, module=name)


def build_catalog(
    rules: Sequence[Rule],
    roles_doc: object,
    out_of_reach_doc: object,
    rule_files: Collection[str] | None = None,
) -> Catalog:
    """Validate the parts and assemble the catalog. ``rule_files`` are the module names found in the
    rules package (to catch a rule file that was never registered); None skips that check."""
    problems: list[str] = []
    known_facts = _known_facts()
    for rule in rules:
        problems.extend(_check_rule(rule, known_facts))
    ids = [r.id for r in rules]
    problems.extend(f"rule id {i} is defined twice" for i in sorted({i for i in ids if ids.count(i) > 1}))
    if rule_files is not None:
        registered = {r.module for r in rules}
        for f in sorted(set(rule_files) - registered):
            problems.append(f"rule file {f}.py is not listed in scanner/checks/registry.py")
    oor = _parse_out_of_reach(out_of_reach_doc, problems)
    role_sets = _parse_roles(roles_doc, problems)
    implemented = {r.id: r for r in rules}
    seen_casefold = {i.casefold() for i in ids}
    oor_ids = [o.id for o in oor]
    for o in oor:
        if o.id.casefold() in seen_casefold:
            problems.append(f"out_of_reach.yaml: {o.id} is also an implemented rule")
        if oor_ids.count(o.id) > 1:
            problems.append(f"out_of_reach.yaml: {o.id} is listed twice")
        for role in o.roles:
            if not any(role in role_sets[v].roles for v in o.versions if v in role_sets):
                problems.append(
                    f"out_of_reach.yaml: {o.id}: role {role} is not a role of {'/'.join(o.versions)}"
                )
    for version, rs in role_sets.items():
        for role, members in rs.members.items():
            for rid in members:
                listed = implemented.get(rid)
                if listed is None:
                    if rid in oor_ids:
                        problems.append(
                            f"roles.yaml: {version}/{role}: {rid} is out of reach; "
                            "give its roles in out_of_reach.yaml"
                        )
                    else:
                        problems.append(f"roles.yaml: {version}/{role}: unknown rule id {rid}")
                elif version not in listed.meta.versions:
                    problems.append(
                        f"roles.yaml: {version}/{role}: {rid} does not apply to Exchange {version}"
                    )
            if len(set(members)) != len(members):
                problems.append(f"roles.yaml: {version}/{role}: a rule id is listed twice")
    for rule in rules:
        for version in rule.meta.versions:
            vset = role_sets.get(version)
            if vset is not None and not any(rule.id in m for m in vset.members.values()):
                problems.append(
                    f"roles.yaml: {rule.id} applies to Exchange {version} but no {version} role lists it"
                )
    if problems:
        raise CatalogError(_summary(problems))
    return Catalog(rules=tuple(rules), out_of_reach=tuple(oor), role_sets=role_sets)


# ---- validation details ----------------------------------------------------------------------


def _summary(problems: list[str]) -> str:
    head = f"the rule catalog is invalid ({len(problems)} problem{'s' if len(problems) != 1 else ''}): "
    return head + "; ".join(problems)


def _known_facts() -> frozenset[str]:
    names: set[str] = set()
    for value in vars(keys).values():
        if isinstance(value, tuple) and value and all(isinstance(s, keys.FactSpec) for s in value):
            names.update(s.name for s in value)
    return frozenset(names)


def _check_text(where: str, field: str, text: object, limit: int | None = None) -> list[str]:
    if not isinstance(text, Text):
        return [f"{where}: {field} is not a Text(en, fr)"]
    out: list[str] = []
    for lang in ("en", "fr"):
        value = getattr(text, lang)
        if not isinstance(value, str) or not value.strip():
            out.append(f"{where}: {field} has no {'English' if lang == 'en' else 'French'} text")
        elif limit is not None and len(value) > limit:
            out.append(f"{where}: {field} ({lang}) is longer than {limit} characters")
    if not out and text.en.strip() == text.fr.strip():
        out.append(f"{where}: {field} is the same in English and French (not translated)")
    return out


def _check_versions(where: str, versions: object) -> list[str]:
    if not isinstance(versions, tuple) or not versions:
        return [f"{where}: versions must be a non-empty tuple"]
    bad = [v for v in versions if v not in EXCHANGE_VERSIONS]
    out = [f"{where}: unknown Exchange version {v!r}" for v in bad]
    if len(set(versions)) != len(versions):
        out.append(f"{where}: a version is listed twice")
    return out


def _check_rule(rule: Rule, known_facts: frozenset[str]) -> list[str]:
    m = rule.meta
    where = f"rule {m.id}"
    out: list[str] = []
    if not isinstance(m.id, str) or not _ID.match(m.id):
        return [f"rule module {rule.module}: bad rule id {m.id!r}"]
    if snake_case(m.id) != rule.module:
        out.append(f"{where}: file name must be {snake_case(m.id)}.py, not {rule.module}.py")
    if not isinstance(m.severity, Severity):
        out.append(f"{where}: severity must be a Severity")
    if not isinstance(m.scope, Scope):
        out.append(f"{where}: scope must be a Scope")
    out.extend(_check_versions(where, m.versions))
    out.extend(_check_text(where, "title", m.title, TITLE_MAX))
    out.extend(_check_text(where, "remediation", m.remediation))
    if not isinstance(m.help_url, str) or not m.help_url.startswith("https://"):
        out.append(f"{where}: help_url must be an https:// link")
    if not m.facts:
        out.append(f"{where}: facts must name what the rule reads")
    for f in m.facts:
        if not (f in known_facts or f.startswith("installer.")):
            out.append(f"{where}: reads {f}, which is not in the fact contract (scanner/facts/keys.py)")
    if len(set(m.facts)) != len(m.facts):
        out.append(f"{where}: a fact is listed twice")
    for s in m.sources:
        if not isinstance(s, Source) or not s.value.strip():
            out.append(f"{where}: a source must be a Source naming its value")
        elif s.url and not s.url.startswith("https://"):
            out.append(f"{where}: source of {s.value!r} must be an https:// link")
        elif not s.url and s.status is SourceStatus.DOCUMENTED:
            out.append(f"{where}: documented value {s.value!r} has no link")
        elif s.status in (SourceStatus.UNDOCUMENTED, SourceStatus.CONTRADICTORY, SourceStatus.INFERRED) and not s.note:
            out.append(f"{where}: {s.status.value} value {s.value!r} must say why in its note")
    if not m.implemented or m.out_of_reach:
        out.append(f"{where}: implemented rules must not be marked out of reach; use out_of_reach.yaml")
    return out


def _rule_files() -> frozenset[str]:
    root = importlib.resources.files(RULES_PACKAGE)
    return frozenset(
        p.name[:-3] for p in root.iterdir() if p.name.endswith(".py") and not p.name.startswith("_")
    )


def _read_yaml(name: str, problems: list[str]) -> object:
    try:
        text = importlib.resources.files("scanner.checks").joinpath(name).read_text(encoding="utf-8")
        return yaml.safe_load(text)
    except (OSError, yaml.YAMLError) as exc:
        problems.append(f"{name}: cannot be read ({exc})")
        return None


def _text_from(where: str, field: str, raw: object, problems: list[str]) -> Text:
    if not isinstance(raw, Mapping):
        problems.append(f"{where}: {field} must have en and fr")
        return Text("", "")
    en, fr = raw.get("en"), raw.get("fr")
    text = Text(en if isinstance(en, str) else "", fr if isinstance(fr, str) else "")
    problems.extend(_check_text(where, field, text))
    return text


def _str_tuple(raw: object) -> tuple[str, ...] | None:
    if isinstance(raw, list) and all(isinstance(x, str) for x in raw):
        return tuple(raw)
    return None


def _parse_out_of_reach(doc: object, problems: list[str]) -> list[OutOfReach]:
    if not isinstance(doc, Mapping) or doc.get("schema") != OUT_OF_REACH_SCHEMA:
        problems.append(f"out_of_reach.yaml: expected a mapping with schema: {OUT_OF_REACH_SCHEMA}")
        return []
    entries = doc.get("rules") or []
    if not isinstance(entries, list):
        problems.append("out_of_reach.yaml: rules must be a list")
        return []
    out: list[OutOfReach] = []
    for n, raw in enumerate(entries, start=1):
        where = f"out_of_reach.yaml entry {n}"
        if not isinstance(raw, Mapping):
            problems.append(f"{where}: must be a mapping")
            continue
        rid = raw.get("id")
        if not isinstance(rid, str) or not _ID.match(rid):
            problems.append(f"{where}: bad or missing id")
            continue
        where = f"out_of_reach.yaml {rid}"
        before = len(problems)
        try:
            severity = Severity(str(raw.get("severity")))
        except ValueError:
            problems.append(f"{where}: severity must be error or warning")
            severity = Severity.ERROR
        try:
            kind = OutOfReachKind(str(raw.get("kind")))
        except ValueError:
            problems.append(f"{where}: kind must be one of {', '.join(k.value for k in OutOfReachKind)}")
            kind = OutOfReachKind.OTHER
        versions = _str_tuple(raw.get("versions"))
        problems.extend(_check_versions(where, versions))
        roles = _str_tuple(raw.get("roles"))
        if not roles:
            problems.append(f"{where}: roles must be a non-empty list of role names")
        title = _text_from(where, "title", raw.get("title"), problems)
        reason = _text_from(where, "reason", raw.get("reason"), problems)
        help_url = raw.get("help_url", "")
        if not isinstance(help_url, str) or (help_url and not help_url.startswith("https://")):
            problems.append(f"{where}: help_url must be an https:// link")
            help_url = ""
        unknown_keys = set(raw) - {
            "id",
            "severity",
            "kind",
            "versions",
            "roles",
            "title",
            "reason",
            "help_url",
        }
        if unknown_keys:
            problems.append(f"{where}: unknown keys {', '.join(sorted(map(str, unknown_keys)))}")
        if len(problems) == before:
            assert versions is not None and roles is not None
            out.append(OutOfReach(rid, severity, versions, roles, kind, reason, title, help_url))
    return out


def _parse_roles(doc: object, problems: list[str]) -> dict[str, RoleSet]:
    if not isinstance(doc, Mapping) or doc.get("schema") != ROLES_SCHEMA:
        problems.append(f"roles.yaml: expected a mapping with schema: {ROLES_SCHEMA}")
        return {}
    versions = doc.get("versions")
    if not isinstance(versions, Mapping):
        problems.append("roles.yaml: versions must map an Exchange version to its roles")
        return {}
    out: dict[str, RoleSet] = {}
    for version in EXCHANGE_VERSIONS:
        if version not in versions:
            problems.append(f"roles.yaml: Exchange {version} has no roles")
    for version, roles in versions.items():
        v = str(version)
        if v not in EXCHANGE_VERSIONS:
            problems.append(f"roles.yaml: unknown Exchange version {version!r}")
            continue
        if not isinstance(roles, Mapping) or not roles:
            problems.append(f"roles.yaml: {v} must map role names to lists of rule ids")
            continue
        members: dict[str, tuple[str, ...]] = {}
        for role, ids in roles.items():
            parsed = _str_tuple(ids if ids is not None else [])
            if not isinstance(role, str) or not _ID.match(role) or parsed is None:
                problems.append(f"roles.yaml: {v}/{role}: must be a role name with a list of rule ids")
                continue
            members[role] = parsed
        out[v] = RoleSet(version=v, roles=tuple(members), members=members)
    return out
