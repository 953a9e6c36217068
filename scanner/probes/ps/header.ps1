# Read-only by design: this script reads the registry, file version resources, WMI and the service control
# manager, and changes nothing. It returns exactly one string: the result table as JSON. Fact values are
# plain strings, numbers, booleans, arrays and hashtables only: a DateTime, a [version] or an enum would not
# be written as plain data, so such values are cast to [string] (or [int]) where they are read.
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

# One registry value as a fact: absent when the key or the value is not there (or, with $EmptyIsAbsent, a
# blank string), unreadable on any error.
function Get-ExRegFact([string]$Path, [string]$Name, [bool]$EmptyIsAbsent = $false) {
    try {
        $key = (Get-ExHklm).OpenSubKey($Path)
        if ($null -eq $key) { return Get-ExAbsent }
        try {
            $value = $key.GetValue($Name)
            if ($null -eq $value) { return Get-ExAbsent }
            if ($EmptyIsAbsent -and -not ([string]$value).Trim()) { return Get-ExAbsent }
            return Get-ExPresent $value
        } finally { $key.Close() }
    } catch { return Get-ExUnreadable $_ }
}

# bool: the key exists.
function Get-ExRegKeyExists([string]$Path) {
    try {
        $key = (Get-ExHklm).OpenSubKey($Path)
        if ($null -eq $key) { return Get-ExPresent $false }
        $key.Close()
        return Get-ExPresent $true
    } catch { return Get-ExUnreadable $_ }
}

# bool: the key has a value of that name (false when the key is missing).
function Get-ExRegValueNameExists([string]$Path, [string]$Name) {
    try {
        $key = (Get-ExHklm).OpenSubKey($Path)
        if ($null -eq $key) { return Get-ExPresent $false }
        try { return Get-ExPresent (@($key.GetValueNames()) -contains $Name) } finally { $key.Close() }
    } catch { return Get-ExUnreadable $_ }
}

# {name: int}: every DWORD value of the key (absent: no such key).
function Get-ExRegDwords([string]$Path) {
    try {
        $key = (Get-ExHklm).OpenSubKey($Path)
        if ($null -eq $key) { return Get-ExAbsent }
        try {
            $values = @{}
            foreach ($name in $key.GetValueNames()) {
                $value = $key.GetValue($name)
                if ($value -is [int]) { $values[$name] = $value }
            }
            return Get-ExPresent $values
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

# A file under SystemRoot (read first, as os.system_root).
function Get-ExSysFileFact([string]$Relative) {
    $root = $ExFacts['os.system_root']
    if ($root.status -ne 'present') {
        return Get-ExUnreadable ('SystemRoot unknown: ' + [string]$root.status + ' ' + [string]$root.error)
    }
    return Get-ExFileFact (Join-Path ([string]$root.value) $Relative)
}

# {service: int|None}: each service's Start value (None: no such service; no Start value reads as 0, as
# Setup reads it).
function Get-ExServiceStarts($Names) {
    try {
        $starts = @{}
        $services = (Get-ExHklm).OpenSubKey('SYSTEM\CurrentControlSet\Services')
        try {
            foreach ($name in $Names) {
                $svc = $services.OpenSubKey($name)
                if ($null -eq $svc) { $starts[$name] = $null; continue }
                try {
                    $start = $svc.GetValue('Start')
                    if ($null -eq $start) { $starts[$name] = 0 } else { $starts[$name] = [int]$start }
                } finally { $svc.Close() }
            }
        } finally { $services.Close() }
        return Get-ExPresent $starts
    } catch { return Get-ExUnreadable $_ }
}

# {service: str|None}: the state from the service control manager (not WMI).
function Get-ExServiceStates($Names) {
    try {
        $states = @{}
        foreach ($name in $Names) {
            try {
                $states[$name] = [string](Get-Service -Name $name -ErrorAction Stop).Status
            } catch {
                # "no such service" is an answer; any other failure (access denied) makes the fact unreadable
                if ($_.CategoryInfo.Category -ne 'ObjectNotFound') { throw }
                $states[$name] = $null
            }
        }
        return Get-ExPresent $states
    } catch { return Get-ExUnreadable $_ }
}
