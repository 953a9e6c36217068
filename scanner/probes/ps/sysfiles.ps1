# file.*: more system files whose version Setup compares (runtimes and Windows updates), under SystemRoot.
$ExSysRoot = $ExFacts['os.system_root']
if ($ExSysRoot.status -eq 'present') {
    $ExSys32 = Join-Path ([string]$ExSysRoot.value) 'System32'
    $ExFacts['file.msvcr120_dll'] = Get-ExFileFact (Join-Path $ExSys32 'msvcr120.dll')
    $ExFacts['file.atl110_dll'] = Get-ExFileFact (Join-Path $ExSys32 'atl110.dll')
    $ExFacts['file.ucrtbase_dll'] = Get-ExFileFact (Join-Path $ExSys32 'ucrtbase.dll')
    $ExFacts['file.sspicli_dll'] = Get-ExFileFact (Join-Path $ExSys32 'sspicli.dll')
    $ExFacts['file.kernel32_dll'] = Get-ExFileFact (Join-Path $ExSys32 'kernel32.dll')
    $ExFacts['file.urefs_dll'] = Get-ExFileFact (Join-Path $ExSys32 'uReFS.dll')
    $ExFacts['file.refs_sys'] = Get-ExFileFact (Join-Path $ExSys32 'Drivers\refs.sys')
    $ExFacts['file.discan_dll'] = Get-ExFileFact (Join-Path $ExSys32 'discan.dll')
} else {
    $ExWhy = Get-ExUnreadable ('SystemRoot unknown: ' + [string]$ExSysRoot.status + ' ' + [string]$ExSysRoot.error)
    $ExFacts['file.msvcr120_dll'] = $ExWhy
    $ExFacts['file.atl110_dll'] = $ExWhy
    $ExFacts['file.ucrtbase_dll'] = $ExWhy
    $ExFacts['file.sspicli_dll'] = $ExWhy
    $ExFacts['file.kernel32_dll'] = $ExWhy
    $ExFacts['file.urefs_dll'] = $ExWhy
    $ExFacts['file.refs_sys'] = $ExWhy
    $ExFacts['file.discan_dll'] = $ExWhy
}
