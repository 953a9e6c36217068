# policy.gpo_machine, policy.gpo_user: the PowerShell execution policy Group Policy sets (EnableScripts,
# ExecutionPolicy) for the machine, and for the account this scan runs as (its own HKCU), which is the
# account that would run Setup when the scan runs as the installer.
function Get-ExPowerShellPolicy($Base) {
    $key = $Base.OpenSubKey('SOFTWARE\Policies\Microsoft\Windows\PowerShell')
    if ($null -eq $key) { return $null }
    try {
        $policy = @{ enable_scripts = $null; execution_policy = $null }
        $raw = $key.GetValue('EnableScripts')
        if ($null -ne $raw) { $policy['enable_scripts'] = [int]$raw }
        $raw = $key.GetValue('ExecutionPolicy')
        if ($null -ne $raw) { $policy['execution_policy'] = [string]$raw }
        return $policy
    } finally { $key.Close() }
}
try {
    $ExGpo = Get-ExPowerShellPolicy (Get-ExHklm)
    if ($null -eq $ExGpo) { $ExFacts['policy.gpo_machine'] = Get-ExAbsent } else { $ExFacts['policy.gpo_machine'] = Get-ExPresent $ExGpo }
} catch { $ExFacts['policy.gpo_machine'] = Get-ExUnreadable $_ }
try {
    $ExAccount = [string]([Security.Principal.WindowsIdentity]::GetCurrent().Name)
    $ExFacts['policy.gpo_user'] = Get-ExPresent @{ account = $ExAccount; policy = (Get-ExPowerShellPolicy (Get-ExHkcu)) }
} catch { $ExFacts['policy.gpo_user'] = Get-ExUnreadable $_ }
