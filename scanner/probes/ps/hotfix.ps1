# hotfix.ids: evidence only (Setup compares file versions). Its own WMI time budget: the provider behind
# Win32_QuickFixEngineering is slow on some hosts and must not hold the whole host.
try {
    $ids = @(Get-CimInstance -ClassName Win32_QuickFixEngineering -Property HotFixID -OperationTimeoutSec $ExCimTimeoutSec |
        ForEach-Object { [string]$_.HotFixID } |
        Where-Object { $_ })
    $ExFacts['hotfix.ids'] = Get-ExPresent $ids
} catch { $ExFacts['hotfix.ids'] = Get-ExUnreadable $_ }
