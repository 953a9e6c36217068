"""The simulator's evaluation of the collector's reads (scanner.simulator.reads) against a machine, and
the consistency of each hand-written part with its Python counterpart."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from standin_machine import (
    RegKey,
    RegValue,
    SimFile,
    dword,
    empty_machine,
    sz,
    tree,
    windows_2008r2_french_ps2,
    windows_2012r2,
)

from scanner.facts import parse_collector_output
from scanner.model.facts import FactStatus
from scanner.probes import COLLECTOR_VERSION, DIALECTS
from scanner.probes.collector import part_text
from scanner.probes.manifest import FEATURE_IDS_2008R2, FEATURES_2012, HAND_PARTS, all_facts
from scanner.probes.readonly import parse, text, walk
from scanner.simulator import reads
from scanner.simulator.profiles import PRESENT
from scanner.simulator.scripts import collector_answer

MACHINES = {"2012r2": windows_2012r2, "2008r2-fr-ps2": windows_2008r2_french_ps2, "empty": empty_machine}


@pytest.mark.parametrize("name", MACHINES)
def test_every_fact_is_answered_and_parses_back(name: str) -> None:
    facts = reads.collect_facts(MACHINES[name](), "ps2")
    assert list(facts) == list(all_facts())
    hf = parse_collector_output("H", [collector_answer(COLLECTOR_VERSION, facts)])
    for fact, value in facts.items():
        assert hf.facts[fact].status is FactStatus(value.status), (fact, hf.facts[fact])


def test_a_2008r2_french_host_is_judged_by_feature_ids_with_its_own_names() -> None:
    facts = reads.collect_facts(windows_2008r2_french_ps2(), "ps2")
    features = facts["windows.features"]
    assert features.status == PRESENT
    assert list(features.value) == [n for n, _ in FEATURE_IDS_2008R2]
    installed = {n for n, on in features.value.items() if on}
    # IDs 2, 148, 36, 35: whatever the localised Name says
    assert installed == {"Web-Server", "Web-Asp-Net", "NET-Framework", "Desktop-Experience"}
    assert None not in features.value.values()  # every 2008 R2 name exists there
    assert facts["netfx3.http_activation"].value is True
    assert facts["ps.clr_version"].value == "2.0.50727.5420"
    assert facts["computer.domain"].status == "absent"  # a blank Domain value


def test_a_2012r2_host_reads_the_component_cache() -> None:
    features = reads.collect_facts(windows_2012r2(), "ps3")["windows.features"].value
    assert list(features) == list(FEATURES_2012)
    assert features["RSAT-Clustering"] is True and features["Web-Server"] is False
    assert features["Web-Net-Ext45"] is None  # no such component on this machine


def test_values_as_powershell_reads_them() -> None:
    facts = reads.collect_facts(windows_2012r2(), "ps3")
    assert facts["services.start"].value["WinRM"] == 0  # a service key without Start
    assert facts["services.start"].value["RemoteRegistry"] == 3
    assert facts["iis.components"].value == {"W3SVC": 1, "ASPNET45": 1}  # DWORDs only
    assert facts["computer.ad_site"].value == "Default-First-Site-Name"  # blank SiteName falls through
    assert facts["reboot.pending"].value == []  # blank renames, names differing only in case
    assert facts["iis.app_pool_32bit"].value is True  # -eq 'true' ignores case
    assert facts["file.wmspdmoe_dll"].value["version"] == reads.NO_VERSION == "0.0.0.0"  # noqa: S104 - no version resource
    assert facts["file.discan_dll"].error == "Access to the path 'C:\\Windows\\System32\\discan.dll' is denied."
    assert facts["hotfix.ids"].value == ["KB2919355", "KB3000850"]
    assert facts["exchange.v14_setup"].value["exsetup_version"] == "14.3.123.4"
    assert facts["policy.gpo_user"].value == {
        "account": "CONTOSO\\setup", "policy": {"enable_scripts": None, "execution_policy": "Restricted"}}
    admins = facts["local.administrators"].value
    assert {a["sid"] for a in admins} == {"S-1-5-21-1-2-3-1108", "S-1-5-21-1-2-3-512"}


def test_registry_types_and_denied_keys() -> None:
    m = windows_2012r2()
    r = reads.Reader(m)
    key = RegKey({"D": RegValue("REG_DWORD", 0xFFFFFFFF), "E": RegValue("REG_EXPAND_SZ", "%USERNAME%\\x"),
                  "M": RegValue("REG_MULTI_SZ", ("a", "b")), "B": RegValue("REG_BINARY", b"\x01\x02")})
    assert r.value(key, "d") == -1  # an Int32, name case-insensitive
    assert r.value(key, "E") == "setup\\x"
    assert r.value(key, "M") == ["a", "b"]
    assert r.value(key, "B") == [1, 2]
    # the key itself refuses access (the .NET message); no Services key at all
    full = RegKey(denied=True)
    ndp = RegKey(subkeys={"v4": RegKey(subkeys={"Full": full})})
    hklm = RegKey(subkeys={"SOFTWARE": RegKey(subkeys={"Microsoft": RegKey(subkeys={
        "NET Framework Setup": RegKey(subkeys={"NDP": ndp})})})})
    facts = reads.collect_facts(replace(m, hklm=hklm), "ps2")
    assert facts["dotnet.release"].error == reads.REGISTRY_DENIED
    assert facts["services.start"].error == reads.NULL_METHOD_CALL


def test_the_ps3_script_stops_on_powershell_2() -> None:
    ps2_host = windows_2008r2_french_ps2()
    assert reads.script_failure(ps2_host, "ps3") == "ConvertTo-Json"
    assert reads.script_failure(ps2_host, "ps2") is None
    for dialect in DIALECTS:
        assert reads.script_failure(windows_2012r2(), dialect) is None
    with pytest.raises(ValueError, match="stops at ConvertTo-Json on PowerShell 2.0"):
        reads.collect_facts(ps2_host, "ps3")
    # the ps3 script does name what 2.0 lacks
    assert "[Microsoft.Win32.RegistryView]" in part_text("registry", "ps3")
    assert "ConvertTo-Json -InputObject" in part_text("footer", "ps3")


def test_both_dialects_answer_the_same_facts_on_a_modern_host() -> None:
    m = windows_2012r2()
    assert reads.collect_facts(m, "ps2") == reads.collect_facts(m, "ps3")


# ---- each hand-written part reads what its counterpart reads -------------------------------------------

_REG = re.compile(r"^(SOFTWARE|SYSTEM)\\", re.IGNORECASE)
_FILE = re.compile(r"\.(dll|exe|sys|config)$", re.IGNORECASE)
_WMI = re.compile(r"\bWin32_\w+")


def powershell_reads(script: str) -> set[tuple[str, str]]:
    """Registry paths, file names and WMI classes named in a part's PowerShell, read off its syntax tree
    (string literals and bare command arguments)."""
    out: set[tuple[str, str]] = set()
    for n in walk(parse(script).root_node):
        if n.type not in ("verbatim_string_characters", "expandable_string_literal", "generic_token"):
            continue
        value = text(n)
        if n.type != "generic_token":
            value = value[1:-1]
        if _REG.match(value):
            out.add(("reg", value))
        elif _FILE.search(value):
            out.add(("file", value.rsplit("\\", 1)[-1].casefold()))
        out.update(("wmi", c) for c in _WMI.findall(value))
    return out


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("part", HAND_PARTS, ids=lambda p: p.name)
def test_a_hand_written_part_and_its_counterpart_read_the_same_things(part: reads.Any, dialect: str) -> None:
    counterpart = reads.PARTS[part.name]
    seen: set[tuple[str, str]] = set()
    for make in MACHINES.values():
        r = reads.Reader(make())
        facts = {"os.system_root": reads.present("C:\\Windows")}
        answered = counterpart(r, facts)
        assert set(answered) == set(part.facts)
        seen |= r.log
    assert powershell_reads(part_text(part.name, dialect)) == seen


def test_the_extraction_sees_registry_paths_files_and_classes() -> None:
    found = powershell_reads(part_text("localadmins", "ps2") + part_text("exlocal", "ps3"))
    assert ("wmi", "Win32_GroupUser") in found and ("wmi", "Win32_Account") in found
    assert ("file", "exsetup.exe") in found
    assert ("reg", "SOFTWARE\\Microsoft\\ExchangeServer\\v14\\Setup") in found


def test_a_file_and_key_stand_in() -> None:
    # the stand-in finds keys and files case-insensitively, as Windows does
    m = windows_2012r2()
    assert m.reg("HKLM", "software\\MICROSOFT\\ucma\\{902F4F35-D5DC-4363-8671-D5EF0D26C21D}") is not None
    assert m.file("c:\\windows\\system32\\RPCHTTP.dll") == SimFile("6.3.9600.17415")
    assert tree({"A\\B": {"x": sz("1"), "y": dword(2)}}).subkeys["A"].subkeys["B"].values["y"] == dword(2)


def test_the_simulator_answers_a_ps3_script_on_powershell_2_with_windows_error() -> None:
    from scanner.probes import build_collector_script
    from scanner.simulator.scripts import collector_dialect, dialect_failure

    assert collector_dialect(build_collector_script("ps2")) == "ps2"
    assert collector_dialect(build_collector_script("ps3")) == "ps3"
    assert collector_dialect("# exready-collector 1.1.0\n") == "ps3"
    record = dialect_failure(windows_2008r2_french_ps2(), build_collector_script("ps3"))
    assert record is not None
    assert str(record.Exception.Message).startswith(
        "The term 'ConvertTo-Json' is not recognized as the name of a cmdlet")
    assert record.FullyQualifiedErrorId == "CommandNotFoundException"
    assert dialect_failure(windows_2008r2_french_ps2(), build_collector_script("ps2")) is None
    assert dialect_failure(windows_2012r2(), build_collector_script("ps3")) is None


def test_a_simulated_powershell_2_host_answers_only_the_ps2_collector() -> None:
    from pathlib import Path

    from scanner.probes import build_collector_script
    from scanner.simulator import load_site
    from scanner.simulator.scripts import PipelineRequest, answer

    site = load_site(Path(__file__).resolve().parents[2] / "scanner" / "samples" / "sites" / "demo.yaml")
    healthy = next(h for h in site.hosts if h.fault is None)
    host = replace(healthy, machine=replace(healthy.machine, ps_version="2.0"))
    refused = answer(host, PipelineRequest(build_collector_script("ps3")))
    assert refused.error is not None and refused.collector and refused.output == ()
    assert "'ConvertTo-Json' is not recognized" in str(refused.error.Exception.Message)
    answered = answer(host, PipelineRequest(build_collector_script("ps2")))
    assert answered.error is None
    hf = parse_collector_output(host.name, list(answered.output))
    assert hf.facts["computer.name"].value == host.name
    # the same host on PowerShell 4.0 answers both
    modern = replace(host, machine=replace(host.machine, ps_version="4.0"))
    assert answer(modern, PipelineRequest(build_collector_script("ps3"))).error is None


def test_a_2012_host_without_the_component_cache_is_unreadable_not_judged_by_2008r2_names() -> None:
    m = windows_2012r2()
    cache_parent = "SOFTWARE\\Microsoft\\ServerManager\\ServicingStorage"
    servicing = m.reg("HKLM", cache_parent)
    assert servicing is not None
    software = m.hklm.subkeys["SOFTWARE"]
    microsoft = software.subkeys["Microsoft"]
    without = replace(m, hklm=replace(m.hklm, subkeys={**m.hklm.subkeys, "SOFTWARE": replace(software, subkeys={
        **software.subkeys, "Microsoft": replace(microsoft, subkeys={
            k: v for k, v in microsoft.subkeys.items() if k != "ServerManager"})})}),
        wmi={**m.wmi, "Win32_ServerFeature": ({"ID": 2},)})
    features = reads.collect_facts(without, "ps3")["windows.features"]
    assert features.status == "unreadable" and "component cache" in str(features.error)
    assert "9200" in part_text("features", "ps2") and "9200" in part_text("features", "ps3")


def test_a_value_that_is_not_a_number_costs_its_fact_only() -> None:
    m = windows_2012r2()
    ntds = tree({"SYSTEM\\CurrentControlSet\\Services\\NTDS\\Parameters": {
        "Global Catalog Promotion Complete": sz("yes")}, "SYSTEM\\CurrentControlSet\\Services\\W3SVC": {
        "Start": sz("auto")}})
    facts = reads.collect_facts(replace(m, hklm=ntds), "ps2")
    assert facts["computer.gc_ready"].status == "unreadable"
    assert facts["services.start"].status == "unreadable"
    assert facts["computer.name"].status == PRESENT
    assert "try { $ExGc = Get-ExPresent ([int]$ExGc.value -eq 1) }" in part_text("site", "ps2")
