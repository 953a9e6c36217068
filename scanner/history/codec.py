"""Values <-> the JSON text kept in history columns.

Facts are stored exactly as the collector produced them (status, value, error per fact), which is
what re-evaluating a past sweep with today's rules needs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from scanner.model.facts import FACTS_SCHEMA_VERSION, Fact, FactStatus, HostFacts, OrgFacts


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _fact_to_json(fact: Fact) -> dict[str, Any]:
    out: dict[str, Any] = {"status": fact.status.value}
    if fact.value is not None:
        out["value"] = fact.value
    if fact.error is not None:
        out["error"] = fact.error
    return out


def _facts_from_json(raw: Mapping[str, Any]) -> dict[str, Fact]:
    return {
        name: Fact(name=name, status=FactStatus(f["status"]), value=f.get("value"), error=f.get("error"))
        for name, f in raw.items()
    }


def host_facts_to_json(facts: HostFacts) -> str:
    return dumps(
        {
            "host": facts.host,
            "collector_version": facts.collector_version,
            "schema_version": facts.schema_version,
            "facts": {name: _fact_to_json(f) for name, f in facts.facts.items()},
        }
    )


def host_facts_from_json(text: str) -> HostFacts:
    raw = json.loads(text)
    return HostFacts(
        host=raw["host"],
        facts=_facts_from_json(raw.get("facts", {})),
        collector_version=raw.get("collector_version", ""),
        schema_version=int(raw.get("schema_version", FACTS_SCHEMA_VERSION)),
    )


def org_facts_to_json(org: OrgFacts) -> str:
    return dumps({"source": org.source, "facts": {n: _fact_to_json(f) for n, f in org.facts.items()}})


def org_facts_from_json(text: str) -> OrgFacts:
    raw = json.loads(text)
    return OrgFacts(facts=_facts_from_json(raw.get("facts", {})), source=raw.get("source", ""))
