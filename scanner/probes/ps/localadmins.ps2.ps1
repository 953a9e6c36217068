# local.administrators: members of BUILTIN\Administrators (S-1-5-32-544, matched by SID: the group's name is
# localised), for the installer-account rules. WMI: the group, then its Win32_GroupUser associators (the
# group's own relative path names it, so no localised name is quoted by hand).
try {
    $ExAdmins = @(Get-WmiObject -Class Win32_Group -Filter "LocalAccount=True AND SID='S-1-5-32-544'")
    if ($ExAdmins.Count -eq 0) { throw 'the local Administrators group (S-1-5-32-544) was not found' }
    $ExQuery = 'ASSOCIATORS OF {' + [string]$ExAdmins[0].__RELPATH + '} WHERE AssocClass=Win32_GroupUser Role=GroupComponent ResultClass=Win32_Account'
    $ExMembers = @(Get-WmiObject -Query $ExQuery |
        ForEach-Object { @{ name = ([string]$_.Domain + '\' + [string]$_.Name); sid = [string]$_.SID } })
    $ExFacts['local.administrators'] = Get-ExPresent $ExMembers
} catch { $ExFacts['local.administrators'] = Get-ExUnreadable $_ }
