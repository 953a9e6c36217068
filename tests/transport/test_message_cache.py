"""Work the same on every host is done once: the collector's CREATE_PIPELINE body and the envelope
payload size. Cached results must be byte for byte what pypsrp computes each time."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
from pypsrp.powershell import PowerShell, RunspacePool
from pypsrp.serializer import Serializer
from pypsrp.wsman import WSMan

from scanner.probes.collector import build_collector_script
from scanner.transport import serializer as fast
from scanner.transport.winrm import _CollectorPowerShell, _WSMan


def _pypsrp_bytes(message: Any) -> bytes:
    element = Serializer().serialize(message)
    assert element is not None
    data: bytes = ET.tostring(element, encoding="utf-8", method="xml")
    return data


def _pipelines(monkeypatch: pytest.MonkeyPatch, protocol: str, count: int, script: str | None = None) -> list[Any]:
    sent: list[Any] = []
    monkeypatch.setattr(PowerShell, "_invoke", lambda self, msg: sent.append(msg))
    for _ in range(count):
        wsman = WSMan("127.0.0.1", port=5985, username="u", password=None, ssl=False, auth="negotiate")
        pool = RunspacePool(wsman)
        fast.use_fast_serializer(pool)
        pool.protocol_version = protocol
        ps = _CollectorPowerShell(pool)
        ps.add_script(script if script is not None else build_collector_script())
        ps.begin_invoke()
    return sent


def test_the_collector_pipeline_is_serialised_once_to_pypsrp_s_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fast, "_bodies", {})
    first, second = _pipelines(monkeypatch, "2.3", 2)
    expected = _pypsrp_bytes(first)
    assert fast.FastSerializer().serialize(first) == expected
    assert len(fast._bodies) == 1
    assert fast.FastSerializer().serialize(second) == expected  # another pool, the same body
    assert len(fast._bodies) == 1


def test_another_protocol_version_is_another_body(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fast, "_bodies", {})
    (new,) = _pipelines(monkeypatch, "2.3", 1)
    (old,) = _pipelines(monkeypatch, "2.1", 1)  # PowerShell 2.0: no merge settings in the command
    new_body, old_body = fast.FastSerializer().serialize(new), fast.FastSerializer().serialize(old)
    assert old_body == _pypsrp_bytes(old)
    assert new_body != old_body and len(fast._bodies) == 2


def test_each_dialect_is_serialised_once_for_its_hosts(monkeypatch: pytest.MonkeyPatch) -> None:
    """PowerShell 2.0 hosts (protocol 2.1) get the ps2 collector, later ones the ps3: one body each,
    however many hosts of each kind."""
    from scanner.collect.session import collector_for
    from scanner.transport.winrm import RemoteVersions

    monkeypatch.setattr(fast, "_bodies", {})
    old = _pipelines(monkeypatch, "2.1", 3, collector_for(RemoteVersions("2.1", "2.0")))
    new = _pipelines(monkeypatch, "2.3", 3, collector_for(RemoteVersions("2.3", "5.1.14393.0")))
    for group in (old, new):
        expected = _pypsrp_bytes(group[0])
        assert all(fast.FastSerializer().serialize(m) == expected for m in group)
    assert len(fast._bodies) == 2


def test_a_message_without_a_key_is_pypsrp_s_own() -> None:
    assert isinstance(fast.FastSerializer().serialize("text"), ET.Element)


@pytest.mark.parametrize("server", ["127.0.0.1", "srv-long-name-0001.contoso.test", "::1"])
def test_the_payload_size_is_pypsrp_s(server: str) -> None:
    mine = _WSMan(server, port=5985, username="u", password=None, ssl=False, auth="negotiate")
    theirs = WSMan(server, port=5985, username="u", password=None, ssl=False, auth="negotiate")
    assert mine.max_payload_size == theirs.max_payload_size
    mine.update_max_payload_size(512000)
    theirs.update_max_payload_size(512000)
    assert mine.max_payload_size == theirs.max_payload_size


@pytest.mark.parametrize(("protocol", "ps"), [("2.1", "2.0"), ("2.2", "4.0"), ("2.3", "5.1.14393.0")])
def test_the_collector_fits_one_150_kb_envelope(monkeypatch: pytest.MonkeyPatch, protocol: str, ps: str) -> None:
    """The collector's CREATE_PIPELINE is one fragment of pypsrp's payload for a 150 KB envelope (WinRM
    2.0's MaxEnvelopeSizekb): the Command that carries it is within any Windows host's limit, even a
    later WinRM left at 150 KB, to which pypsrp would send envelopes of up to 500 KB."""
    from scanner.collect.session import collector_for
    from scanner.transport.winrm import RemoteVersions

    (message,) = _pipelines(monkeypatch, protocol, 1, collector_for(RemoteVersions(protocol, ps)))
    wsman = _WSMan("127.0.0.1", port=5985, username="u", password=None, ssl=False, auth="negotiate",
                   max_envelope_size=150 * 1024)
    pool = RunspacePool(wsman)
    fast.use_fast_serializer(pool)
    assert pool._fragmenter.max_size == wsman.max_payload_size - 21  # less its fragment header
    assert len(pool._fragmenter.fragment(message, str(pool.id), "00000000-0000-0000-0000-000000000001")) == 1
