# os.*: from the registry rather than Win32_OperatingSystem (same answer, no WMI round trip).
$cv = 'SOFTWARE\Microsoft\Windows NT\CurrentVersion'
$ExFacts['os.caption'] = Get-ExRegFact $cv 'ProductName'
$ExFacts['os.current_build'] = Get-ExRegFact $cv 'CurrentBuild'
$ExFacts['os.ubr'] = Get-ExRegFact $cv 'UBR'
$ExFacts['os.system_root'] = Get-ExRegFact $cv 'SystemRoot'
$ExFacts['os.installation_type'] = Get-ExRegFact $cv 'InstallationType'
try {
    $ExFacts['ps.version'] = Get-ExPresent ([string]$PSVersionTable.PSVersion)
} catch { $ExFacts['ps.version'] = Get-ExUnreadable $_ }
