"""The JSON report: facts, outcomes, verdicts and the matrix of one sweep, under a schema version.

It round-trips: ``result_from_json(result_to_json(r))`` gives back ``r``, so a saved report is also
saved facts that ``exready evaluate`` judges again offline.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scanner.errors import FactsError, UsageError
from scanner.facts.serial import facts_from_json, facts_to_json
from scanner.model.facts import HostFacts
from scanner.model.host import AuthMethod, Host, Scheme
from scanner.model.matrix import Cell, CellStatus
from scanner.model.outcome import HostOutcome, OutcomeKind
from scanner.model.run import RunInfo, ScanResult
from scanner.model.verdict import Status, UnknownReason, Verdict

REPORT_SCHEMA = 1


def host_to_dict(h: Host) -> dict[str, Any]:
    return {"name": h.name, "fqdn": h.fqdn, "address": h.address, "site": h.site, "port": h.port,
            "scheme": h.scheme.value if h.scheme else None, "auth": h.auth.value if h.auth else None,
            "source": h.source, "is_dc": h.is_dc, "os": h.os, "tags": list(h.tags)}


def host_from_dict(d: Mapping[str, Any]) -> Host:
    return Host(name=str(d["name"]), fqdn=d.get("fqdn"), address=d.get("address"), site=d.get("site"),
                port=d.get("port"), scheme=Scheme(d["scheme"]) if d.get("scheme") else None,
                auth=AuthMethod(d["auth"]) if d.get("auth") else None, source=str(d.get("source", "")),
                is_dc=bool(d.get("is_dc", False)), os=d.get("os"), tags=tuple(d.get("tags") or ()))


def verdict_to_dict(v: Verdict) -> dict[str, Any]:
    return {"rule_id": v.rule_id, "status": v.status.value, "detail": v.detail,
            "evidence": dict(v.evidence), "reason": v.reason.value if v.reason else None}


def cell_to_dict(c: Cell) -> dict[str, Any]:
    return {"host": c.host, "role": c.role, "status": c.status.value, "blocking": list(c.blocking),
            "warnings": list(c.warnings), "unknown": list(c.unknown), "reason": c.reason}


def result_to_json(result: ScanResult) -> dict[str, Any]:
    info = result.info
    return {
        "exready_report": REPORT_SCHEMA,
        "run": {"run_id": info.run_id, "started_at": info.started_at, "finished_at": info.finished_at,
                "exchange_version": info.exchange_version, "cu": info.cu,
                "inventory_source": info.inventory_source, "tool_version": info.tool_version,
                "interrupted": info.interrupted, "breaker_opened": info.breaker_opened},
        "roles": list(result.roles),
        "hosts": [{**host_to_dict(o.host),
                   "outcome": {"kind": o.kind.value, "reason": o.reason, "auth_mechanism": o.auth_mechanism,
                               "duration_s": round(o.duration_s, 3)}}
                  for o in result.outcomes],
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
    facts: dict[str, HostFacts] = {h.host: h for h in doc.hosts}
    outcomes = []
    for h in data["hosts"]:
        host = host_from_dict(h)
        o = h["outcome"]
        kind = OutcomeKind(o["kind"])
        outcomes.append(HostOutcome(host=host, kind=kind, reason=o.get("reason", ""),
                                    facts=facts.get(host.name) if kind is OutcomeKind.OK else None,
                                    auth_mechanism=o.get("auth_mechanism"),
                                    duration_s=float(o.get("duration_s", 0.0))))
    verdicts = {host: [Verdict(rule_id=v["rule_id"], host=host, status=Status(v["status"]),
                               detail=v.get("detail", ""), evidence=v.get("evidence") or {},
                               reason=UnknownReason(v["reason"]) if v.get("reason") else None)
                       for v in vs]
                for host, vs in data["verdicts"].items()}
    cells = [Cell(host=c["host"], role=c["role"], status=CellStatus(c["status"]), blocking=tuple(c["blocking"]),
                  warnings=tuple(c["warnings"]), unknown=tuple(c.get("unknown", ())), reason=c.get("reason", ""))
             for c in data["cells"]]
    return ScanResult(info=info, roles=tuple(data["roles"]), outcomes=tuple(outcomes), verdicts=verdicts,
                      cells=tuple(cells), org=doc.org)


def write_json_report(result: ScanResult, path: Path) -> None:
    """Atomically: a temporary file beside ``path``, renamed into place."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as stream:
            json.dump(result_to_json(result), stream, indent=1, ensure_ascii=False)
            stream.write("\n")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None


def read_saved(path: Path) -> ScanResult:
    """A JSON report, or a bare facts document (``facts_to_json``): both hold saved facts. From a
    facts document every host is taken as scanned (it only lists hosts that answered) and the result
    has no verdicts yet; ``exready evaluate`` judges it."""
    data = _read_json(path)
    if "facts_schema" in data and "exready_report" not in data:
        doc = facts_from_json(data)
        outcomes = tuple(HostOutcome(host=Host(name=h.host), kind=OutcomeKind.OK, facts=h) for h in doc.hosts)
        info = RunInfo(run_id=f"facts-{path.stem}", started_at="", finished_at="", exchange_version="2013",
                       inventory_source=str(path), tool_version="")
        return ScanResult(info=info, roles=(), outcomes=outcomes, verdicts={}, cells=(), org=doc.org)
    return result_from_json(data, str(path))


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
        data = json.loads(text)
    except ValueError as exc:
        raise FactsError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise FactsError(f"{path}: not an exready report")
    return data
