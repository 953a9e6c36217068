"""ConvertTo-Json's -Depth in the collector's footer covers every fact value, with room to spare.

Windows PowerShell writes a container deeper than -Depth as its type name, silently. The model below
follows ConvertTo-Json (3.0-5.1): the table is level 0, each dictionary or array one level below its
parent, and a container at a level above -Depth becomes a string (a hashtable its type name, an array its
elements joined by spaces, as PowerShell converts them); strings, numbers, booleans and null are written
at any level."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scanner.facts import parse_collector_output
from scanner.facts.keys import CATALOG_FACTS, SEED_FACTS
from scanner.model.facts import FactStatus
from scanner.probes import COLLECTOR_VERSION, JSON_DEPTH
from scanner.simulator import SimHost, build_site, load_site
from scanner.simulator.profiles import baseline_document, seed_variants_document
from scanner.simulator.scripts import collector_answer, collector_table

SITES = Path(__file__).resolve().parents[2] / "scanner" / "samples" / "sites"
MARGIN = 3  # levels a fact value may grow before the footer's depth must change


def convertto_json(value: Any, max_depth: int, depth: int = 0) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dict):
        if depth > max_depth:
            return "System.Collections.Hashtable"
        return {k: convertto_json(v, max_depth, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        if depth > max_depth:
            return " ".join(_as_string(v) for v in value)
        return [convertto_json(v, max_depth, depth + 1) for v in value]
    raise TypeError(type(value).__name__)


def _as_string(value: Any) -> str:
    if isinstance(value, dict):
        return "System.Collections.Hashtable"
    if isinstance(value, list):
        return " ".join(_as_string(v) for v in value)
    if isinstance(value, bool):
        return "True" if value else "False"
    return "" if value is None else str(value)


def deepest_container(value: Any, depth: int = 0) -> int:
    if isinstance(value, dict):
        return max([depth, *(deepest_container(v, depth + 1) for v in value.values())])
    if isinstance(value, list):
        return max([depth, *(deepest_container(v, depth + 1) for v in value)])
    return -1


def every_host() -> list[SimHost]:
    variants = seed_variants_document()
    doc = {
        "name": "depth", "seed": 3, "domain": {"dns": "contoso.test", "netbios": "CONTOSO"},
        "credentials": {"username": "u", "password": "p"},
        "baseline": baseline_document(), "variants": variants,
        "ad_sites": [{"name": "A", "pattern": "S{n:02d}", "addresses": "127.45.1.0/24", "count": 0}],
        "hosts": [{"name": f"V{i}", "address": f"127.45.2.{i}", "variant": v}
                  for i, v in enumerate([None, *variants], start=1)],
    }
    hosts = list(build_site(doc).hosts)
    for name in ("demo.yaml", "faults.yaml"):
        hosts.extend(load_site(SITES / name).hosts)
    return hosts


def test_the_model_truncates_as_convertto_json_does() -> None:
    table = {"a": {"b": {"c": {"d": 1}}, "l": [[1, 2], "x"]}}
    # ConvertTo-Json's default -Depth 2
    assert convertto_json(table, 2) == {"a": {"b": {"c": "System.Collections.Hashtable"}, "l": ["1 2", "x"]}}
    assert convertto_json(table, 3) == table
    assert deepest_container(table) == 3


def test_the_depth_covers_every_fact_value_with_room() -> None:
    hosts = every_host()
    deepest = 0
    names: set[str] = set()
    for host in hosts:
        table = collector_table(COLLECTOR_VERSION, dict(host.facts))
        names |= set(table["facts"])
        assert convertto_json(table, JSON_DEPTH) == table, host.name
        deepest = max(deepest, deepest_container(table))
    assert names >= {f.name for f in (*SEED_FACTS, *CATALOG_FACTS)}  # every fact was seen
    assert deepest == 4  # a table inside a list value: exchange.v15.roles, local.administrators
    assert deepest + MARGIN <= JSON_DEPTH
    # and the depth matters: one level less than the deepest value loses data
    assert any(convertto_json(collector_table("1", dict(h.facts)), deepest - 1) != collector_table("1", dict(h.facts))
               for h in hosts)


@pytest.mark.parametrize("host", every_host()[:12], ids=lambda h: h.name)
def test_a_simulated_answer_parses_to_the_profile_facts(host: SimHost) -> None:
    text = collector_answer(COLLECTOR_VERSION, dict(host.facts))
    assert "\n" not in text and json.loads(text)["schema"] == 2
    hf = parse_collector_output(host.name, [text])
    assert hf.collector_version == COLLECTOR_VERSION
    assert set(hf.facts) == set(host.facts)
    for name, f in host.facts.items():
        assert hf.facts[name].status is FactStatus(f.status), name
