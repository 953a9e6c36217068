# computer.*: the short name and the primary DNS domain (absent in a workgroup).
try {
    $ExFacts['computer.name'] = Get-ExPresent ([string]$env:COMPUTERNAME)
} catch { $ExFacts['computer.name'] = Get-ExUnreadable $_ }
$domain = Get-ExRegFact 'SYSTEM\CurrentControlSet\Services\Tcpip\Parameters' 'Domain'
if ($domain.status -eq 'present' -and -not ([string]$domain.value).Trim()) { $domain = Get-ExAbsent }
$ExFacts['computer.domain'] = $domain
