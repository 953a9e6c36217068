# file.*: version resources of the system files Setup compares (under SystemRoot\System32).
$root = $ExFacts['os.system_root']
if ($root.status -eq 'present') {
    $sys32 = Join-Path ([string]$root.value) 'System32'
    $ExFacts['file.rpchttp_dll'] = Get-ExFileFact (Join-Path $sys32 'rpchttp.dll')
    $ExFacts['file.rpcrt4_dll'] = Get-ExFileFact (Join-Path $sys32 'rpcrt4.dll')
} else {
    $why = Get-ExUnreadable ('SystemRoot unknown: ' + [string]$root.status + ' ' + [string]$root.error)
    $ExFacts['file.rpchttp_dll'] = $why
    $ExFacts['file.rpcrt4_dll'] = $why
}
