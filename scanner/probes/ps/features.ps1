# windows.features, {name: bool|None} (None: no such feature on this Windows). Windows Server 2012 and later:
# Server Manager's component cache (what Get-WindowsFeature itself reads), InstallState 1 = installed; a
# registry read, so no Server Manager start-up time and no provider that can hang. Windows Server 2008 R2
# (build 7601) keeps no cache: WMI's Win32_ServerFeature lists the installed features by language-neutral
# ID, mapped to the 2008 R2 names ($ExFeatureIds2008R2, generated from the collector's manifest).
try {
    $ExFeatures = @{}
    $ExCache = (Get-ExHklm).OpenSubKey('SOFTWARE\Microsoft\ServerManager\ServicingStorage\ServerComponentCache')
    if ($null -ne $ExCache) {
        try {
            foreach ($ExName in $ExFeatureNames2012) {
                $ExFeature = $ExCache.OpenSubKey($ExName)
                if ($null -eq $ExFeature) { $ExFeatures[$ExName] = $null; continue }
                try {
                    $ExState = $ExFeature.GetValue('InstallState')
                    $ExFeatures[$ExName] = ($null -ne $ExState -and [int]$ExState -eq 1)
                } finally { $ExFeature.Close() }
            }
        } finally { $ExCache.Close() }
    } elseif ($ExFacts['os.current_build'].status -eq 'present' -and [int]$ExFacts['os.current_build'].value -ge 9200) {
        # Windows Server 2012 and later keep the cache; without it their names cannot be told
        throw 'no Server Manager component cache on this Windows Server 2012 or later host'
    } else {
        $ExInstalled = @{}
        foreach ($ExId in @(Get-CimInstance -ClassName Win32_ServerFeature -Property ID -OperationTimeoutSec $ExCimTimeoutSec |
                ForEach-Object { [int]$_.ID })) { $ExInstalled[$ExId] = $true }
        foreach ($ExPair in $ExFeatureIds2008R2) { $ExFeatures[$ExPair[0]] = $ExInstalled.ContainsKey($ExPair[1]) }
    }
    $ExFacts['windows.features'] = Get-ExPresent $ExFeatures
} catch { $ExFacts['windows.features'] = Get-ExUnreadable $_ }
