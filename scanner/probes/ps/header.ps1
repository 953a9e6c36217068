# Read-only by design: this script reads the registry, file version resources and WMI, and changes
# nothing. It runs on Windows PowerShell 3.0 and later and returns exactly one string: the result table
# as JSON. Fact values are plain strings, numbers, booleans, arrays and hashtables only: ConvertTo-Json
# writes a DateTime as "\/Date(ms)\/", a [version] as an object and an enum as a number, so such values
# are cast to [string] (or [int]) where they are read.
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$ExCimTimeoutSec = 15
$ExFacts = @{}

function Get-ExPresent($Value) { return @{ status = 'present'; value = $Value } }
function Get-ExAbsent { return @{ status = 'absent' } }
function Get-ExUnreadable($Err) {
    $text = [string]$Err
    if ($Err -is [System.Management.Automation.ErrorRecord]) { $text = [string]$Err.Exception.Message }
    if (-not $text) { $text = 'unknown error' }
    return @{ status = 'unreadable'; error = $text }
}

# HKLM, 64-bit view, opened read-only.
function Get-ExHklm {
    return [Microsoft.Win32.RegistryKey]::OpenBaseKey([Microsoft.Win32.RegistryHive]::LocalMachine, [Microsoft.Win32.RegistryView]::Registry64)
}

# One registry value as a fact: absent when the key or the value is not there, unreadable on any error.
function Get-ExRegFact([string]$Path, [string]$Name) {
    try {
        $key = (Get-ExHklm).OpenSubKey($Path)
        if ($null -eq $key) { return Get-ExAbsent }
        try {
            $value = $key.GetValue($Name)
            if ($null -eq $value) { return Get-ExAbsent }
            return Get-ExPresent $value
        } finally { $key.Close() }
    } catch { return Get-ExUnreadable $_ }
}

# A file's version resource as a fact {path, version}; version built from the numeric parts because the
# FileVersion string can carry a branch suffix.
function Get-ExFileFact([string]$Path) {
    try {
        $item = Get-Item -LiteralPath $Path -Force
    } catch [System.Management.Automation.ItemNotFoundException] {
        return Get-ExAbsent
    } catch { return Get-ExUnreadable $_ }
    try {
        $vi = $item.VersionInfo
        $version = '{0}.{1}.{2}.{3}' -f $vi.FileMajorPart, $vi.FileMinorPart, $vi.FileBuildPart, $vi.FilePrivatePart
        return Get-ExPresent @{ path = $Path; version = $version }
    } catch { return Get-ExUnreadable $_ }
}
