"""Every state-changing PowerShell line of this corpus, put into the real collector script (both dialects),
is refused by the read-only guard on the line where it was put; the unmodified collector passes. The guard
decides by what it allows: each line is refused because something in it is not on an allow-list."""

from __future__ import annotations

import pytest

from scanner.probes import DIALECTS, build_collector_script
from scanner.probes.readonly import read_only_violations

# One line each; the comment says what it would change on the server.
STATE_CHANGING = [
    "Get-Service W3SVC | % Stop",  # stops IIS through ForEach-Object's member-name form
    "Get-Service W3SVC | ForEach-Object -MemberName Stop",
    "Get-Service W3SVC | ForEach-Object Stop",
    "$ExecutionContext.InvokeCommand | % InvokeScript 'Remove-Item C:\\x'",
    "$ExecutionContext.InvokeCommand.InvokeScript('Remove-Item C:\\x')",
    "$k = (Get-ExHklm).OpenSubKey('SOFTWARE\\X'); $k.'SetValue'('a', 1)",
    "$k = (Get-ExHklm).OpenSubKey('SOFTWARE\\X'); $k.\"DeleteValue\"('a')",
    "$w = [IO.StreamWriter]'C:\\path'",  # a conversion that constructs: opens the file for writing
    "Test-ComputerSecureChannel -Repair",
    "Stop-Service W3SVC",
    "Restart-Computer -Force",
    "Set-ItemProperty -Path HKLM:\\SOFTWARE\\X -Name Y -Value 1",
    "New-ItemProperty -Path HKLM:\\SOFTWARE\\X -Name Y -Value 1",
    "Remove-Item -LiteralPath C:\\x -Recurse",
    "reg.exe add HKLM\\SOFTWARE\\X /v Y /d 1 /f",
    "sc.exe config W3SVC start= disabled",
    "wmic service where \"name='W3SVC'\" call stopservice",
    "Invoke-CimMethod -ClassName Win32_Process -MethodName Create -Arguments @{ CommandLine = 'calc' }",
    "Invoke-WmiMethod -Class Win32_Process -Name Create -ArgumentList calc",
    "$svc = Get-Service W3SVC; $svc.Stop()",
    "(Get-WmiObject -Class Win32_Service -Filter \"Name='W3SVC'\").ChangeStartMode('Disabled')",
    "[IO.File]::WriteAllText('C:\\x', 'y')",
    "Get-Service | Out-File C:\\x.txt",
    "Set-Content -LiteralPath C:\\x -Value y",
    "Get-Service > C:\\x.txt",
    "Get-Service >> C:\\x.txt",
    "Get-Service *> C:\\x.txt",
    "Start-Process cmd.exe -ArgumentList '/c del C:\\x'",
    "[Diagnostics.Process]::Start('cmd.exe')",
    "Enable-PSRemoting -Force",
    "Set-ExecutionPolicy Unrestricted -Force",
    "netsh advfirewall set allprofiles state off",
    "Invoke-Expression 'Remove-Item C:\\x'",
    "iex 'Remove-Item C:\\x'",
    "& 'Remove-Item' C:\\x",
    "& { Remove-Item C:\\x }",
    ". { Remove-Item C:\\x }",
    "$sb = { Remove-Item C:\\x }; $sb.Invoke()",
    "[scriptblock]::Create('Remove-Item C:\\x').Invoke()",
    "Add-Type -TypeDefinition 'public class X { }'",
    "New-Object -ComObject WScript.Shell",
    "New-Object System.IO.StreamWriter 'C:\\x'",
    "Set-Variable -Name PSModulePath -Value '\\\\share\\m' -Scope Global",
    "[Activator]::CreateInstance([type]'System.IO.StreamWriter', 'C:\\x')",
    "[Reflection.Assembly]::LoadFrom('\\\\share\\x.dll')",
    "[System.Environment]::SetEnvironmentVariable('X', 'Y', 'Machine')",
    "$env:PSModulePath = '\\\\share\\modules'",  # the host process's environment
    "${C:\\Windows\\Temp\\x.txt} = 'written through the FileSystem provider'",
    "${function:Get-ExHklm} = 'Remove-Item C:\\x'",
    "(Get-ExHklm).CreateSubKey('SOFTWARE\\X')",
    "(Get-ExHklm).OpenSubKey('SOFTWARE\\X', $true).SetValue('a', 1)",
    "(Get-ExHklm).DeleteSubKeyTree('SOFTWARE\\X')",
    "$x = Get-Item -LiteralPath C:\\x; $x.Attributes = 'Hidden'",
    "$x = Get-Item -LiteralPath C:\\x; $x.psobject.Methods['Delete'].Invoke()",
    "Get-CimInstance -ClassName Win32_Service | Set-CimInstance -Property @{ StartMode = 'Disabled' }",
    "Get-Service | Export-Csv C:\\x.csv",
    "Get-Service | Tee-Object -FilePath C:\\x.txt",
    "shutdown /r /t 0",
    "cmd /c \"del C:\\x\"",
    "schtasks /create /tn x /tr calc /sc once /st 00:00",
    "Register-ScheduledTask -TaskName x -Action $null",
    "Rename-Computer -NewName X",
    "Microsoft.PowerShell.Management\\Remove-Item C:\\x",
    "Get-WmiObject -Class Win32_Process -Filter \"Name='x'\" -EnableAllPrivileges",
    "$x = Get-Item -LiteralPath C:\\x -OutVariable y",
]
_MARKER = "$ExFacts['ucma.version'] ="


