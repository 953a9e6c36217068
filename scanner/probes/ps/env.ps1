# computer.name, ps.version, ps.clr_version: from the session itself (the versions cast to strings).
try {
    $ExFacts['computer.name'] = Get-ExPresent ([string]$env:COMPUTERNAME)
} catch { $ExFacts['computer.name'] = Get-ExUnreadable $_ }
try {
    $ExFacts['ps.version'] = Get-ExPresent ([string]$PSVersionTable.PSVersion)
} catch { $ExFacts['ps.version'] = Get-ExUnreadable $_ }
try {
    $ExFacts['ps.clr_version'] = Get-ExPresent ([string]$PSVersionTable.CLRVersion)
} catch { $ExFacts['ps.clr_version'] = Get-ExUnreadable $_ }
