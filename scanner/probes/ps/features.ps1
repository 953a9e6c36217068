# windows.features: Server Manager's component cache (what Get-WindowsFeature itself reads on Windows Server
# 2012 and later): InstallState 1 = installed. A registry read, so no Server Manager start-up time and no
# provider that can hang. null: the feature does not exist on this Windows version.
$ExFeatureNames = @('RSAT-Clustering', 'RSAT-Clustering-CmdInterface', 'RSAT-Clustering-Mgmt', 'RSAT-Clustering-PowerShell',
    'RPC-over-HTTP-proxy', 'Web-Net-Ext45', 'Web-Asp-Net45', 'Web-ISAPI-Ext', 'NET-WCF-HTTP-Activation45',
    'NET-Framework-45-Features', 'Server-Gui-Mgmt-Infra', 'WinRM-IIS-Ext')
try {
    $ExCache = (Get-ExHklm).OpenSubKey('SOFTWARE\Microsoft\ServerManager\ServicingStorage\ServerComponentCache')
    if ($null -eq $ExCache) { throw 'no Server Manager component cache on this host (Windows Server 2008 R2 keeps none)' }
    try {
        $ExFeatures = @{}
        foreach ($ExName in $ExFeatureNames) {
            $ExFeature = $ExCache.OpenSubKey($ExName)
            if ($null -eq $ExFeature) { $ExFeatures[$ExName] = $null; continue }
            try {
                $ExState = $ExFeature.GetValue('InstallState')
                $ExFeatures[$ExName] = ($null -ne $ExState -and [int]$ExState -eq 1)
            } finally { $ExFeature.Close() }
        }
        $ExFacts['windows.features'] = Get-ExPresent $ExFeatures
    } finally { $ExCache.Close() }
} catch { $ExFacts['windows.features'] = Get-ExUnreadable $_ }
