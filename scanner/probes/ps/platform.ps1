# os.product_type, os.edition_id, os.current_type, computer.ad_site, computer.gc_ready: from the registry.
# computer.domain_role has no registry equivalent: Win32_ComputerSystem, with its own CIM time budget.
$ExCv = 'SOFTWARE\Microsoft\Windows NT\CurrentVersion'
$ExFacts['os.product_type'] = Get-ExRegFact 'SYSTEM\CurrentControlSet\Control\ProductOptions' 'ProductType'
$ExFacts['os.edition_id'] = Get-ExRegFact $ExCv 'EditionID'
$ExFacts['os.current_type'] = Get-ExRegFact $ExCv 'CurrentType'
# The site Netlogon found (DsGetSiteName's answer): a static SiteName wins over DynamicSiteName.
$ExNetlogon = 'SYSTEM\CurrentControlSet\Services\Netlogon\Parameters'
$ExSite = Get-ExRegFact $ExNetlogon 'SiteName'
if ($ExSite.status -eq 'absent' -or ($ExSite.status -eq 'present' -and -not ([string]$ExSite.value).Trim())) {
    $ExSite = Get-ExRegFact $ExNetlogon 'DynamicSiteName'
}
if ($ExSite.status -eq 'present' -and -not ([string]$ExSite.value).Trim()) { $ExSite = Get-ExAbsent }
$ExFacts['computer.ad_site'] = $ExSite
# Only domain controllers have NTDS\Parameters; 1 once global catalog promotion has finished.
$ExGc = Get-ExRegFact 'SYSTEM\CurrentControlSet\Services\NTDS\Parameters' 'Global Catalog Promotion Complete'
if ($ExGc.status -eq 'present') { $ExGc = Get-ExPresent ([int]$ExGc.value -eq 1) }
$ExFacts['computer.gc_ready'] = $ExGc
try {
    $ExCs = Get-CimInstance -ClassName Win32_ComputerSystem -Property DomainRole -OperationTimeoutSec $ExCimTimeoutSec
    $ExFacts['computer.domain_role'] = Get-ExPresent ([int]$ExCs.DomainRole)
} catch { $ExFacts['computer.domain_role'] = Get-ExUnreadable $_ }
