# services.start: the Start value of each service Setup looks at (null: no such service; a key without Start
# reads as 0, as Setup reads it). services.status: the state from the service control manager (not WMI).
$ExStartServices = @('W3SVC', 'WinRM', 'msiserver', 'SMTPSVC', 'ClusSvc', 'NetTcpPortSharing')
try {
    $ExStarts = @{}
    $ExServicesKey = (Get-ExHklm).OpenSubKey('SYSTEM\CurrentControlSet\Services')
    try {
        foreach ($ExName in $ExStartServices) {
            $ExSvc = $ExServicesKey.OpenSubKey($ExName)
            if ($null -eq $ExSvc) { $ExStarts[$ExName] = $null; continue }
            try {
                $ExStart = $ExSvc.GetValue('Start')
                if ($null -eq $ExStart) { $ExStarts[$ExName] = 0 } else { $ExStarts[$ExName] = [int]$ExStart }
            } finally { $ExSvc.Close() }
        }
    } finally { $ExServicesKey.Close() }
    $ExFacts['services.start'] = Get-ExPresent $ExStarts
} catch { $ExFacts['services.start'] = Get-ExUnreadable $_ }
try {
    $ExStates = @{}
    foreach ($ExName in @('EventSystem', 'MSDTC', 'MpsSvc')) {
        try {
            $ExStates[$ExName] = [string](Get-Service -Name $ExName -ErrorAction Stop).Status
        } catch {
            # "no such service" is an answer; any other failure (access denied) makes the fact unreadable
            if ($_.CategoryInfo.Category -ne 'ObjectNotFound') { throw }
            $ExStates[$ExName] = $null
        }
    }
    $ExFacts['services.status'] = Get-ExPresent $ExStates
} catch { $ExFacts['services.status'] = Get-ExUnreadable $_ }
