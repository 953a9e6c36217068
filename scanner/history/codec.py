"""Values <-> the JSON text kept in history columns.

Facts are stored exactly as the collector produced them (status, value, error per fact), in the same
shape as the JSON report and `exready evaluate` use (scanner.facts.serial), which is what evaluating a
past sweep again with today's rules needs.
"""

from __future__ import annotations

import json
from typing import Any

from scanner.facts.serial import (
    host_facts_from_dict,
    host_facts_to_dict,
    org_facts_from_dict,
    org_facts_to_dict,
)
from scanner.model.facts import HostFacts, OrgFacts


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def host_facts_to_json(facts: HostFacts) -> str:
    return dumps(host_facts_to_dict(facts))


def host_facts_from_json(text: str) -> HostFacts:
    """Raises FactsError (or ValueError for text that is not JSON)."""
    return host_facts_from_dict(json.loads(text))


def org_facts_to_json(org: OrgFacts) -> str:
    return dumps(org_facts_to_dict(org))


def org_facts_from_json(text: str) -> OrgFacts:
    return org_facts_from_dict(json.loads(text))
