"""The lean path sends the very bytes pypsrp 0.9.1 sends. pypsrp's requests are captured on the wire
(its WSMan over our WinRMHttpTransport, against the fleet simulator on loopback); the lean session is
then given the same ids (session, RunspacePool, pipeline, message ids, in the order it asks for them),
and its whole conversation (Create, Receive, Command and Send, Receive, Signal, Delete) must equal
pypsrp's byte for byte. Each template is also checked on its own against pypsrp's envelope with the
ids read back from it, and the payload size pypsrp derives from MaxEnvelopeSize is the lean one."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from typing import Any

import pytest
from pypsrp.wsman import WSMan

from scanner.collect.session import collector_for
from scanner.credentials import Credentials, Secret
from scanner.errors import DeadlineExceeded
from scanner.model.host import Host
from scanner.simulator import SimulatorThread, build_site
from scanner.transport import http
from scanner.transport import psrp_lean as lean
from scanner.transport.lean_session import ChannelSpec, LeanHostSession, ThreadedTransportChannel
from scanner.transport.settings import TransportSettings
from scanner.transport.winrm import HostSession

pytestmark = pytest.mark.simulator

USER = "svc-bytes"
PASSWORD = "Bytes-Pass-7!"  # noqa: S105 - the simulated lab's account


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatorThread]:
    doc = {
        "name": "bytes", "domain": {"dns": "contoso.test", "netbios": "CONTOSO"},
        "credentials": {"username": USER, "password": PASSWORD},
        "defaults": {"schemes": ["http"], "auth": ["negotiate"]},
        "hosts": [
            {"name": "B16", "os": "ws2016", "address": "127.71.0.1"},
            {"name": "B08", "os": "ws2008r2sp1", "address": "127.71.0.2"},
            {"name": "BSLOW", "os": "ws2019", "address": "127.71.0.3", "fault": {"kind": "slow", "delay_s": 60}},
        ],
    }
    with SimulatorThread(build_site(doc), tmp_path_factory.mktemp("sim")) as running:
        yield running


def _host(sim: SimulatorThread, name: str) -> Host:
    h = sim.host(name)
    return Host(name=h.name, fqdn=h.fqdn, address=h.address, port=h.http_port)


def _settings(deadline: float = 30.0) -> TransportSettings:
    return TransportSettings(credentials=Credentials(f"CONTOSO\\{USER}", Secret(PASSWORD)), deadline=deadline,
                             operation_timeout=2, read_timeout=10)


def _pypsrp_requests(monkeypatch: pytest.MonkeyPatch, host: Host, settings: TransportSettings,
                     script: Any) -> tuple[list[bytes], list[bytes]]:
    """pypsrp's requests and the replies, as they crossed the wire."""
    sent: list[bytes] = []
    replies: list[bytes] = []
    original = http.WinRMHttpTransport.send

    def send(self: http.WinRMHttpTransport, message: bytes, **kwargs: Any) -> bytes:
        sent.append(message)
        reply = original(self, message, **kwargs)
        replies.append(reply)
        return reply

    monkeypatch.setattr(http.WinRMHttpTransport, "send", send)
    try:
        HostSession(host, settings, script).run()
    except DeadlineExceeded:
        pass
    monkeypatch.setattr(http.WinRMHttpTransport, "send", original)
    return sent, replies


class _Recording(ThreadedTransportChannel):
    sent: list[bytes]

    def __init__(self, spec: ChannelSpec) -> None:
        super().__init__(spec)
        self.sent = []
        _Recording.last = self

    async def send(self, message: bytes, *, read_timeout: float | None = None) -> bytes:
        self.sent.append(message)
        return await super().send(message, read_timeout=read_timeout)

    last: _Recording | None = None


def _first(pattern: str, text: str) -> str:
    found = re.search(pattern, text)
    assert found is not None, pattern
    return found.group(1)


