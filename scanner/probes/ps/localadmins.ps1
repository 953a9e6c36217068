# local.administrators: members of BUILTIN\Administrators (S-1-5-32-544, matched by SID: the group's name is
# localised), for the installer-account rules. CIM with its own time budget.
try {
    $ExAdmins = @(Get-CimInstance -ClassName Win32_Group -Filter "LocalAccount=True AND SID='S-1-5-32-544'" -OperationTimeoutSec $ExCimTimeoutSec)
    if ($ExAdmins.Count -eq 0) { throw 'the local Administrators group (S-1-5-32-544) was not found' }
    $ExMembers = @(Get-CimAssociatedInstance -InputObject $ExAdmins[0] -Association Win32_GroupUser -ResultClassName Win32_Account -OperationTimeoutSec $ExCimTimeoutSec |
        ForEach-Object { @{ name = ([string]$_.Domain + '\' + [string]$_.Name); sid = [string]$_.SID } })
    $ExFacts['local.administrators'] = Get-ExPresent $ExMembers
} catch { $ExFacts['local.administrators'] = Get-ExUnreadable $_ }
