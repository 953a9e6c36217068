"""The simulator's fast CLIXML writer must produce exactly what psrpcore's serializer produces."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET  # noqa: S405

import pytest
from psrpcore.types import serialize as psrpcore_serialize

from scanner.simulator import clixml, load_site
from scanner.simulator.scripts import collector_answer, collector_table

ROOT = Path(__file__).resolve().parents[2]


def _reference(value: Any) -> bytes:
    element: Any = psrpcore_serialize(value, None)  # type: ignore[arg-type]  # no cipher: no SecureString
    data: bytes = ET.tostring(element, encoding="utf-8", method="xml")
    return data


@pytest.mark.parametrize("site_file", ["demo.yaml", "faults.yaml"])
def test_every_sample_host_table_matches_psrpcore(site_file: str) -> None:
    site = load_site(ROOT / "scanner" / "samples" / "sites" / site_file)
    for host in site.hosts:
        table = collector_table("1.2.3", dict(host.facts))
        assert clixml.serialize(table) == _reference(table), host.name
        text = collector_answer("1.2.3", dict(host.facts))  # what the simulator sends: one <S>
        assert clixml.serialize(text) == _reference(text), host.name


@pytest.mark.parametrize(
    "value",
    [
        {
            "text": "a<b & c>d",
            "esc": "_x0041_ and _X too",
            "ctl": "tab\there\r\nnl\x00",
            "emoji": "\U0001f600 é",
        },
        {"ints": [0, -1, 2147483647, 2147483648, -(2**40), 2**62], "bools": [True, False], "none": None},
        {"empty_list": [], "empty_dict": {}, "nested": [{"a": [{"b": {}}]}, [[], [1]]]},
        [],
        {},
        "plain",
    ],
)
def test_values_match_psrpcore(value: Any) -> None:
    assert clixml.serialize(value) == _reference(value)


@pytest.mark.parametrize("value", [{"f": 1.5}, {1: "non-string key"}, {"t": (1, 2)}, b"bytes"])
def test_other_types_are_left_to_psrpcore(value: Any) -> None:
    assert clixml.serialize(value) is None
