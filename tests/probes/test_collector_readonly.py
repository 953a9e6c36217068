"""The collector script may only read. These tests fail on any write, service change or code that cannot
be checked, and prove the guard catches each kind of write (negative samples)."""

from __future__ import annotations

import importlib.resources

import pytest

from scanner.probes import COLLECTOR_PARTS, build_collector_script
from scanner.probes.readonly import read_only_violations


def test_collector_script_is_read_only() -> None:
    assert read_only_violations(build_collector_script()) == []


@pytest.mark.parametrize("part", ("header", *COLLECTOR_PARTS, "footer"))
def test_each_part_is_read_only(part: str) -> None:
    text = importlib.resources.files("scanner.probes.ps").joinpath(f"{part}.ps1").read_text(encoding="utf-8")
    assert text.strip(), f"{part}.ps1 is empty"
    # Parts use the header's helpers; define their names so they read as known functions.
    header = importlib.resources.files("scanner.probes.ps").joinpath("header.ps1").read_text(encoding="utf-8")
    assert read_only_violations(header + "\n" + text) == []


WRITES = [
    ("Set-ItemProperty -Path HKLM:\\SOFTWARE\\X -Name Y -Value 1", "verb Set"),
    ("New-ItemProperty -Path HKLM:\\SOFTWARE\\X -Name Y -Value 1", "verb New"),
    ("Remove-Item C:\\x.txt", "verb Remove"),
    ("Remove-ItemProperty -Path HKLM:\\SOFTWARE\\X -Name Watermark", "verb Remove"),
    ("Add-Content -Path C:\\x.txt -Value y", "verb Add"),
    ("Clear-Item x", "verb Clear"),
    ("Rename-Item a b", "verb Rename"),
    ("Move-Item a b", "verb Move"),
    ("Copy-Item a b", "verb Copy"),
    ("Start-Service w3svc", "verb Start"),
    ("Stop-Service w3svc", "verb Stop"),
    ("Restart-Service w3svc", "verb Restart"),
    ("Set-Service w3svc -StartupType Disabled", "verb Set"),
    ("Install-WindowsFeature Web-Server", "verb Install"),
    ("Uninstall-WindowsFeature Web-Server", "verb Uninstall"),
    ("Enable-PSRemoting", "verb Enable"),
    ("Disable-WindowsOptionalFeature -Online -FeatureName x", "verb Disable"),
    ("Invoke-WmiMethod -Class Win32_Process -Name Create -ArgumentList calc", "verb Invoke"),
    ("Invoke-CimMethod -ClassName Win32_Process -MethodName Create", "verb Invoke"),
    ("Invoke-Expression $code", "verb Invoke"),
    ("Invoke-Command -ScriptBlock { 1 }", "verb Invoke"),
    ("Start-Process cmd.exe", "verb Start"),
    ("Get-Process | Out-File C:\\x.txt", "verb Out"),
    ("Set-Content -Path C:\\x.txt -Value y", "verb Set"),
    ("Get-Process > C:\\x.txt", "redirection"),
    ("Get-Process >> C:\\x.txt", "redirection"),
    ("Get-Process 2> C:\\x.txt", "redirection"),
    ("reg add HKLM\\SOFTWARE\\X /v Y /d 1", "command reg"),
    ("reg.exe delete HKLM\\SOFTWARE\\X", "command reg"),
    ("sc.exe config w3svc start= disabled", "command sc"),
    ("iex $code", "command iex"),
    ("del C:\\x.txt", "command del"),
    ("$k = [Microsoft.Win32.Registry]::LocalMachine.OpenSubKey('SOFTWARE\\X', $true)", "OpenSubKey"),
    ("$k.SetValue('Watermark', 'x')", "SetValue"),
    ("$k.CreateSubKey('X')", "CreateSubKey"),
    ("$k.DeleteValue('Watermark')", "DeleteValue"),
    ("$k.DeleteSubKeyTree('X')", "DeleteSubKeyTree"),
    ("$wmi = [wmiclass]'Win32_Process'; $wmi.Create('calc.exe')", "Create"),
    (
        "$svc = Get-WmiObject Win32_Service; $svc.InvokeMethod('StopService', $null)",
        "InvokeMethod",
    ),
    ("$inst.Delete()", "Delete"),
    ("$s = Get-Service w3svc; $s.Stop()", "Stop"),
    ("(Get-Service w3svc).Start()", "Start"),
    ("[System.IO.File]::WriteAllText('C:\\x.txt', 'y')", "WriteAllText"),
    ("[System.IO.File]::AppendAllText('C:\\x.txt', 'y')", "AppendAllText"),
    ("[scriptblock]::Create('Remove-Item x').Invoke()", "Create"),
    ("$ExecutionContext.InvokeCommand.InvokeScript('x')", "InvokeScript"),
    ('$x = "$(Remove-Item C:\\x.txt)"', "subexpression"),
    ("& $command", "call operator"),
    (". C:\\other.ps1", "dot-sourcing"),
    ("function Set-Thing { 1 }", "verb Set"),
    ("if ($true) { Remove-Item x }", "verb Remove"),
    ("ConvertTo-Json -InputObject @{ a = 1 } | Out-File C:\\x.json", "verb Out"),
    ("ConvertTo-Json -InputObject @{ a = 1 } | Set-Content C:\\x.json", "verb Set"),
    ("ConvertTo-Json -InputObject @{ a = 1 } > C:\\x.json", "redirection"),
    ("$k.Flush()", "allow-list"),
]


