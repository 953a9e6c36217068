# reboot.pending: which sources say a restart is pending (an empty list: none). Any failed read makes the
# whole fact unreadable rather than a partial "no reboot pending".
try {
    $hklm = Get-ExHklm
    $sources = @()
    foreach ($pair in @(
            @('cbs_reboot_pending', 'SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending'),
            @('windows_update_reboot_required', 'SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired'))) {
        $k = $hklm.OpenSubKey($pair[1])
        if ($null -ne $k) { $sources += $pair[0]; $k.Close() }
    }
    $sm = $hklm.OpenSubKey('SYSTEM\CurrentControlSet\Control\Session Manager')
    if ($null -ne $sm) {
        try {
            $renames = $sm.GetValue('PendingFileRenameOperations')
            if ($null -ne $renames -and @($renames | Where-Object { $_ }).Count -gt 0) { $sources += 'pending_file_rename' }
        } finally { $sm.Close() }
    }
    $active = $hklm.OpenSubKey('SYSTEM\CurrentControlSet\Control\ComputerName\ActiveComputerName')
    $pending = $hklm.OpenSubKey('SYSTEM\CurrentControlSet\Control\ComputerName\ComputerName')
    if ($null -ne $active -and $null -ne $pending) {
        try {
            if ([string]$active.GetValue('ComputerName') -ne [string]$pending.GetValue('ComputerName')) { $sources += 'computer_rename' }
        } finally { $active.Close(); $pending.Close() }
    }
    $uev = $hklm.OpenSubKey('SOFTWARE\Microsoft\Updates\UpdateExeVolatile')
    if ($null -ne $uev) {
        try {
            $flags = $uev.GetValue('Flags')
            if ($null -ne $flags -and [int]$flags -ne 0) { $sources += 'update_exe_volatile' }
        } finally { $uev.Close() }
    }
    $ExFacts['reboot.pending'] = Get-ExPresent $sources
} catch { $ExFacts['reboot.pending'] = Get-ExUnreadable $_ }
