"""Results kept on local disk while the history database cannot be reached.

When a PostgreSQL history goes away in the middle of a sweep (a restart, a network cut), the recorder
appends what it could not write to one JSON-lines file per run in the spool directory, and writes it
into the database when the server is back: during the sweep, at its end, or at the next sweep of any
zone into the same database. Each line is one record: the run's start (its inventory, roles, AD facts
and zone), one host's outcome, or the run's end (the whole result). Replaying is idempotent: a record
the server received just before the connection dropped is written again to the same effect.

A file is appended to and flushed line by line, so a scanner killed while offline leaves every
finished host on disk; a line cut short by the kill is ignored.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from scanner.errors import FactsError, HistoryError
from scanner.history import codec
from scanner.model.facts import OrgFacts
from scanner.model.host import AuthMethod, Host, Scheme
from scanner.model.matrix import Cell, CellStatus
from scanner.model.outcome import HostOutcome, OutcomeKind
from scanner.model.run import RunInfo, ScanResult
from scanner.model.verdict import Status, UnknownReason, Verdict

log = logging.getLogger(__name__)

SPOOL_DIR_NAME = "spool"
_FORMAT = 1


def default_spool_dir() -> Path:
    import platformdirs  # imported here: nothing at import time

    return Path(platformdirs.user_state_dir("exready", appauthor=False)) / SPOOL_DIR_NAME


# ---- values <-> JSON ----------------------------------------------------------------------------


def _host(h: Host) -> dict[str, Any]:
    return {"name": h.name, "fqdn": h.fqdn, "address": h.address, "site": h.site, "port": h.port,
            "scheme": h.scheme.value if h.scheme else None, "auth": h.auth.value if h.auth else None,
            "source": h.source, "is_dc": h.is_dc, "os": h.os, "tags": list(h.tags), "tls_name": h.tls_name}


def _host_from(d: Mapping[str, Any]) -> Host:
    return Host(name=str(d["name"]), fqdn=d.get("fqdn"), address=d.get("address"), site=d.get("site"),
                port=d.get("port"), scheme=Scheme(d["scheme"]) if d.get("scheme") else None,
                auth=AuthMethod(d["auth"]) if d.get("auth") else None, source=str(d.get("source", "")),
                is_dc=bool(d.get("is_dc")), os=d.get("os"), tags=tuple(d.get("tags") or ()),
                tls_name=d.get("tls_name"))


def _outcome(o: HostOutcome) -> dict[str, Any]:
    return {"host": _host(o.host), "kind": o.kind.value, "reason": o.reason, "auth_mechanism": o.auth_mechanism,
            "duration_s": o.duration_s,
            "facts": codec.host_facts_to_json(o.facts) if o.facts is not None else None}


def _outcome_from(d: Mapping[str, Any]) -> HostOutcome:
    return HostOutcome(host=_host_from(d["host"]), kind=OutcomeKind(d["kind"]), reason=str(d["reason"]),
                       facts=codec.host_facts_from_json(d["facts"]) if d.get("facts") else None,
                       auth_mechanism=d.get("auth_mechanism"), duration_s=float(d["duration_s"]))


def _info(i: RunInfo) -> dict[str, Any]:
    return {"run_id": i.run_id, "started_at": i.started_at, "finished_at": i.finished_at,
            "exchange_version": i.exchange_version, "inventory_source": i.inventory_source,
            "tool_version": i.tool_version, "interrupted": i.interrupted, "cu": i.cu,
            "breaker_opened": i.breaker_opened}


def _info_from(d: Mapping[str, Any]) -> RunInfo:
    return RunInfo(**{k: d[k] for k in _info(RunInfo("", "", "", "", "", "")).keys()})


def _result(r: ScanResult) -> dict[str, Any]:
    return {
        "info": _info(r.info), "roles": list(r.roles), "outcomes": [_outcome(o) for o in r.outcomes],
        "verdicts": {h: [{"rule_id": v.rule_id, "status": v.status.value, "detail": v.detail,
                          "evidence": codec.dumps(dict(v.evidence)),
                          "reason": v.reason.value if v.reason else None} for v in vs]
                     for h, vs in r.verdicts.items()},
        "cells": [{"host": c.host, "role": c.role, "status": c.status.value, "blocking": list(c.blocking),
                   "warnings": list(c.warnings), "unknown": list(c.unknown), "reason": c.reason}
                  for c in r.cells],
        "org": codec.org_facts_to_json(r.org),
    }


def _result_from(d: Mapping[str, Any]) -> ScanResult:
    return ScanResult(
        info=_info_from(d["info"]),
        roles=tuple(d["roles"]),
        outcomes=[_outcome_from(o) for o in d["outcomes"]],
        verdicts={h: [Verdict(rule_id=v["rule_id"], host=h, status=Status(v["status"]), detail=v["detail"],
                              evidence=json.loads(v["evidence"]),
                              reason=UnknownReason(v["reason"]) if v["reason"] else None) for v in vs]
                  for h, vs in d["verdicts"].items()},
        cells=[Cell(host=c["host"], role=c["role"], status=CellStatus(c["status"]), blocking=tuple(c["blocking"]),
                    warnings=tuple(c["warnings"]), unknown=tuple(c["unknown"]), reason=c["reason"])
               for c in d["cells"]],
        org=codec.org_facts_from_json(d["org"]),
    )


# ---- records ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Begin:
    info: RunInfo
    hosts: tuple[Host, ...]
    roles: tuple[str, ...]
    org: OrgFacts | None
    zone: str


@dataclass(frozen=True, slots=True)
class Outcome:
    outcome: HostOutcome


@dataclass(frozen=True, slots=True)
class Finish:
    result: ScanResult


Record = Begin | Outcome | Finish


def _encode(record: Record) -> dict[str, Any]:
    if isinstance(record, Begin):
        return {"record": "begin", "info": _info(record.info), "hosts": [_host(h) for h in record.hosts],
                "roles": list(record.roles), "zone": record.zone,
                "org": codec.org_facts_to_json(record.org) if record.org is not None else None}
    if isinstance(record, Outcome):
        return {"record": "outcome", "outcome": _outcome(record.outcome)}
    return {"record": "finish", "result": _result(record.result)}


def _decode(d: Mapping[str, Any]) -> Record:
    kind = d["record"]
    if kind == "begin":
        return Begin(info=_info_from(d["info"]), hosts=tuple(_host_from(h) for h in d["hosts"]),
                     roles=tuple(d["roles"]), zone=str(d["zone"]),
                     org=codec.org_facts_from_json(d["org"]) if d.get("org") else None)
    if kind == "outcome":
        return Outcome(_outcome_from(d["outcome"]))
    if kind == "finish":
        return Finish(_result_from(d["result"]))
    raise ValueError(f"unknown record {kind!r}")


# ---- the file -----------------------------------------------------------------------------------


class Spool:
    """The spool file of one run of one database: ``<dir>/<run_id>.jsonl``."""

    def __init__(self, directory: Path, run_id: str, database: str, zone: str) -> None:
        self.path = Path(directory) / f"{run_id}.jsonl"
        self.database = database
        self.zone = zone
        self.run_id = run_id
        self.records = 0
        self._file: IO[str] | None = None

    def append(self, record: Record) -> None:
        """Raises HistoryError when the disk refuses too (then nothing is left to keep the result)."""
        try:
            if self._file is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                new = not self.path.exists() or self.path.stat().st_size == 0
                self._file = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - kept open until close()
                if new:
                    self._write({"spool": _FORMAT, "database": self.database, "zone": self.zone,
                                 "run_id": self.run_id})
            self._write(_encode(record))
        except OSError as exc:
            raise HistoryError(f"cannot keep results in {self.path}: {exc.strerror or exc}") from exc
        self.records += 1

    def _write(self, line: Mapping[str, Any]) -> None:
        assert self._file is not None
        self._file.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
        self._file.flush()  # to the operating system: a killed scanner loses at most this line

    def close(self) -> None:
        handle, self._file = self._file, None
        if handle is not None:
            handle.close()

    def discard(self) -> None:
        self.close()
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            log.warning("cannot remove the delivered spool file %s: %s", self.path, exc)


def read_spool(path: Path) -> tuple[str, list[Record]]:
    """The run a spool file belongs to and its records (a torn last line is left out)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise HistoryError(f"cannot read the spool file {path}: {exc}") from exc
    if not lines:
        return path.stem, []
    try:
        header = json.loads(lines[0])
        run_id = str(header["run_id"])
    except (ValueError, KeyError, TypeError) as exc:
        raise HistoryError(f"the spool file {path} has no header: {exc}") from exc
    records: list[Record] = []
    for number, line in enumerate(lines[1:], start=2):
        try:
            records.append(_decode(json.loads(line)))
        except (ValueError, KeyError, TypeError, FactsError) as exc:
            if number == len(lines):  # the line a kill cut short
                break
            raise HistoryError(f"the spool file {path} line {number} is unreadable: {exc}") from exc
    return run_id, records


def spool_files(directory: Path, database: str, zone: str) -> Iterator[Path]:
    """The spool files in ``directory`` of ``zone``'s runs in ``database``, oldest first. Only the
    zone's own: its sweep lock says no other scanner is writing them now."""
    if not directory.is_dir():
        return
    for path in sorted(directory.glob("*.jsonl"), key=lambda p: p.stat().st_mtime):
        try:
            with path.open(encoding="utf-8") as f:
                header = json.loads(f.readline() or "{}")
        except (OSError, ValueError):
            continue
        if header.get("database") == database and header.get("zone") == zone:
            yield path


def records_hosts(records: Sequence[Record]) -> int:
    return len({r.outcome.host.name for r in records if isinstance(r, Outcome)})