def test_the_corpus_is_at_least_the_issue_s_31_lines() -> None:
    assert len(set(STATE_CHANGING)) == len(STATE_CHANGING) >= 31


@pytest.mark.parametrize("dialect", DIALECTS)
def test_the_unmodified_collector_passes(dialect: str) -> None:
    assert read_only_violations(build_collector_script(dialect)) == []


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("line", STATE_CHANGING)
def test_each_state_changing_line_in_the_real_collector_is_refused_where_it_is(line: str, dialect: str) -> None:
    script = build_collector_script(dialect)
    assert _MARKER in script
    before = script[: script.index(_MARKER)]
    line_number = before.count("\n") + 1
    tampered = before + line + "\n" + script[len(before):]
    problems = read_only_violations(tampered)
    assert any(p.startswith(f"line {line_number}:") for p in problems), (line, problems)


# Assignments that reach outside the script, which the guard let through while it took every assigned name
# for the script's own.
OUTSIDE_THE_SCRIPT = [
    ("$env:PATH = 'C:\\evil'", "assigning to $env:PATH"),
    ("$global:ErrorView = 'x'", "assigning to $global:ErrorView"),
    ("try { $ExecutionContext = 1 } catch { }; $x = $ExecutionContext", "assigning to $ExecutionContext"),
    ("try { $Host = 1 } catch { }; $x = $Host", "variable $Host"),
    ("foreach ($env:PATH in @('C:\\evil')) { }", "variable $env:PATH"),
    ("$k = Get-ExHklm; $k['x'] = 1", "assigning to an element of $k"),
    ("$t = @{}; $t = Get-ExHklm; $t['x'] = 1", "assigning to an element of $t"),
    ("$p = @{ Name = 'W3SVC'; ComputerName = 'other' }; $x = Get-Service @p", "variable @p"),  # splatting
    ("#requires -Modules SomeModule\n$x = 1", "#requires -Modules SomeModule is a directive"),
]


@pytest.mark.parametrize(("sample", "expected"), OUTSIDE_THE_SCRIPT)
def test_assignments_outside_the_script_are_refused(sample: str, expected: str) -> None:
    script = "function Get-ExHklm { return [Microsoft.Win32.Registry]::LocalMachine }\n" + sample
    problems = read_only_violations(script)
    assert any(expected.casefold() in p.casefold() for p in problems), problems


@pytest.mark.parametrize("sample", [
    "$t = @{}; $t['x'] = 1",
    "$t = @{ a = 1 }; if ($true) { $t = @{} }; $t['b'] = 2",
    "[xml]$x = '<a/>'",
    "$ErrorActionPreference = 'Stop'",
    "$null = ConvertTo-Json -InputObject 1",
    "# a comment that requires nothing\n$x = 1",
])
def test_the_script_s_own_variables_and_tables_stay_allowed(sample: str) -> None:
    assert read_only_violations(sample) == []
