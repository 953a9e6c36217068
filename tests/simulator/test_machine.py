"""The machine model: case-insensitive lookups as Windows does, fact overrides translated into machine
edits, and overrides a machine cannot have refused in one line."""

from __future__ import annotations

from typing import Any

import pytest
from tests_sim_support import PASSWORD, USER

from scanner.errors import SimulatorError
from scanner.simulator import build_site
from scanner.simulator.machine import RegValue, SimFile, edit_hive, key_tree, sz
from scanner.simulator.osbase import base_machine


def _site(*hosts: dict[str, Any], baseline: dict[str, Any] | None = None) -> Any:
    return build_site({
        "name": "m", "credentials": {"username": USER, "password": PASSWORD},
        "baseline": baseline or {},
        "hosts": [{"address": f"127.46.0.{i}", **h} for i, h in enumerate(hosts, 1)],
    })


def test_registry_and_files_are_looked_up_without_regard_to_case() -> None:
    m = base_machine("ws2012r2").freeze()
    key = m.reg("hklm", "software\\MICROSOFT\\windows nt\\CurrentVersion")
    assert key is not None and key.value("currentbuild") == RegValue("REG_SZ", "9600")
    assert m.file("c:\\windows\\SYSTEM32\\RPCHTTP.DLL") == SimFile("6.3.9600.16384")
    assert m.reg("HKLM", "SOFTWARE\\No\\Such\\Key") is None


def test_edit_hive_rebuilds_only_the_edited_path() -> None:
    hive = key_tree({"SOFTWARE\\A": {"x": sz("1")}, "SYSTEM\\B": {}})
    edited = edit_hive(hive, {"software\\a": {"X": sz("2")}, "SOFTWARE\\New": {"y": sz("3")}})
    assert edited.subkey("SOFTWARE").subkey("a").value("x") == sz("2")  # type: ignore[union-attr]
    assert edited.subkey("system") is hive.subkey("SYSTEM")  # untouched keys are shared


def test_fact_overrides_become_the_machine_edits_the_collector_reads() -> None:
    site = _site(
        {"name": "T1", "facts": {"ucma.version": "5.0.8308.0", "exchange.v15.roles": [
            {"key": "MailboxRole", "action": "Install", "watermark": "W", "unpacked_version": "15.0.1497.2",
             "configured_version": None}]}},
        {"name": "T2", "absent": ["ucma.version"], "unreadable": {"dotnet.release": "denied"}},
    )
    t1, t2 = site.host("T1").machine, site.host("T2").machine
    ucma = t1.reg("HKLM", "SOFTWARE\\Microsoft\\UCMA\\{902F4F35-D5DC-4363-8671-D5EF0D26C21D}")
    assert ucma is not None and ucma.value("Version") == sz("5.0.8308.0")
    role = t1.reg("HKLM", "SOFTWARE\\Microsoft\\ExchangeServer\\v15\\MailboxRole")
    assert role is not None and role.value("Watermark") == sz("W") and role.value("ConfiguredVersion") is None
    assert t2.reg("HKLM", "SOFTWARE\\Microsoft\\UCMA\\{902F4F35-D5DC-4363-8671-D5EF0D26C21D}") is None
    ndp = t2.reg("HKLM", "SOFTWARE\\Microsoft\\NET Framework Setup\\NDP\\v4\\Full")
    assert ndp is not None and ndp.denied
    facts = site.host("T2").facts  # read back as the collector reads them: Windows' own wording
    assert facts["dotnet.release"].status == "unreadable"
    assert facts["dotnet.release"].error == "Requested registry access is not allowed."
    assert facts["ucma.version"].status == "absent"


def test_machine_edits_and_updates() -> None:
    site = _site({"name": "E1", "os": "ws2008r2sp1", "machine": {
        "updates": ["KB2619234"], "features": {"Web-Server": True},
        "registry": {"SOFTWARE\\Microsoft\\UCMA\\{902F4F35-D5DC-4363-8671-D5EF0D26C21D}": {"Version": "5.0.8308.0"}},
    }})
    facts = site.host("E1").facts
    assert facts["file.rpchttp_dll"].value["version"] == "6.1.7601.21855"
    assert "KB2619234" in facts["hotfix.ids"].value
    assert facts["windows.features"].value["Web-Server"] is True
    assert facts["ucma.version"].value == "5.0.8308.0"


@pytest.mark.parametrize(("host", "message"), [
    ({"os": "ws2008r2sp1", "facts": {"windows.features": {"Web-Net-Ext45": True}}},
     r"^site: host BAD: windows\.features on Windows Server 2008 R2: Web-Net-Ext45 is not a Windows Server "
     r"2008 R2 feature"),
    ({"os": "ws2016", "facts": {"windows.features": {"Server-Gui-Mgmt-Infra": True}}},
     "Server-Gui-Mgmt-Infra is not a feature of Windows Server 2016 Standard"),
    ({"facts": {"reboot.pending": ["pending_file_rename", "cbs_reboot_pending"]}},  # the collector's order differs
     r"reboot\.pending: asked \['pending_file_rename', 'cbs_reboot_pending'\], the collector reads "
     r"\['cbs_reboot_pending', 'pending_file_rename'\]"),
    ({"facts": {"file.rpchttp_dll": {"path": "D:\\rpchttp.dll", "version": "1.0"}}},
     "the collector reads C:\\\\Windows\\\\System32\\\\rpchttp.dll, not D:"),
    ({"os": "Windows Server 2003"}, "neither an OS base machine"),
    ({"machine": {"surprise": 1}}, "machine: unknown key"),
])
def test_an_override_the_machine_cannot_have_is_refused_in_one_line(host: dict[str, Any], message: str) -> None:
    with pytest.raises(SimulatorError, match=message) as info:
        _site({"name": "BAD", **host})
    assert "\n" not in str(info.value)


def test_the_demo_2008r2_hosts_answer_2008r2_feature_names() -> None:
    from pathlib import Path

    from scanner.simulator import load_site

    site = load_site(Path(__file__).resolve().parents[2] / "scanner" / "samples" / "sites" / "demo.yaml")
    for h in site.hosts:
        features = h.facts["windows.features"]
        assert features.status == "present", h.name
        if h.machine.os_build < 9200:
            assert "Web-Net-Ext45" not in features.value and "NET-WCF-HTTP-Activation45" not in features.value
    by_os = {(h.machine.os_build, h.ps_version.split(".")[0], h.machine.server_core) for h in site.hosts}
    assert {(7601, "2", False), (7601, "4", False), (9200, "3", False), (9600, "4", False), (14393, "5", False),
            (17763, "5", False), (17763, "5", True), (20348, "5", False)} <= by_os
