"""The ps2 dialect runs on Windows PowerShell 2.0 / .NET 2.0: checked on the real grammar against an
allow-list of what 2.0 provides (each entry with its Microsoft documentation), its envelope fits WinRM 2.0,
and its own JSON writer produces what the client decodes."""

from __future__ import annotations

import base64
import json
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from pypsrp.serializer import Serializer

from scanner.facts import parse_collector_output
from scanner.model.facts import FactStatus
from scanner.probes import build_collector_script
from scanner.probes.collector import part_text
from scanner.probes.ps2_api import COMMANDS, OPERATORS, STATIC_MEMBERS, TYPES, ps2_violations
from scanner.probes.readonly import inventory

DOC = re.compile(r"^https://learn\.microsoft\.com/en-us/\S+$")


def test_the_ps2_script_uses_only_what_powershell_2_and_dotnet_2_provide() -> None:
    assert ps2_violations(build_collector_script("ps2")) == []


def test_the_ps3_script_is_refused_for_what_2_0_lacks() -> None:
    problems = " ".join(ps2_violations(build_collector_script("ps3")))
    for newer in ("ConvertTo-Json is Windows PowerShell 3.0", "Get-CimInstance is Windows PowerShell 3.0",
                  "Get-CimAssociatedInstance", "RegistryView is .NET Framework 4.0", "Get-Content -Raw"):
        assert newer in problems


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        ("$x = ConvertTo-Json -InputObject @{ a = 1 }", "ConvertTo-Json is Windows PowerShell 3.0"),
        ("$x = Get-CimInstance -ClassName Win32_OperatingSystem", "Get-CimInstance is Windows PowerShell 3.0"),
        ("$v = [Microsoft.Win32.RegistryView]::Registry64", "RegistryView is .NET Framework 4.0"),
        ("$x = Get-Content -LiteralPath C:\\x -Raw", "Get-Content -Raw is Windows PowerShell 3.0"),
        ("$a = 1; $x = $a -in @(1, 2)", "-in is Windows PowerShell 3.0"),
        ("$a = 1; $x = $a -notin @(1, 2)", "-notin is Windows PowerShell 3.0"),
        ("$x = [ordered]@{ a = 1 }", "[ordered] is Windows PowerShell 3.0"),
        ("$x = Get-Service | ForEach-Object -MemberName Status", "parameter -MemberName"),
        ("$x = [System.Net.Http.HttpClient]", "type [System.Net.Http.HttpClient]"),
        ("$x = [System.IO.File]::ReadAllText('C:\\x')", "static member [System.IO.File]::ReadAllText"),
        ("$x = Get-ItemPropertyValue -Path HKLM:\\X -Name Y", "command Get-ItemPropertyValue"),
    ],
)
def test_powershell_3_and_later_things_are_refused(sample: str, expected: str) -> None:
    problems = ps2_violations(sample)
    assert any(expected in p for p in problems), problems


def test_every_allow_list_entry_names_its_documentation_and_is_used() -> None:
    entries = [*COMMANDS, *TYPES, *(m for _, m in STATIC_MEMBERS), *OPERATORS]
    for api in entries:
        assert DOC.match(api.doc), api
    inv = inventory(build_collector_script("ps2"))
    used = {(u.what, u.name.casefold()) for u in inv.uses}
    for cmd in COMMANDS:
        assert ("command", cmd.name.casefold()) in used, cmd.name
        for param in cmd.params:
            assert ("parameter", param.casefold()) in used, (cmd.name, param)
    for _, member in STATIC_MEMBERS:
        assert ("static", member.name.casefold()) in used, member.name


def test_the_ps2_script_fits_a_winrm_2_envelope() -> None:
    # WinRM 2.0's MaxEnvelopeSizekb is 150 (153,600 bytes). The script travels as a CLIXML string (its line
    # breaks escaped as _x000A_); measured as UTF-16 inside base64, the larger of the encodings, with 8 KB
    # for the envelope's headers and the rest of the CREATE_PIPELINE message.
    clixml = Serializer().serialize(build_collector_script("ps2"))
    body = ET.tostring(clixml, encoding="unicode")
    on_the_wire = len(base64.b64encode(body.encode("utf-16-le"))) + 8 * 1024
    assert on_the_wire < 150 * 1024, on_the_wire


# ---- the ps2 JSON writer ---------------------------------------------------------------------------


