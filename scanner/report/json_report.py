"""The JSON report: facts, outcomes, verdicts and the matrix of one sweep, under a schema version.

It round-trips: ``result_from_json(result_to_json(r))`` gives back ``r``, so a saved report is also
saved facts that ``exready evaluate`` judges again offline.

``write_json_report`` writes the document ``result_to_json`` describes, byte for byte what
``json.dump(result_to_json(r), indent=1, ensure_ascii=False)`` writes, but one host at a time: a
sweep of thousands of hosts never holds its whole report in memory. Hosts of a site share most of
their facts and verdicts (the sweep's Interner keeps one copy of each equal value), so each distinct
fact, verdict and cell is encoded once and its text reused.
"""

from __future__ import annotations

import json
import os
import pickle
import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import partial
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any

from scanner.errors import FactsError, UsageError
from scanner.facts.installer import InstallerFacts
from scanner.facts.serial import fact_to_dict, facts_from_json, facts_to_json, org_facts_to_dict
from scanner.model.facts import FACTS_SCHEMA_VERSION, HostFacts
from scanner.model.host import AuthMethod, Host, Scheme
from scanner.model.intern import Interner
from scanner.model.matrix import Cell, CellStatus
from scanner.model.outcome import HostOutcome, OutcomeKind
from scanner.model.run import RunInfo, ScanResult
from scanner.model.verdict import Status, UnknownReason, Verdict

