"""The fast CLIXML deserializer gives exactly what pypsrp's own gives, on the collector's answers and
on the shapes it hands back to pypsrp."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
from psrpcore.types import PSCustomObject, serialize
from pypsrp.complex_objects import ComplexObject
from pypsrp.serializer import Serializer

from scanner.simulator import build_site
from scanner.simulator.profiles import baseline_document, seed_variants_document
from scanner.simulator.scripts import collector_table
from scanner.transport.serializer import FastSerializer


def clixml(value: Any) -> str:
    """The CLIXML a Windows host (psrpcore, as the simulator uses it) sends for ``value``."""
    text: str = ET.tostring(serialize(value, None), encoding="unicode")  # type: ignore[arg-type]
    return text


def normal(value: Any) -> Any:
    """A comparable form: complex objects by type, properties and their kept XML."""
    if isinstance(value, dict):
        return {"dict": sorted((repr(normal(k)), normal(v)) for k, v in value.items())}
    if isinstance(value, list):
        return [normal(v) for v in value]
    if isinstance(value, ComplexObject):
        props = {**getattr(value, "adapted_properties", {}), **getattr(value, "extended_properties", {})}
        return {"type": type(value).__name__, "types": list(getattr(value, "types", [])),
                "props": normal(props), "xml": value._xml, "str": str(value)}
    if isinstance(value, ET.Element):
        return ET.tostring(value)
    return (type(value).__name__, value)


def both(xml: str) -> tuple[Any, Any]:
    stock, fast = Serializer(), FastSerializer()
    a = stock.deserialize(xml)
    b = fast.deserialize(xml)
    assert stock.obj.keys() == fast.obj.keys()  # the same objects were registered for later Refs
    return normal(a), normal(b)


def site() -> Any:
    doc = {
        "name": "serializer", "seed": 5, "domain": {"dns": "contoso.test", "netbios": "CONTOSO"},
        "credentials": {"username": "u", "password": "p"},
        "baseline": baseline_document(), "variants": seed_variants_document(),
        "ad_sites": [{"name": "A", "pattern": "S{n:02d}", "addresses": "127.44.1.0/24", "count": 0}],
        "hosts": [{"name": f"V{i}", "address": f"127.44.2.{i}", "variant": v}
                  for i, v in enumerate([None, *seed_variants_document()], start=1)],
    }
    return build_site(doc)


@pytest.mark.parametrize("host", site().hosts, ids=lambda h: h.variant or "baseline")
def test_collector_answers_deserialize_identically(host: Any) -> None:
    xml = clixml(collector_table("1", dict(host.facts)))
    stock, fast = both(xml)
    assert stock == fast
    assert fast["dict"]  # a real, non-empty table


ODD_VALUES: list[Any] = [
    "line one\nline two _x000A_ and tab\t",  # escapes go through pypsrp's decoder
    {"a": [1, 2, {"b": None}], "c": True, "d": 2**40, "e": 1.5, "f": ""},
    [[], {}, [[["deep"]]]],
    PSCustomObject(Name="x", Nested={"k": [1, "two"]}, Flag=False),
    {"objs": [PSCustomObject(A=1), PSCustomObject(A=2)], "same": "_x0041_"},
]


@pytest.mark.parametrize("value", ODD_VALUES, ids=[f"shape{i}" for i in range(len(ODD_VALUES))])
def test_other_shapes_fall_back_to_the_same_values(value: Any) -> None:
    stock, fast = both(clixml(value))
    assert stock == fast


def test_type_name_references_and_object_arrays() -> None:
    # A second hashtable names its type by TNRef; an Object[] and a typed object go to pypsrp itself.
    xml = (
        '<Obj RefId="0"><TN RefId="0"><T>System.Collections.Hashtable</T><T>System.Object</T></TN><DCT>'
        '<En><S N="Key">inner</S><Obj N="Value" RefId="1"><TNRef RefId="0" /><DCT>'
        '<En><S N="Key">n</S><I32 N="Value">7</I32></En></DCT></Obj></En>'
        '<En><S N="Key">arr</S><Obj N="Value" RefId="2"><TN RefId="1"><T>System.Object[]</T>'
        '<T>System.Array</T><T>System.Object</T></TN><LST><S>a</S><Nil /><B>true</B></LST></Obj></En>'
        '<En><S N="Key">ver</S><Version N="Value">6.3.9600.17415</Version></En>'
        '</DCT></Obj>'
    )
    stock, fast = both(xml)
    assert stock == fast
    assert repr(("str", "inner")) in [key for key, _ in fast["dict"]]


def test_not_xml_is_returned_as_text_like_pypsrp() -> None:
    stock, fast = both("this is <not xml")
    assert stock == fast == ("str", "this is <not xml")


def test_the_collector_answer_is_not_written_back_to_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """What makes it fast: pypsrp re-serialises each nested level; the fast path never does."""
    calls = {"n": 0}
    real = ET.tostring

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        return real(*args, **kwargs)

    xml = clixml(collector_table("1", dict(site().hosts[0].facts)))
    monkeypatch.setattr(ET, "tostring", counting)
    Serializer().deserialize(xml)
    stock_calls, calls["n"] = calls["n"], 0
    FastSerializer().deserialize(xml)
    assert stock_calls > 20
    assert calls["n"] == 0


@pytest.mark.parametrize("text", [
    "", "plain text", "line\nbreak\ttab", "_x000A_ already escaped", "_X0041_ upper", "astral \U0001f600 char",
    "\x7f\x80\x9f c1 controls", "x" * 5000, "# script\n" * 800 + "_x_\x01",
])
def test_strings_are_escaped_exactly_as_pypsrp_escapes_them(text: str) -> None:
    assert FastSerializer()._serialize_string(text) == Serializer()._serialize_string(text)
    assert FastSerializer()._serialize_string(text) == FastSerializer()._serialize_string(text)  # cached


def test_the_collector_script_serialises_to_the_same_message() -> None:
    from pypsrp.complex_objects import Command, Pipeline

    from scanner.probes.collector import build_collector_script

    def message(serializer: Serializer) -> str:
        pipeline = Pipeline(is_nested=False, cmds=[Command(protocol_version="2.3", cmd=build_collector_script(),
                                                           is_script=True, use_local_scope=None)])
        element = serializer.serialize(pipeline)
        assert element is not None
        text: str = ET.tostring(element, encoding="unicode")
        return text

    assert message(FastSerializer()) == message(Serializer())
