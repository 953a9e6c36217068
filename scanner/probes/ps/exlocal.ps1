# exchange.setup, exchange.legacy_roles, exchange.edge_adam_data_path, exchange.v14_setup: local Exchange
# state Setup reads besides the v15 role keys.
try {
    $ExSetup = (Get-ExHklm).OpenSubKey('SOFTWARE\Microsoft\ExchangeServer\v15\Setup')
    if ($null -eq $ExSetup) {
        $ExFacts['exchange.setup'] = Get-ExAbsent
    } else {
        try {
            $ExEntry = @{ newest_build = $null; services = $null; msi_install_path = $null }
            $ExRaw = $ExSetup.GetValue('NewestBuild')
            if ($null -ne $ExRaw) { $ExEntry['newest_build'] = [int]$ExRaw }
            $ExRaw = $ExSetup.GetValue('Services')
            if ($null -ne $ExRaw) { $ExEntry['services'] = [string]$ExRaw }
            $ExRaw = $ExSetup.GetValue('MsiInstallPath')
            if ($null -ne $ExRaw) { $ExEntry['msi_install_path'] = [string]$ExRaw }
            $ExFacts['exchange.setup'] = Get-ExPresent $ExEntry
        } finally { $ExSetup.Close() }
    }
} catch { $ExFacts['exchange.setup'] = Get-ExUnreadable $_ }
try {
    $ExLegacy = @()
    foreach ($ExPair in @(@('2010', 'SOFTWARE\Microsoft\ExchangeServer\v14'), @('2007', 'SOFTWARE\Microsoft\Exchange\v8.0'))) {
        $ExBase = (Get-ExHklm).OpenSubKey($ExPair[1])
        if ($null -eq $ExBase) { continue }
        try {
            foreach ($ExName in @('AdminTools', 'HubTransportRole', 'MailboxRole', 'UnifiedMessagingRole', 'ClientAccessRole', 'Hygiene')) {
                $ExRole = $ExBase.OpenSubKey($ExName)
                if ($null -eq $ExRole) { continue }
                try {
                    $ExUnpacked = $ExRole.GetValue('UnpackedVersion')
                    if ($null -ne $ExUnpacked) { $ExUnpacked = [string]$ExUnpacked }
                    $ExLegacy += , @{ product = $ExPair[0]; key = $ExName; unpacked_version = $ExUnpacked }
                } finally { $ExRole.Close() }
            }
        } finally { $ExBase.Close() }
    }
    $ExFacts['exchange.legacy_roles'] = Get-ExPresent $ExLegacy
} catch { $ExFacts['exchange.legacy_roles'] = Get-ExUnreadable $_ }
$ExAdam = Get-ExRegFact 'SOFTWARE\Microsoft\ExchangeServer\v15\EdgeTransportRole\AdamSettings\MsExchange' 'DataFilesPath'
if ($ExAdam.status -eq 'present') {
    try {
        $ExPath = [string]$ExAdam.value
        $ExAdam = Get-ExPresent @{ path = $ExPath; exists = [bool](Test-Path -LiteralPath $ExPath -PathType Container) }
    } catch { $ExAdam = Get-ExUnreadable $_ }
}
$ExFacts['exchange.edge_adam_data_path'] = $ExAdam
# exchange.v14_setup: an Exchange 2010 server's install path and the version of its ExSetup.exe (its own build).
try {
    $ExV14 = (Get-ExHklm).OpenSubKey('SOFTWARE\Microsoft\ExchangeServer\v14\Setup')
    if ($null -eq $ExV14) {
        $ExFacts['exchange.v14_setup'] = Get-ExAbsent
    } else {
        try {
            $ExEntry = @{ msi_install_path = $null; exsetup_version = $null }
            $ExRaw = $ExV14.GetValue('MsiInstallPath')
            if ($null -ne $ExRaw -and ([string]$ExRaw).Trim()) {
                $ExEntry['msi_install_path'] = [string]$ExRaw
                $ExExe = Get-ExFileFact (Join-Path ([string]$ExRaw) 'bin\ExSetup.exe')
                if ($ExExe.status -eq 'unreadable') { throw $ExExe.error }
                if ($ExExe.status -eq 'present') { $ExEntry['exsetup_version'] = $ExExe.value.version }
            }
            $ExFacts['exchange.v14_setup'] = Get-ExPresent $ExEntry
        } finally { $ExV14.Close() }
    }
} catch { $ExFacts['exchange.v14_setup'] = Get-ExUnreadable $_ }