def _ids_in_lean_order(requests: list[bytes]) -> list[str]:
    """pypsrp's ids, in the order the lean session draws them: session, pool, then per request its
    message id, the pipeline id just before the Command's."""
    texts = [r.decode() for r in requests]
    ids = [_first(r"<wsmv:SessionId[^>]*>uuid:([0-9A-F-]+)<", texts[0]),
           _first(r'<rsp:Shell ShellId="([^"]+)"', texts[0])]
    for text in texts:
        if "/windows/shell/Command<" in text:
            ids.append(_first(r'<rsp:CommandLine CommandId="([^"]+)"', text))
        ids.append(_first(r"<wsa:MessageID>uuid:([0-9A-F-]+)<", text))
    return ids


def _lean_requests(host: Host, settings: TransportSettings, script: Any, ids: list[str]) -> list[bytes]:
    feed = iter(ids)
    session = LeanHostSession(host, settings, script, channel_factory=_Recording, new_id=lambda: next(feed))
    try:
        asyncio.run(session.run())
    except DeadlineExceeded:
        pass
    assert _Recording.last is not None
    return _Recording.last.sent


def _server_command_ids(requests: list[bytes], replies: list[bytes]) -> list[bytes]:
    """WinRM 2.0 names the command itself (not after the pipeline): that id comes from the host and
    differs between two runs, so it is blanked in both conversations."""
    out = []
    for request, reply in zip(requests, replies, strict=False):
        found = re.search(rb"<rsp:CommandId>([0-9A-F-]+)</rsp:CommandId>", reply)
        if found and b"/windows/shell/Command<" in request:
            out.append(found.group(1))
    return out


def _blank(requests: list[bytes], ids: list[bytes]) -> list[bytes]:
    result = []
    for r in requests:
        for i in ids:
            r = r.replace(i, b"SERVER-COMMAND-ID")
        result.append(r)
    return result


def _actions(requests: list[bytes]) -> list[str]:
    return [_first(r"<wsa:Action[^>]*>[^<]*/([A-Za-z]+)</wsa:Action>", r.decode()) for r in requests]


