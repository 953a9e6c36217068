"""The collector script may only read. The guard parses it with the real PowerShell grammar
(tree-sitter-powershell) and accepts only what is on its allow-lists; these tests fail on any write,
service change or code that cannot be checked, in both dialects, and prove the guard refuses each kind of
write (negative samples), alone and hidden in the real script."""

from __future__ import annotations

import pytest

from scanner.probes import DIALECTS, build_collector_script
from scanner.probes.readonly import parse, read_only_violations, walk


@pytest.mark.parametrize("dialect", DIALECTS)
def test_collector_script_is_read_only(dialect: str) -> None:
    assert read_only_violations(build_collector_script(dialect)) == []


@pytest.mark.parametrize("dialect", DIALECTS)
def test_the_real_grammar_parses_the_whole_script_without_error_nodes(dialect: str) -> None:
    root = parse(build_collector_script(dialect)).root_node
    bad = [(n.type, n.start_point) for n in walk(root) if n.type == "ERROR" or n.is_missing]
    assert bad == []
    assert not root.has_error
    # and the tree is the script's, not an empty shell: every function and fact assignment is in it
    kinds = [n.type for n in walk(root)]
    assert kinds.count("function_statement") >= 14
    assert kinds.count("try_statement") >= 15


WRITES = [
    # the state-changing lines a lexer guard let through
    ("Get-Service W3SVC | % Stop", "command %"),
    ("Get-Service W3SVC | ForEach-Object Stop", "without a script block"),
    ("Get-Service W3SVC | foreach Stop", "command foreach"),
    ("$ExecutionContext.InvokeCommand | % InvokeScript 'Remove-Item x'", "variable $ExecutionContext"),
    ("$ExecutionContext.InvokeCommand.InvokeScript('x')", "InvokeScript"),
    ("$k = (Get-ExHklm).OpenSubKey('SOFTWARE\\X'); $k.'SetValue'('a', 1)", "written as a string"),
    ("$k = (Get-ExHklm).OpenSubKey('SOFTWARE\\X'); $k.\"DeleteValue\"('a')", "written as a string"),
    ("$m = 'SetValue'; $k = (Get-ExHklm).OpenSubKey('SOFTWARE\\X'); $k.$m('a', 1)", "member"),
    ("$w = [IO.StreamWriter]'C:\\path'", "type [IO.StreamWriter]"),
    ("$w = [System.IO.FileInfo]'C:\\path'", "type [System.IO.FileInfo]"),
    ("Test-ComputerSecureChannel -Repair", "command Test-ComputerSecureChannel"),
    ("Get-Item -LiteralPath C:\\x | Remove-Item", "command Remove-Item"),
    ("Get-WmiObject Win32_Service -Filter \"Name='W3SVC'\" | ForEach-Object { $_.StopService() }", "StopService"),
    ("$s = Get-Service W3SVC; $s.Stop()", "method Stop()"),
    ("(Get-Service w3svc).Start()", "method Start()"),
    ("$p = Get-Service W3SVC; $p.StartType = 'Disabled'", "assigning to a member"),
    ("$x = Get-Content -LiteralPath C:\\x -Stream evil", "parameter -Stream"),
    ("Get-Item -LiteralPath C:\\x -Credential $c", "parameter -Credential"),
    ("Get-WmiObject -Class Win32_Process -ComputerName other", "parameter -ComputerName"),
    ("$x = [scriptblock]::Create('Remove-Item x')", "type [scriptblock]"),
    ("$x = [Microsoft.Win32.Registry]::SetValue('HKEY_LOCAL_MACHINE\\X', 'a', 1)", "static member"),
    ("$x = [Microsoft.Win32.RegistryKey]::OpenRemoteBaseKey('LocalMachine', 'other')", "static member"),
    ("$x = [Microsoft.Win32.RegistryKey]'x'", "cast to [Microsoft.Win32.RegistryKey]"),
    ("$k = (Get-ExHklm).OpenSubKey('SOFTWARE\\X', $true)", "OpenSubKey() with 2 arguments"),
    ("$k = (Get-ExHklm).CreateSubKey('SOFTWARE\\X')", "CreateSubKey"),
    ("Set-ItemProperty -Path HKLM:\\SOFTWARE\\X -Name Y -Value 1", "command Set-ItemProperty"),
    ("New-ItemProperty -Path HKLM:\\SOFTWARE\\X -Name Y -Value 1", "command New-ItemProperty"),
    ("Remove-ItemProperty -Path HKLM:\\SOFTWARE\\X -Name Watermark", "command Remove-ItemProperty"),
    ("Stop-Service w3svc", "command Stop-Service"),
    ("Set-Service w3svc -StartupType Disabled", "command Set-Service"),
    ("Install-WindowsFeature Web-Server", "command Install-WindowsFeature"),
    ("Invoke-WmiMethod -Class Win32_Process -Name Create -ArgumentList calc", "command Invoke-WmiMethod"),
    ("Invoke-Expression 'x'", "command Invoke-Expression"),
    ("iex 'x'", "command iex"),
    ("reg add HKLM\\SOFTWARE\\X /v Y /d 1", "command reg"),
    ("sc.exe config w3svc start= disabled", "command sc.exe"),
    ("Get-Service > C:\\x.txt", "construct redirection"),
    ("Get-Service 2> C:\\x.txt", "construct redirection"),
    ("$c = 'x'; & $c", "call operator"),
    (". C:\\other.ps1", "call operator"),
    ('$x = "$(Remove-Item C:\\x.txt)"', "double-quoted string"),
    ('$n = 1; $x = "at $n"', "double-quoted string"),
    ("function Set-Thing { 1 }", "function set-thing does not use a reading verb"),
    ("function Get-Thing { Remove-Item x }", "command Remove-Item"),
    ("if ($true) { Clear-EventLog x }", "command Clear-EventLog"),
    ("while ($true) { 1 }", "construct while"),
    ("switch (1) { 1 { 2 } }", "construct switch"),
    ("trap { continue }", "construct trap"),
    ("ConvertTo-Json -InputObject @{ a = 1 } | Out-File C:\\x.json", "command Out-File"),
    ("$x = $Host.UI", "variable $Host"),
    ("$x = $function:foo", "variable $function:foo"),
    ("$x = (Get-ExHklm).OpenSubKey('SOFTWARE\\X'); $x.Flush()", "method Flush()"),
    ("$x = Get-ExHklm; $x.Handle", "property Handle"),
]


