# computer.ad_site: the site Netlogon found (DsGetSiteName's answer): a static SiteName wins over
# DynamicSiteName; blank reads as absent.
$ExNetlogon = 'SYSTEM\CurrentControlSet\Services\Netlogon\Parameters'
$ExSite = Get-ExRegFact $ExNetlogon 'SiteName' $true
if ($ExSite.status -eq 'absent') { $ExSite = Get-ExRegFact $ExNetlogon 'DynamicSiteName' $true }
$ExFacts['computer.ad_site'] = $ExSite
# computer.gc_ready: only domain controllers have NTDS\Parameters; 1 once global catalog promotion has finished.
$ExGc = Get-ExRegFact 'SYSTEM\CurrentControlSet\Services\NTDS\Parameters' 'Global Catalog Promotion Complete'
if ($ExGc.status -eq 'present') {
    try { $ExGc = Get-ExPresent ([int]$ExGc.value -eq 1) } catch { $ExGc = Get-ExUnreadable $_ }
}
$ExFacts['computer.gc_ready'] = $ExGc