REPORT_SCHEMA = 1


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
    """The whole report as one dict (small results, tests); ``write_json_report`` streams it."""
    return {
        "exready_report": REPORT_SCHEMA,
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
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise FactsError(f"{where}: not a valid exready report ({type(exc).__name__}: {exc})") from None


def _result_from_json(data: Mapping[str, Any]) -> ScanResult:
    schema = data.get("exready_report")
    if schema != REPORT_SCHEMA:
        raise FactsError("this is not an exready report" if schema is None
                         else f"report schema {schema!r} is not supported (expected {REPORT_SCHEMA})")
    run = data["run"]
    info = RunInfo(run_id=run["run_id"], started_at=run["started_at"], finished_at=run["finished_at"],
                   exchange_version=run["exchange_version"], inventory_source=run["inventory_source"],
                   tool_version=run["tool_version"], interrupted=bool(run.get("interrupted")),
                   cu=run.get("cu"), breaker_opened=bool(run.get("breaker_opened")))
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


# -- the streamed writer --------------------------------------------------------------------------------
#
# json.dump with an indent runs the json module's pure-Python encoder, one generator step per token:
# about 2 us per value, over a hundred million values for a 5,000-host sweep. Here the json module
# still encodes every value (``_fragment``: json.dumps of one entry), and this code writes only the
# fixed frame around them with the same layout: with ``indent=1`` a value nested ``level`` containers
# deep has each of its lines indented by ``level`` more spaces than at the top, and JSON text has no
# raw line break inside a string, so re-indenting a fragment is a plain replace.

_MEMO_LIMIT = 200_000  # fragments kept for reuse; a sweep has a few thousand distinct ones


def _fragment(value: Any, level: int) -> str:
    """``value`` as json.dump(indent=1) writes it ``level`` containers deep."""
    text = json.dumps(value, indent=1, ensure_ascii=False)
    return text.replace("\n", "\n" + " " * level) if level else text


class _Fragments:
    """Encoded entries of one kind. Looked up first by the ``id()`` of the value they hold: equal
    values are one object once the sweep interned them, and that lookup costs nothing. A value seen
    for the first time (or never interned: a report read back) is then looked up by its exact
    pickle, as the Interner keys it, so equal values are still encoded once. The memo keeps each
    value whose id is a key, so no id is reused while it is in use."""

    def __init__(self) -> None:
        self.by_id: dict[Any, str] = {}
        self._by_value: dict[Any, str] = {}
        self._kept: list[Any] = []

    def miss(self, key: Any, value: Any, value_key: Any, encode: Callable[[], str]) -> str:
        """The text for an entry ``by_id`` does not hold; ``value_key`` replaces the id in ``key``."""
        try:
            exact = (*key[:-1], pickle.dumps(value, 5)) if value_key is None else value_key
        except Exception:  # noqa: BLE001 - cannot be keyed: encoded every time (json says if it is valid)
            return encode()
        text = self._by_value.get(exact)
        if text is not None:
            return text
        text = encode()
        if len(self.by_id) >= _MEMO_LIMIT:
            self.by_id.clear()
            self._by_value.clear()
            self._kept.clear()
        self._by_value[exact] = text
        self.by_id[key] = text
        self._kept.append(value)
        return text


def iter_json_report(result: ScanResult) -> Iterator[str]:
    """The report's text in pieces, about one host per piece, without its final newline."""
    head = _fragment({"exready_report": REPORT_SCHEMA, "run": run_to_dict(result.info),
                      "roles": list(result.roles)}, 0)
    yield head[:-2]  # the same object, left open: "\n}" closes it
    yield from _hosts_part(result.outcomes)
    yield from _facts_part([o.facts for o in result.outcomes if o.facts is not None], result)
    yield from _verdicts_part(result.verdicts)
    yield from _cells_part(result.cells)
    yield "\n}"


def _hosts_part(outcomes: Sequence[HostOutcome]) -> Iterator[str]:
    if not outcomes:
        yield ',\n "hosts": []'
        return
    sep = ',\n "hosts": [\n  '
    for o in outcomes:
        yield sep + _fragment(outcome_to_dict(o), 2)
        sep = ",\n  "
    yield "\n ]"


def _facts_part(hosts: list[HostFacts], result: ScanResult) -> Iterator[str]:
    memo = _Fragments()
    yield f',\n "facts": {{\n  "facts_schema": {_fragment(FACTS_SCHEMA_VERSION, 0)}'
    if not hosts:
        yield ',\n  "hosts": []'
    else:
        sep = ',\n  "hosts": [\n   '
        for hf in hosts:
            yield sep + _host_facts(hf, memo)
            sep = ",\n   "
        yield "\n  ]"
    yield f',\n  "org": {_fragment(org_facts_to_dict(result.org), 2)},\n  "installer": null\n }}'


def _host_facts(hf: HostFacts, memo: _Fragments) -> str:
    """facts_to_json's entry for one host, three containers deep."""
    parts = [f'{{\n    "host": {encode_basestring(hf.host)},\n    "collector_version": '
             f'{encode_basestring(hf.collector_version)},\n    "schema_version": {_fragment(hf.schema_version, 0)},'
             '\n    "facts": ']
    if not hf.facts:
        parts.append("{}")
    else:
        sep = "{\n     "
        texts = memo.by_id
        for name, fact in sorted(hf.facts.items()):
            value = fact.value
            key = (name, fact.status, fact.error, value if type(value) is str else id(value))
            text = texts.get(key)
            if text is None:
                text = memo.miss(key, value, key if type(value) is str else None,
                                 partial(_fragment, fact_to_dict(fact), 5))
            parts.append(f"{sep}{encode_basestring(name)}: {text}")
            sep = ",\n     "
        parts.append("\n    }")
    parts.append("\n   }")
    return "".join(parts)


def _verdicts_part(verdicts: Mapping[str, Sequence[Verdict]]) -> Iterator[str]:
    if not verdicts:
        yield ',\n "verdicts": {}'
        return
    memo = _Fragments()
    texts = memo.by_id
    sep = ',\n "verdicts": {\n  '
    for host, vs in verdicts.items():
        parts = [f"{sep}{encode_basestring(host)}: "]
        if not vs:
            parts.append("[]")
        else:
            item = "[\n   "
            for v in vs:
                evidence = v.evidence
                key = (v.rule_id, v.status, v.detail, v.reason, id(evidence) if evidence else 0)
                text = texts.get(key)
                if text is None:
                    text = memo.miss(key, evidence, None if evidence else key,
                                     partial(_fragment, verdict_to_dict(v), 3))
                parts.append(item)
                parts.append(text)
                item = ",\n   "
            parts.append("\n  ]")
        yield "".join(parts)
        sep = ",\n  "
    yield "\n }"


_CELL_HEAD = '{\n   "host": '


def _cells_part(cells: Sequence[Cell]) -> Iterator[str]:
    if not cells:
        yield ',\n "cells": []'
        return
    memo = _Fragments()
    texts = memo.by_id
    sep = ',\n "cells": [\n  '
    chunk: list[str] = []
    for c in cells:
        # Everything after the host's line is shared by the cells of every host alike.
        key = (c.role, c.status, c.blocking, c.warnings, c.unknown, c.reason)
        rest = texts.get(key)
        if rest is None:
            rest = memo.miss(key, None, key, partial(_cell_rest, c))
        chunk.append(f"{sep}{_CELL_HEAD}{encode_basestring(c.host)}{rest}")
        sep = ",\n  "
        if len(chunk) >= 64:
            yield "".join(chunk)
            chunk.clear()
    chunk.append("\n ]")
    yield "".join(chunk)


def _cell_rest(c: Cell) -> str:
    text = _fragment({**cell_to_dict(c), "host": ""}, 2)
    return text[len(_CELL_HEAD) + 2:]  # past '{\n   "host": ""'


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
        data = json.loads(text, object_hook=_SharedObjects())
    except ValueError as exc:
        raise FactsError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise FactsError(f"{path}: not an exready report")
    return data


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