@pytest.mark.parametrize(("sample", "expected"), WRITES)
def test_guard_refuses_each_kind_of_write(sample: str, expected: str) -> None:
    problems = read_only_violations(sample)
    assert problems, f"the guard let through: {sample}"
    assert any(expected.casefold() in p.casefold() for p in problems), problems


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(("sample", "expected"), WRITES)
def test_guard_refuses_a_write_hidden_in_the_real_script(sample: str, expected: str, dialect: str) -> None:
    script = build_collector_script(dialect)
    marker = "$ExFacts['ucma.version'] ="
    assert marker in script
    tampered = script.replace(marker, sample + "\n" + marker, 1)
    problems = read_only_violations(tampered)
    assert any(expected.casefold() in p.casefold() for p in problems), problems


READS = [
    "$k = (Get-ExHklm).OpenSubKey('SOFTWARE\\X'); $v = $k.GetValue('Y'); $k.Close()",
    "$x = @(Get-CimInstance -ClassName Win32_OperatingSystem -Property Caption -OperationTimeoutSec 5)",
    "$x = @{ status = 'present'; value = 1 }",
    "if (-not (Test-Path -LiteralPath 'C:\\x')) { $y = 1 } else { $y = 2 }",
    "# Remove-Item in a comment is fine\n$x = 'Remove-Item in a string is fine'",
    "<# Set-Content in a block comment #>\n$x = 1",
    "$a = 1; $b = 2; $x = '{0}.{1}' -f $a, $b",
    "$x = \"LocalAccount=True AND SID='S-1-5-32-544'\"",
    "ConvertTo-Json -InputObject @{ exready_collector = 1; schema = 2 } -Depth 8 -Compress",
    "$l = @(1, 2); $x = @($l | ForEach-Object { [string]$_ } | Where-Object { $_ })",
]


@pytest.mark.parametrize("sample", READS)
def test_guard_accepts_plain_reads(sample: str) -> None:
    script = "function Get-ExHklm { return [Microsoft.Win32.Registry]::LocalMachine }\n" + sample
    assert read_only_violations(script) == []


NEWER_SYNTAX = [
    "$a = 1; $x = $a?.b",
    "$a = 1; $x = $a ?? 1",
    "$a = 1; $x = $a ? 1 : 2",
    "$sb = [System.Text.StringBuilder]::new()",
    "$l = @(1); $x = $l.Where({ $_ })",
    "$l = @(1); $x = $l.ForEach({ $_ })",
    "class Foo { }",
    "using namespace System.IO",
    "$j = '{}'; $x = $j | ConvertFrom-Json",
]


@pytest.mark.parametrize("sample", NEWER_SYNTAX)
def test_syntax_newer_than_powershell_3_is_refused(sample: str) -> None:
    # none of it is on the allow-lists (and Windows PowerShell 3.0 would not run it)
    assert read_only_violations(sample), sample
