# policy.execution_policy: the machine-wide PowerShell execution policy set by Group Policy (scripts turned
# off by policy read as Restricted). The user scope lives in the installing account's profile.
$ExPolicyKey = 'SOFTWARE\Policies\Microsoft\Windows\PowerShell'
$ExPolicy = Get-ExRegFact $ExPolicyKey 'ExecutionPolicy'
if ($ExPolicy.status -eq 'absent') {
    $ExEnable = Get-ExRegFact $ExPolicyKey 'EnableScripts'
    if ($ExEnable.status -eq 'unreadable') { $ExPolicy = $ExEnable }
    elseif ($ExEnable.status -eq 'present' -and [int]$ExEnable.value -eq 0) { $ExPolicy = Get-ExPresent 'Restricted' }
}
$ExFacts['policy.execution_policy'] = $ExPolicy