@pytest.mark.parametrize(("sample", "expected"), WRITES)
def test_guard_refuses_each_kind_of_write(sample: str, expected: str) -> None:
    problems = read_only_violations(sample)
    assert problems, f"the guard let through: {sample}"
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize(("sample", "expected"), WRITES)
def test_guard_refuses_a_write_hidden_in_the_real_script(sample: str, expected: str) -> None:
    script = build_collector_script()
    marker = "$ExFacts['ucma.version'] ="
    assert marker in script
    tampered = script.replace(marker, sample + "\n" + marker, 1)
    problems = read_only_violations(tampered)
    assert any(expected in p for p in problems), problems


PS3 = [
    ("$x = $a?.b", "?."),
    ("$x = $a ?? 1", "??"),
    ("$x = $a ? 1 : 2", "'?'"),
    ("$sb = [System.Text.StringBuilder]::new()", "::new()"),
    ("$x = $list.Where({ $_ })", ".Where()"),
    ("$x = $list.ForEach({ $_ })", ".ForEach()"),
    ("$x = $json | ConvertFrom-Json -AsHashtable", "AsHashtable"),
    ("$x = $json | ConvertFrom-Json", "ConvertFrom-Json"),
    ("class Foo { }", "class"),
    ("using namespace System.IO", "using"),
]


@pytest.mark.parametrize(("sample", "expected"), PS3)
def test_guard_refuses_syntax_newer_than_powershell_3(sample: str, expected: str) -> None:
    problems = read_only_violations(sample)
    assert any(expected in p for p in problems), problems


READS = [
    "$v = Get-ItemProperty -Path 'HKLM:\\SOFTWARE\\X' -Name Y",
    "$k = [Microsoft.Win32.Registry]::LocalMachine.OpenSubKey('SOFTWARE\\X'); $k.GetValue('Y'); $k.Close()",
    "Get-CimInstance -ClassName Win32_OperatingSystem -OperationTimeoutSec 5 | Select-Object Caption",
    "$x = @{ status = 'present'; value = 1 }",
    "if (-not (Test-Path -LiteralPath 'C:\\x')) { $y = 1 } else { $y = 2 }",
    "foreach ($n in $list) { $n.ToString() | Out-Null }",
    "# Remove-Item in a comment is fine\n$x = 'Remove-Item in a string is fine'",
    "<# Set-Content in a block comment #>\n$x = 1",
    '$x = "double-quoted $name is fine"',
    "$x = '{0}.{1}' -f $a, $b",
    "ConvertTo-Json -InputObject @{ exready_collector = $v; schema = 2; facts = $ExFacts } -Depth 8 -Compress",
    "@{ a = 1 } | ConvertTo-Json -Compress",
]


@pytest.mark.parametrize("sample", READS)
def test_guard_accepts_plain_reads(sample: str) -> None:
    assert read_only_violations(sample) == []