def test_a_powershell_5_session_is_byte_for_byte_pypsrps(sim: SimulatorThread,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    host, settings = _host(sim, "B16"), _settings()
    theirs, _ = _pypsrp_requests(monkeypatch, host, settings, collector_for)
    ours = _lean_requests(host, settings, collector_for, _ids_in_lean_order(theirs))
    assert _actions(theirs) == ["Create", "Receive", "Command", "Receive", "Delete"]
    assert ours == theirs


def test_a_powershell_2_session_with_a_script_past_one_envelope_sends_the_rest_as_pypsrp(
        sim: SimulatorThread, monkeypatch: pytest.MonkeyPatch) -> None:
    # WinRM 2.0 takes 150 KB envelopes: a 200 KB script goes as a Command and a Send
    padded = collector_for
    host, settings = _host(sim, "B08"), _settings()

    def script(remote: Any) -> str:
        return padded(remote) + "\n# " + "x" * 200_000 + "\n"

    theirs, replies = _pypsrp_requests(monkeypatch, host, settings, script)
    assert _actions(theirs)[:4] == ["Create", "Receive", "Command", "Send"]
    ours = _lean_requests(host, settings, script, _ids_in_lean_order(theirs))
    assert len(ours) == len(theirs)
    blank = _server_command_ids(theirs, replies)
    assert blank  # the 2008 R2 host named the command itself
    # the lean run's own server-assigned id: whatever the Receive after its Command asked for
    named = rb'<rsp:(?:DesiredStream|Stream Name="stdin") CommandId="([0-9A-F-]+)"'
    lean_ids = {m.group(1) for r in ours for m in re.finditer(named, r)}
    assert _blank(ours, sorted(lean_ids)) == _blank(theirs, blank)


def test_a_deadline_signals_the_pipeline_then_deletes_the_shell_as_pypsrp(
        sim: SimulatorThread, monkeypatch: pytest.MonkeyPatch) -> None:
    host, settings = _host(sim, "BSLOW"), _settings(deadline=3.5)
    theirs, _ = _pypsrp_requests(monkeypatch, host, settings, collector_for)
    actions = _actions(theirs)
    assert actions[-2:] == ["Signal", "Delete"] and "Receive" in actions[3:-2]
    # the same envelopes, template by template, from the ids read back from pypsrp's
    texts = [t.decode() for t in theirs]
    ep = lean.Endpoint(_first(r"<wsa:To>([^<]+)<", texts[0]), _first(r"<wsmv:SessionId[^>]*>uuid:([0-9A-F-]+)<",
                                                                       texts[0]), settings.operation_timeout)
    uri = _first(r"<wsman:ResourceURI[^>]*>([^<]+)<", texts[0])
    shell = _first(r'<wsman:Selector Name="ShellId">([^<]+)<', texts[1])
    selectors = (("ShellId", shell),)
    pid = _first(r'<rsp:CommandLine CommandId="([^"]+)"', texts[2])
    for text, raw in zip(texts, theirs, strict=True):
        mid = _first(r"<wsa:MessageID>uuid:([0-9A-F-]+)<", text)
        size = int(_first(r"<wsman:MaxEnvelopeSize[^>]*>(\d+)<", text))
        action = _first(r"<wsa:Action[^>]*>[^<]*/([A-Za-z]+)</wsa:Action>", text)
        if action == "Signal":
            assert lean.signal_envelope(ep, uri, mid, size, selectors, pid) == raw
        elif action == "Delete":
            assert lean.delete_envelope(ep, uri, mid, size, selectors) == raw
        elif action == "Receive":
            command = re.search(r'<rsp:DesiredStream CommandId="([^"]+)"', text)
            timeout = int(_first(r"<wsman:OperationTimeout>PT(\d+)S<", text))
            built = lean.receive_envelope(ep, uri, mid, size, selectors, command.group(1) if command else None,
                                          timeout if command else None)
            assert built == raw
        elif action == "Create":
            assert lean.create_envelope(ep, uri, mid, shell) == raw
    # and the whole conversation, drawn with the same ids
    ours = _lean_requests(host, settings, collector_for, _ids_in_lean_order(theirs))
    assert _actions(ours)[-2:] == ["Signal", "Delete"]
    # a long poll's timing may differ by one Receive; every request the two runs share is the same
    assert ours[:3] == theirs[:3] and ours[-2:] == theirs[-2:]


@pytest.mark.parametrize("to", ["http://10.0.0.1:5985/wsman", "https://[fe80::1]:5986/wsman",
                                "http://" + "h" * 200 + ".corp.example:5985/wsman"])
@pytest.mark.parametrize("size", [153600, 512000, 4096 * 1024])
def test_the_payload_size_is_pypsrps(to: str, size: int) -> None:
    wsman = WSMan("10.0.0.1", ssl=False, auth="ntlm", username="u", password="p")  # noqa: S106 - never sent
    wsman.transport.endpoint = to
    ep = lean.Endpoint(to, "0" * 36, 20)
    assert lean.max_payload(size, len(to), "en-US", "en-US", 20) == wsman._calc_envelope_size(size)
    assert lean.fragment_size(size, ep) == wsman._calc_envelope_size(size) - (21 if size == 153600 else 0)


@pytest.mark.parametrize("text", ["plain", "a_x0041_b", "tab\there", "line\r\nnext", "emoji \U0001F600 end",
                                  "_X005F_ and _x", "\x00\x7f\x9f"])
def test_strings_are_encoded_and_read_back_as_pypsrp_does(text: str) -> None:
    from pypsrp.serializer import Serializer

    ours = lean.clixml_string(text)
    assert ours == Serializer()._serialize_string(text)
    assert lean.clixml_unstring(ours) == Serializer()._deserialize_string(ours) == text



@pytest.mark.parametrize("value", ["en-US", "a&b<c>d", 'say "hi"', "it's", "tab\tnew\nline\rcr"])
def test_text_and_attributes_are_escaped_as_elementtree_writes_them(value: str) -> None:
    import xml.etree.ElementTree as ET

    element = ET.Element("e", attrib={"a": value})
    element.text = value
    assert ET.tostring(element, encoding="unicode") == f"<e a={lean.quoteattr(value)}>{lean.escape(value)}</e>"
