"""The JSON report: facts, outcomes, verdicts and the matrix of one sweep, under a schema version.

It round-trips: ``result_from_json(result_to_json(r))`` gives back ``r``, so a saved report is also
saved facts that ``exready evaluate`` judges again offline.

``write_json_report`` writes format 2 (see below) one host at a time: a sweep of thousands of hosts
never holds its whole report in memory. Hosts of a site share most of their facts and verdicts, so
each distinct fact, verdict and cell is written once and referred to by index. Reports in format 1
(written before) are still read.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from scanner.errors import FactsError, UsageError
from scanner.facts.installer import InstallerFacts
from scanner.facts.serial import (
    fact_from_dict,
    fact_to_dict,
    facts_from_json,
    facts_to_json,
    org_facts_from_dict,
    org_facts_to_dict,
)
from scanner.model.facts import FACTS_SCHEMA_VERSION, Fact, HostFacts
from scanner.model.host import AuthMethod, Host, Scheme
from scanner.model.intern import Interner
from scanner.model.matrix import Cell, CellStatus
from scanner.model.outcome import HostOutcome, OutcomeKind
from scanner.model.run import RunInfo, ScanResult
from scanner.model.verdict import Status, UnknownReason, Verdict

REPORT_SCHEMA = 2  # what the writer writes (format 2, compact); format 1 is still read
READABLE_SCHEMAS = (1, 2)


def host_to_dict(h: Host) -> dict[str, Any]:
    return {"name": h.name, "fqdn": h.fqdn, "address": h.address, "site": h.site, "port": h.port,
            "scheme": h.scheme.value if h.scheme else None, "auth": h.auth.value if h.auth else None,
            "source": h.source, "is_dc": h.is_dc, "is_rodc": h.is_rodc, "os": h.os, "tags": list(h.tags)}


def host_from_dict(d: Mapping[str, Any]) -> Host:
    return Host(name=str(d["name"]), fqdn=d.get("fqdn"), address=d.get("address"), site=d.get("site"),
                port=d.get("port"), scheme=Scheme(d["scheme"]) if d.get("scheme") else None,
                auth=AuthMethod(d["auth"]) if d.get("auth") else None, source=str(d.get("source", "")),
                is_dc=bool(d.get("is_dc", False)), is_rodc=bool(d.get("is_rodc", False)), os=d.get("os"),
                tags=tuple(d.get("tags") or ()))


def verdict_to_dict(v: Verdict) -> dict[str, Any]:
    return {"rule_id": v.rule_id, "status": v.status.value, "detail": v.detail,
            "evidence": dict(v.evidence), "reason": v.reason.value if v.reason else None}


def cell_to_dict(c: Cell) -> dict[str, Any]:
    return {"host": c.host, "role": c.role, "status": c.status.value, "blocking": list(c.blocking),
            "warnings": list(c.warnings), "unknown": list(c.unknown), "reason": c.reason}


def run_to_dict(info: RunInfo) -> dict[str, Any]:
    return {"run_id": info.run_id, "started_at": info.started_at, "finished_at": info.finished_at,
            "exchange_version": info.exchange_version, "cu": info.cu,
            "inventory_source": info.inventory_source, "tool_version": info.tool_version,
            "interrupted": info.interrupted, "breaker_opened": info.breaker_opened}


def outcome_to_dict(o: HostOutcome) -> dict[str, Any]:
    """A host's entry in the report's ``hosts``: the host, then how its scan ended."""
    return {**host_to_dict(o.host),
            "outcome": {"kind": o.kind.value, "reason": o.reason, "auth_mechanism": o.auth_mechanism,
                        "duration_s": round(o.duration_s, 3)}}


def result_to_json(result: ScanResult) -> dict[str, Any]:
    """The report (format 2) as one dict: what ``write_json_report`` writes, decoded (small results, tests)."""
    data: dict[str, Any] = json.loads("".join(iter_json_report(result)))
    return data


def result_to_v1_json(result: ScanResult) -> dict[str, Any]:
    """The same result in format 1 (every verdict and cell in full under each host): what reports
    written before format 2 hold; also a plain view of a result for comparing two of them."""
    return {
        "exready_report": 1,
        "run": run_to_dict(result.info),
        "roles": list(result.roles),
        "hosts": [outcome_to_dict(o) for o in result.outcomes],
        "facts": facts_to_json([o.facts for o in result.outcomes if o.facts is not None], result.org),
        "verdicts": {host: [verdict_to_dict(v) for v in vs] for host, vs in result.verdicts.items()},
        "cells": [cell_to_dict(c) for c in result.cells],
    }


def result_from_json(data: Mapping[str, Any], where: str = "report") -> ScanResult:
    try:
        return _result_from_json(data)
    except FactsError as exc:
        raise FactsError(f"{where}: {exc}") from None
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise FactsError(f"{where}: not a valid exready report ({type(exc).__name__}: {exc})") from None


def _result_from_json(data: Mapping[str, Any]) -> ScanResult:
    schema = data.get("exready_report")
    if schema not in READABLE_SCHEMAS:
        raise FactsError("this is not an exready report" if schema is None
                         else f"report schema {schema!r} is not supported (expected one of "
                              f"{', '.join(map(str, READABLE_SCHEMAS))})")
    if schema == 2:
        return _result_from_v2(data)
    return _result_from_v1(data)


def _run_info(run: Mapping[str, Any]) -> RunInfo:
    return RunInfo(run_id=run["run_id"], started_at=run["started_at"], finished_at=run["finished_at"],
                   exchange_version=run["exchange_version"], inventory_source=run["inventory_source"],
                   tool_version=run["tool_version"], interrupted=bool(run.get("interrupted")),
                   cu=run.get("cu"), breaker_opened=bool(run.get("breaker_opened")))


def _result_from_v1(data: Mapping[str, Any]) -> ScanResult:
    """Format 1: every verdict and cell in full under each host (reports written before format 2)."""
    info = _run_info(data["run"])
    doc = facts_from_json(data["facts"])
    interner = Interner()  # a report read back holds as many copies of each value as it has hosts
    facts: dict[str, HostFacts] = {h.host: interner.facts(h) for h in doc.hosts}
    outcomes = []
    for h in data["hosts"]:
        host = host_from_dict(h)
        o = h["outcome"]
        kind = OutcomeKind(o["kind"])
        outcomes.append(HostOutcome(host=host, kind=kind, reason=o.get("reason", ""),
                                    facts=facts.get(host.name) if kind is OutcomeKind.OK else None,
                                    auth_mechanism=o.get("auth_mechanism"),
                                    duration_s=float(o.get("duration_s", 0.0))))
    verdicts = {host: interner.verdicts([
                    Verdict(rule_id=v["rule_id"], host=host, status=Status(v["status"]),
                            detail=v.get("detail", ""), evidence=v.get("evidence") or {},
                            reason=UnknownReason(v["reason"]) if v.get("reason") else None)
                    for v in vs])
                for host, vs in data["verdicts"].items()}
    cells = interner.cells([
        Cell(host=c["host"], role=c["role"], status=CellStatus(c["status"]), blocking=tuple(c["blocking"]),
             warnings=tuple(c["warnings"]), unknown=tuple(c.get("unknown", ())), reason=c.get("reason", ""))
        for c in data["cells"]])
    return ScanResult(info=info, roles=tuple(data["roles"]), outcomes=tuple(outcomes), verdicts=verdicts,
                      cells=tuple(cells), org=doc.org)


# -- format 2: compact, each distinct value once -----------------------------------------------------
#
# Format 1 (pretty-printed, every verdict and cell in full under every host) took 43 KB per host, most
# of it the same verdict text again and again; an unreachable host repeated its reason in every one of
# its verdicts. Format 2 is compact JSON, one line per host, and names each distinct value once, in
# tables after the hosts (the writer streams the hosts and learns the tables as it goes):
#
#   rule_ids        every rule id a verdict or a cell names
#   verdict_rules   the rule ids' order of the first host that has verdicts (the order of the sweep)
#   fact_table      [fact name, {status, value, error}] per distinct fact
#   verdict_bodies  [status, detail, evidence or null, reason or null] per distinct verdict, host aside
#   cell_bodies     [role, status, blocking, warnings, unknown (rule indexes), reason] per distinct cell
#
# A host's line holds its host's fields (as format 1 has them, empty ones left out), its outcome, its
# facts as indexes into fact_table, its verdicts as indexes into verdict_bodies (with their rules'
# indexes when their order is not verdict_rules) and its cells as indexes into cell_bodies. Nothing
# is lost: result_from_json gives back the ScanResult that was written.


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class _Table:
    """The distinct entries of one kind, in first-seen order. Looked up first by a cheap key (ids of
    values the sweep interned: equal values are one object), then by the entry's exact text, so equal
    values that are not one object are still written once. Keys' objects are kept alive, so no id is
    reused while it is a key."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self._by_key: dict[Any, int] = {}
        self._by_text: dict[str, int] = {}
        self._kept: list[Any] = []

    def index(self, key: Any, keep: Any, encode: Callable[[], str]) -> int:
        found = self._by_key.get(key)
        if found is not None:
            return found
        text = encode()
        found = self._by_text.get(text)
        if found is None:
            found = self._by_text[text] = len(self.texts)
            self.texts.append(text)
        self._by_key[key] = found
        if keep is not None:
            self._kept.append(keep)
        return found

    def part(self, name: str) -> str:
        if not self.texts:
            return f'"{name}":[]'
        return f'"{name}":[\n' + ",\n".join(self.texts) + "\n]"