def writer_model(value: Any) -> str:
    """ConvertTo-ExJson (footer.ps2.ps1) in Python: the same branches in the same order."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + "".join(_char(c) for c in value) + '"'
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dict):
        return "{" + ",".join(writer_model(str(k)) + ":" + writer_model(v) for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(writer_model(v) for v in value) + "]"
    raise TypeError(type(value).__name__)


def _char(c: str) -> str:
    n = ord(c)
    if n == 34:
        return '\\"'
    if n == 92:
        return "\\\\"
    if n < 32:
        return f"\\u{n:04x}"
    return c


def test_the_model_follows_the_writer_code() -> None:
    code = part_text("footer", "ps2")
    # the escaping branches the model mirrors, in order
    assert "if ($n -eq 34) { '\\\"' }" in code
    assert "elseif ($n -eq 92) { '\\\\' }" in code
    assert "elseif ($n -lt 32) { '\\u{0:x4}' -f $n }" in code
    assert "else { [string]$c }" in code
    # a one-element list stays a list: the writer is called on it, not on what the pipeline unrolls
    assert "$items += , (ConvertTo-ExJson $item)" in code


# Values and the exact text the writer emits for them (worked out from footer.ps2.ps1 by hand).
GOLDEN: list[tuple[Any, str]] = [
    ('say "hi"', r'"say \"hi\""'),
    ("C:\\Program Files\\Microsoft\\Exchange Server\\V14\\", r'"C:\\Program Files\\Microsoft\\Exchange Server\\V14\\"'),
    ("a\tb\nc\r\x00\x1f\x7f", r'"a\u0009b\u000ac\u000d\u0000\u001f' + "\x7f" + '"'),
    ("Fonctionnalités .NET 3.5.1 — Serveur Web (IIS) ✓ 𝄞", '"Fonctionnalités .NET 3.5.1 — Serveur Web (IIS) ✓ 𝄞"'),
    ("", '""'),
    ("'quoted' <xml> & {braces}", "\"'quoted' <xml> & {braces}\""),
    ([], "[]"),
    (["KB2919355"], '["KB2919355"]'),
    ([None, True, False, 0, -1, 528049, 2.5], "[null,true,false,0,-1,528049,2.5]"),
    ({"a": {"b": [{"c": None, "d": []}]}}, '{"a":{"b":[{"c":null,"d":[]}]}}'),
    ({"Web-Server": True, "WinRM-IIS-Ext": None}, '{"Web-Server":true,"WinRM-IIS-Ext":null}'),
    ({'k"\\': "v"}, r'{"k\"\\":"v"}'),
]


@pytest.mark.parametrize(("value", "text"), GOLDEN)
def test_the_writer_text_is_json_the_client_reads_back(value: Any, text: str) -> None:
    assert writer_model(value) == text
    assert json.loads(text) == value


def test_a_whole_ps2_answer_parses_to_its_facts() -> None:
    facts = {
        "computer.name": {"status": "present", "value": "EX10"},
        "hotfix.ids": {"status": "present", "value": ["KB976932"]},
        "reboot.pending": {"status": "present", "value": []},
        "exchange.v15.roles": {"status": "present", "value": [
            {"key": "Setup", "action": None, "watermark": None, "unpacked_version": None,
             "configured_version": None}]},
        "os.caption": {"status": "present", "value": "Windows Server® 2008 R2 Entreprise"},
        "ucma.version": {"status": "unreadable", "error": "L'accès au Registre demandé n'est pas autorisé.\r\n"},
        "os.ubr": {"status": "absent"},
        "windows.features": {"status": "present", "value": {"Web-Server": True, "NET-HTTP-Activation": False}},
    }
    text = writer_model({"exready_collector": "1.2.0", "schema": 2, "facts": facts})
    hf = parse_collector_output("EX10", [text])
    assert hf.collector_version == "1.2.0"
    assert hf.facts["hotfix.ids"].value == ["KB976932"]  # one element, still a list
    assert hf.facts["reboot.pending"].value == []
    assert hf.facts["exchange.v15.roles"].value[0]["key"] == "Setup"
    assert hf.facts["os.caption"].value == "Windows Server® 2008 R2 Entreprise"
    assert hf.facts["ucma.version"].status is FactStatus.UNREADABLE
    assert hf.facts["ucma.version"].error == "L'accès au Registre demandé n'est pas autorisé."
    assert hf.facts["os.ubr"].status is FactStatus.ABSENT
    assert hf.facts["windows.features"].value == {"Web-Server": True, "NET-HTTP-Activation": False}
