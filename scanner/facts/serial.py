"""Facts <-> JSON, versioned with FACTS_SCHEMA_VERSION. Used by the JSON report, `exready evaluate` (saved
facts evaluated again offline) and the history store.

Document shape::

    {"facts_schema": 1,
     "hosts": [{"host": "EX01", "collector_version": "1.0.0", "schema_version": 1,
                "facts": {"<name>": {"status": "present", "value": ...} | {"status": "absent"}
                                  | {"status": "unreadable", "error": "..."}}}],
     "org": {"source": "ldaps://dc1", "facts": {...}},          # facts {} when AD was not read
     "installer": null | {"account": "CONTOSO\\\\setup", "facts": {...}}}

Bad input raises FactsError with one line that says what is wrong and where.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from scanner.errors import FactsError
from scanner.facts.installer import InstallerFacts
from scanner.model.facts import FACTS_SCHEMA_VERSION, Fact, FactStatus, HostFacts, OrgFacts


@dataclass(frozen=True, slots=True)
class FactsDocument:
    hosts: tuple[HostFacts, ...]
    org: OrgFacts = field(default_factory=OrgFacts)
    installer: InstallerFacts | None = None

    def host(self, name: str) -> HostFacts | None:
        return next((h for h in self.hosts if h.host == name), None)


# ---- to JSON ---------------------------------------------------------------------------------


def fact_to_dict(fact: Fact) -> dict[str, Any]:
    out: dict[str, Any] = {"status": fact.status.value}
    if fact.status is FactStatus.PRESENT:
        out["value"] = fact.value
    if fact.error:
        out["error"] = fact.error
    return out


def _facts_to_dict(facts: Mapping[str, Fact]) -> dict[str, Any]:
    return {name: fact_to_dict(f) for name, f in sorted(facts.items())}


def host_facts_to_dict(hf: HostFacts) -> dict[str, Any]:
    return {
        "host": hf.host,
        "collector_version": hf.collector_version,
        "schema_version": hf.schema_version,
        "facts": _facts_to_dict(hf.facts),
    }


def org_facts_to_dict(org: OrgFacts) -> dict[str, Any]:
    return {"source": org.source, "facts": _facts_to_dict(org.facts)}


def installer_facts_to_dict(inst: InstallerFacts) -> dict[str, Any]:
    return {"account": inst.account, "facts": _facts_to_dict(inst.facts)}


def facts_to_json(
    hosts: Iterable[HostFacts], org: OrgFacts | None = None, installer: InstallerFacts | None = None
) -> dict[str, Any]:
    """A JSON-ready dict (json.dumps it, or embed it in a larger document)."""
    return {
        "facts_schema": FACTS_SCHEMA_VERSION,
        "hosts": [host_facts_to_dict(h) for h in hosts],
        "org": org_facts_to_dict(org or OrgFacts()),
        "installer": installer_facts_to_dict(installer) if installer is not None else None,
    }


# ---- from JSON -------------------------------------------------------------------------------


def _table(where: str, raw: object) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise FactsError(f"{where}: expected an object, got {type(raw).__name__}")
    return raw


def fact_from_dict(name: str, raw: object, where: str = "fact") -> Fact:
    t = _table(f"{where} {name}", raw)
    try:
        status = FactStatus(str(t.get("status")))
    except ValueError:
        raise FactsError(f"{where} {name}: unknown status {t.get('status')!r}") from None
    error = t.get("error")
    if error is not None and not isinstance(error, str):
        raise FactsError(f"{where} {name}: error must be text")
    if status is FactStatus.PRESENT:
        if "value" not in t:
            raise FactsError(f"{where} {name}: a present fact needs a value")
        return Fact(name, status, value=t["value"], error=error)
    if status is FactStatus.UNREADABLE:
        return Fact(name, status, error=error or "no error text")
    return Fact(name, status, error=error)


def _facts_from_dict(where: str, raw: object) -> dict[str, Fact]:
    t = _table(f"{where} facts", raw)
    out: dict[str, Fact] = {}
    for name, entry in t.items():
        if not isinstance(name, str) or not name:
            raise FactsError(f"{where}: a fact name must be non-empty text")
        out[name] = fact_from_dict(name, entry, where)
    return out


def host_facts_from_dict(raw: object) -> HostFacts:
    t = _table("host facts", raw)
    host = t.get("host")
    if not isinstance(host, str) or not host:
        raise FactsError("host facts: missing host name")
    schema = t.get("schema_version", FACTS_SCHEMA_VERSION)
    if schema != FACTS_SCHEMA_VERSION:
        raise FactsError(
            f"host {host}: facts schema {schema!r} is not supported (expected {FACTS_SCHEMA_VERSION})"
        )
    cv = t.get("collector_version", "")
    if not isinstance(cv, str):
        raise FactsError(f"host {host}: collector_version must be text")
    return HostFacts(host=host, facts=_facts_from_dict(f"host {host}", t.get("facts")), collector_version=cv)


def org_facts_from_dict(raw: object) -> OrgFacts:
    t = _table("org facts", raw)
    source = t.get("source", "")
    if not isinstance(source, str):
        raise FactsError("org facts: source must be text")
    return OrgFacts(facts=_facts_from_dict("org", t.get("facts", {})), source=source)


def installer_facts_from_dict(raw: object) -> InstallerFacts:
    t = _table("installer facts", raw)
    account = t.get("account")
    if not isinstance(account, str) or not account:
        raise FactsError("installer facts: missing account")
    return InstallerFacts(account=account, facts=_facts_from_dict("installer", t.get("facts", {})))


def facts_from_json(data: str | bytes | Mapping[str, Any]) -> FactsDocument:
    """Read a document written by facts_to_json (text, bytes, or the already-decoded dict)."""
    if isinstance(data, str | bytes):
        try:
            data = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise FactsError(f"saved facts are not valid JSON: {exc}") from None
    t = _table("saved facts", data)
    schema = t.get("facts_schema")
    if schema is None:
        raise FactsError("saved facts: no facts_schema; this is not an exready facts document")
    if schema != FACTS_SCHEMA_VERSION:
        raise FactsError(f"saved facts: schema {schema!r} is not supported (expected {FACTS_SCHEMA_VERSION})")
    hosts_raw = t.get("hosts")
    if not isinstance(hosts_raw, list):
        raise FactsError("saved facts: hosts must be a list")
    hosts = tuple(host_facts_from_dict(h) for h in hosts_raw)
    names = [h.host for h in hosts]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise FactsError(f"saved facts: host {dupes[0]} appears more than once")
    org = org_facts_from_dict(t["org"]) if t.get("org") is not None else OrgFacts()
    inst = installer_facts_from_dict(t["installer"]) if t.get("installer") is not None else None
    return FactsDocument(hosts=hosts, org=org, installer=inst)
