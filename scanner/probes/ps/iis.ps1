# iis.app_pool_32bit: applicationPoolDefaults in applicationHost.config, read as a file (no WebAdministration).
try {
    $ExSysRoot = $ExFacts['os.system_root']
    if ($ExSysRoot.status -ne 'present') { throw ('SystemRoot unknown: ' + [string]$ExSysRoot.status) }
    $ExConfig = Join-Path ([string]$ExSysRoot.value) 'System32\inetsrv\config\applicationHost.config'
    if (-not (Test-Path -LiteralPath $ExConfig -PathType Leaf)) {
        $ExFacts['iis.app_pool_32bit'] = Get-ExAbsent
    } else {
        [xml]$ExXml = Get-Content -LiteralPath $ExConfig -Raw
        $ExDefaults = $ExXml.configuration.'system.applicationHost'.applicationPools.applicationPoolDefaults
        $Ex32 = $false
        if ($null -ne $ExDefaults -and [string]$ExDefaults.enable32BitAppOnWin64 -eq 'true') { $Ex32 = $true }
        $ExFacts['iis.app_pool_32bit'] = Get-ExPresent $Ex32
    }
} catch { $ExFacts['iis.app_pool_32bit'] = Get-ExUnreadable $_ }
