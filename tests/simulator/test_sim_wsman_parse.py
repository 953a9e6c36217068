"""The simulator's WS-Man parser looks elements up by qualified name: what it finds must be what
ElementTree's namespace-mapped paths find."""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405 - our own test envelopes

import pytest

from scanner.simulator import wsman

ENVELOPE = (
    '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
    'xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" '
    'xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" '
    'xmlns:x="urn:other" '
    'xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell"><s:Header>'
    "<a:Action>http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Receive</a:Action>"
    "<a:MessageID>uuid:0000</a:MessageID><w:MaxEnvelopeSize>256000</w:MaxEnvelopeSize>"
    "<w:OperationTimeout>PT7.5S</w:OperationTimeout><w:ResourceURI>http://r</w:ResourceURI>"
    '<w:SelectorSet><w:Selector Name="Other">o</w:Selector><x:Selector Name="ShellId">not-this</x:Selector>'
    '<w:Selector Name="ShellId">first-id</w:Selector></w:SelectorSet>'
    '<x:SelectorSet><w:Selector Name="ShellId">not-this-either</w:Selector></x:SelectorSet>'
    '<w:SelectorSet><w:Selector Name="ShellId">second-id</w:Selector></w:SelectorSet>'
    "</s:Header><s:Body><rsp:Receive>"
    '<x:DesiredStream CommandId="NOT">stdout</x:DesiredStream>'
    '<rsp:DesiredStream CommandId="C1">stdout</rsp:DesiredStream>'
    '<rsp:DesiredStream CommandId="C2">stdout</rsp:DesiredStream></rsp:Receive></s:Body></s:Envelope>'
)


def test_parse_reads_the_header_as_namespace_paths_do() -> None:
    req = wsman.parse(ENVELOPE.encode())
    header = ET.fromstring(ENVELOPE).find("s:Header", wsman.NS)  # noqa: S314
    assert header is not None
    expected_shell = None
    for sel in header.findall("w:SelectorSet/w:Selector", wsman.NS):
        if sel.get("Name") == "ShellId":
            expected_shell = (sel.text or "").strip().upper()
    assert req.shell_id == expected_shell == "SECOND-ID"
    assert req.action.endswith("/Receive") and req.stage == "receive"
    assert (req.message_id, req.resource_uri, req.max_envelope, req.operation_timeout_s) == (
        "uuid:0000", "http://r", 256000, 7.5,
    )


@pytest.mark.parametrize(
    ("path", "parent"),
    [("w:SelectorSet/w:Selector", "s:Header"), ("rsp:Receive/rsp:DesiredStream", "s:Body")],
)
def test_children_finds_what_findall_finds(path: str, parent: str) -> None:
    root = ET.fromstring(ENVELOPE)  # noqa: S314
    el = root.find(parent, wsman.NS)
    assert el is not None
    first, second = path.split("/")
    got = wsman._children(el, wsman._q(first), wsman._q(second))
    assert got == el.findall(path, wsman.NS)
    assert len(got) >= 2