class _Writer:
    def __init__(self) -> None:
        self.rules: dict[str, int] = {}
        self.order: tuple[int, ...] | None = None  # verdict_rules, as indexes
        self.facts = _Table()
        self.verdicts = _Table()
        self.cells = _Table()

    def rule(self, rule_id: str) -> int:
        found = self.rules.get(rule_id)
        if found is None:
            found = self.rules[rule_id] = len(self.rules)
        return found

    def host_facts(self, hf: HostFacts, name: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if hf.host != name:
            out["host"] = hf.host
        if hf.collector_version:
            out["collector_version"] = hf.collector_version
        if hf.schema_version != FACTS_SCHEMA_VERSION:
            out["schema_version"] = hf.schema_version
        ids = []
        for fact_name, fact in sorted(hf.facts.items()):
            value = fact.value
            key = (fact_name, fact.status, fact.error, value if type(value) is str else id(value))
            ids.append(self.facts.index(key, value, partial(_fact_entry, fact_name, fact)))
        out["ids"] = ids
        return out

    def host_verdicts(self, verdicts: Sequence[Verdict]) -> list[int] | dict[str, list[int]]:
        rules = tuple(self.rule(v.rule_id) for v in verdicts)
        bodies = []
        for v in verdicts:
            evidence = v.evidence
            key = (v.status, v.detail, v.reason, id(evidence) if evidence else 0)
            bodies.append(self.verdicts.index(key, evidence or None, partial(_verdict_body, v)))
        if self.order is None and rules:
            self.order = rules
        return bodies if rules == self.order else {"rules": list(rules), "bodies": bodies}

    def cell(self, c: Cell) -> int:
        key = (c.role, c.status, c.blocking, c.warnings, c.unknown, c.reason)
        return self.cells.index(key, None, partial(self._cell_body, c))

    def _cell_body(self, c: Cell) -> str:
        return _compact([c.role, c.status.value, [self.rule(r) for r in c.blocking],
                         [self.rule(r) for r in c.warnings], [self.rule(r) for r in c.unknown], c.reason])


def _fact_entry(name: str, fact: Fact) -> str:
    return _compact([name, fact_to_dict(fact)])


def _verdict_body(v: Verdict) -> str:
    return _compact([v.status.value, v.detail, dict(v.evidence) if v.evidence else None,
                     v.reason.value if v.reason else None])


def _host_fields(h: Host) -> dict[str, Any]:
    """host_to_dict without its empty fields (the reader's defaults)."""
    return {k: v for k, v in host_to_dict(h).items() if v not in (None, False, "", []) or k == "name"}


def _outcome_fields(o: HostOutcome) -> dict[str, Any]:
    """As format 1 has them, and the PSRP versions when known."""
    out: dict[str, Any] = {"kind": o.kind.value, "reason": o.reason, "auth_mechanism": o.auth_mechanism,
                           "duration_s": round(o.duration_s, 3)}
    if o.ps_version:
        out["ps_version"] = o.ps_version
    if o.psrp_protocol:
        out["psrp_protocol"] = o.psrp_protocol
    return out


def iter_json_report(result: ScanResult) -> Iterator[str]:
    """The report's text (format 2) in pieces, about one host per piece, without its final newline."""
    w = _Writer()
    cells: dict[str, list[Cell]] = {}
    for c in result.cells:
        cells.setdefault(c.host, []).append(c)
    named = set()
    head = {"exready_report": REPORT_SCHEMA, "run": run_to_dict(result.info), "roles": list(result.roles)}
    yield _compact(head)[:-1] + ',"hosts":['
    sep = "\n"
    for o in result.outcomes:
        name = o.host.name
        named.add(name)
        entry: dict[str, Any] = {**_host_fields(o.host), "outcome": _outcome_fields(o)}
        if o.facts is not None:
            entry["facts"] = w.host_facts(o.facts, name)
        if name in result.verdicts:
            entry["verdicts"] = w.host_verdicts(result.verdicts[name])
        if name in cells:
            entry["cells"] = [w.cell(c) for c in cells.pop(name)]
        yield sep + _compact(entry)
        sep = ",\n"
    yield "\n]"
    # verdicts and cells of hosts that are not in the inventory's outcomes (none from a sweep)
    extra_verdicts = {h: w.host_verdicts(vs) for h, vs in result.verdicts.items() if h not in named}
    if extra_verdicts:
        yield f',\n"extra_verdicts":{_compact(extra_verdicts)}'
    if cells:
        extra = [[h, [w.cell(c) for c in cs]] for h, cs in cells.items()]
        yield f',\n"extra_cells":{_compact(extra)}'
    yield (f',\n"facts_schema":{FACTS_SCHEMA_VERSION},\n"org":{_compact(org_facts_to_dict(result.org))}'
           f',\n"rule_ids":{_compact(list(w.rules))},\n"verdict_rules":{_compact(list(w.order or ()))}')
    yield ",\n" + w.facts.part("fact_table")
    yield ",\n" + w.verdicts.part("verdict_bodies")
    yield ",\n" + w.cells.part("cell_bodies") + "\n}"


def _result_from_v2(data: Mapping[str, Any]) -> ScanResult:
    info = _run_info(data["run"])
    if data.get("facts_schema", FACTS_SCHEMA_VERSION) != FACTS_SCHEMA_VERSION:
        raise FactsError(f"facts schema {data['facts_schema']!r} is not supported (expected {FACTS_SCHEMA_VERSION})")
    rule_ids = [str(r) for r in data["rule_ids"]]
    order = [rule_ids[i] for i in data["verdict_rules"]]
    interner = Interner()
    facts = [fact_from_dict(str(name), raw) for name, raw in data["fact_table"]]  # each shared by its hosts
    bodies = [(Status(st), str(detail), interner.value(ev) if ev else {}, UnknownReason(r) if r else None)
              for st, detail, ev, r in data["verdict_bodies"]]
    for status, _, _, reason in bodies:
        if (status is Status.UNKNOWN) != (reason is not None):
            raise FactsError("a verdict has a reason exactly when it is unknown")
    cell_bodies = [(str(role), CellStatus(st), tuple(rule_ids[i] for i in bl), tuple(rule_ids[i] for i in wa),
                    tuple(rule_ids[i] for i in un), str(reason))
                   for role, st, bl, wa, un, reason in data["cell_bodies"]]

    def verdicts_of(host: str, raw: Any) -> list[Verdict]:
        rules, ids = (order, raw) if isinstance(raw, list) else ([rule_ids[i] for i in raw["rules"]], raw["bodies"])
        if len(rules) != len(ids):
            raise FactsError(f"host {host}: {len(ids)} verdicts for {len(rules)} rules")
        out = []
        for rule_id, i in zip(rules, ids, strict=True):
            status, detail, evidence, reason = bodies[i]
            out.append(Verdict(rule_id=rule_id, host=host, status=status, detail=detail, evidence=evidence,
                               reason=reason))
        return out

    def cell_of(host: str, i: int) -> Cell:
        role, status, blocking, warnings, unknown, reason = cell_bodies[i]
        return Cell(host=host, role=role, status=status, blocking=blocking, warnings=warnings, unknown=unknown,
                    reason=reason)

    outcomes: list[HostOutcome] = []
    verdicts: dict[str, Sequence[Verdict]] = {}
    cells: list[Cell] = []
    for entry in data["hosts"]:
        host = host_from_dict(entry)
        o = entry["outcome"]
        host_facts = None
        if entry.get("facts") is not None:
            f = entry["facts"]
            fact_objects = [facts[i] for i in f["ids"]]
            host_facts = HostFacts(host=str(f.get("host", host.name)), facts={x.name: x for x in fact_objects},
                                   collector_version=str(f.get("collector_version", "")),
                                   schema_version=int(f.get("schema_version", FACTS_SCHEMA_VERSION)))
        outcomes.append(HostOutcome(host=host, kind=OutcomeKind(o["kind"]), reason=str(o.get("reason", "")),
                                    facts=host_facts, auth_mechanism=o.get("auth_mechanism"),
                                    duration_s=float(o.get("duration_s", 0.0)), ps_version=o.get("ps_version"),
                                    psrp_protocol=o.get("psrp_protocol")))
        if "verdicts" in entry:
            verdicts[host.name] = verdicts_of(host.name, entry["verdicts"])
        cells.extend(cell_of(host.name, i) for i in entry.get("cells", ()))
    for host_name, raw in (data.get("extra_verdicts") or {}).items():
        verdicts[host_name] = verdicts_of(host_name, raw)
    for host_name, ids in data.get("extra_cells") or ():
        cells.extend(cell_of(host_name, i) for i in ids)
    return ScanResult(info=info, roles=tuple(data["roles"]), outcomes=tuple(outcomes), verdicts=verdicts,
                      cells=tuple(cells), org=org_facts_from_dict(data["org"]))


def write_json_report(result: ScanResult, path: Path) -> None:
    """Atomically: a temporary file beside ``path``, renamed into place. Streamed (see above)."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as stream:
            for piece in iter_json_report(result):
                stream.write(piece)
            stream.write("\n")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:  # the report failed half-way: leave no partial file behind
        tmp.unlink(missing_ok=True)
        raise


def read_saved(path: Path) -> ScanResult:
    """A JSON report, or a bare facts document (``facts_to_json``): both hold saved facts. From a
    facts document every host is taken as scanned (it only lists hosts that answered) and the result
    has no verdicts yet; ``exready evaluate`` judges it."""
    return read_saved_with_installer(path)[0]


def read_saved_with_installer(path: Path) -> tuple[ScanResult, InstallerFacts | None]:
    """``read_saved``, and the installer-account facts a facts document holds (None when it holds
    none, and for a JSON report)."""
    data = _read_json(path)
    if "facts_schema" in data and "exready_report" not in data:
        doc = facts_from_json(data)
        interner = Interner()
        outcomes = tuple(HostOutcome(host=Host(name=h.host), kind=OutcomeKind.OK, facts=interner.facts(h))
                         for h in doc.hosts)
        info = RunInfo(run_id=f"facts-{path.stem}", started_at="", finished_at="", exchange_version="2013",
                       inventory_source=str(path), tool_version="")
        return ScanResult(info=info, roles=(), outcomes=outcomes, verdicts={}, cells=(), org=doc.org), doc.installer
    return result_from_json(data, str(path)), None


def read_json_report(path: Path) -> ScanResult:
    return result_from_json(_read_json(path), str(path))


def _read_json(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read: {exc}") from None
    try:
        # format 2 names each value once; format 1 repeats them under every host: share them as read
        data = json.loads(text) if _FORMAT_2.match(text) else json.loads(text, object_hook=_SharedObjects())
    except ValueError as exc:
        raise FactsError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise FactsError(f"{path}: not an exready report")
    return data


_FORMAT_2 = re.compile(r'\s*\{\s*"exready_report"\s*:\s*2\b')
_SHARE_MAX = 1024


class _SharedObjects:
    """json.loads' object hook: each JSON object equal to one read before (exactly: see the
    Interner) is that one. A report repeats the same verdict, fact and evidence objects on every
    host; read as they are, thousands of hosts' copies would take several times the file's size.
    Nothing mutates what is read: it only becomes the ScanResult's values."""

    def __init__(self) -> None:
        self._seen: dict[bytes, dict[str, Any]] = {}

    def __call__(self, obj: dict[str, Any]) -> dict[str, Any]:
        if len(obj) > _SHARE_MAX or sum(len(v) for v in obj.values() if isinstance(v, list | dict)) > _SHARE_MAX:
            return obj  # a document's sections and a host's fact table: never repeated, costly to key
        try:
            key = pickle.dumps(obj, 5)
        except Exception:  # noqa: BLE001 - cannot happen for decoded JSON; then simply not shared
            return obj
        return self._seen.setdefault(key, obj)
