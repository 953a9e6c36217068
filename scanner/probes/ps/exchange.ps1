# exchange.v15.roles: every subkey of ExchangeServer\v15 with the values Setup reads.
try {
    $v15 = (Get-ExHklm).OpenSubKey('SOFTWARE\Microsoft\ExchangeServer\v15')
    if ($null -eq $v15) {
        $ExFacts['exchange.v15.roles'] = Get-ExAbsent
    } else {
        try {
            $roles = @()
            foreach ($name in $v15.GetSubKeyNames()) {
                $sub = $v15.OpenSubKey($name)
                if ($null -eq $sub) { continue }
                try {
                    $entry = @{ key = [string]$name }
                    foreach ($pair in @(@('action', 'Action'), @('watermark', 'Watermark'),
                            @('unpacked_version', 'UnpackedVersion'), @('configured_version', 'ConfiguredVersion'))) {
                        $raw = $sub.GetValue($pair[1])
                        if ($null -eq $raw) { $entry[$pair[0]] = $null } else { $entry[$pair[0]] = [string]$raw }
                    }
                    $roles += , $entry
                } finally { $sub.Close() }
            }
            $ExFacts['exchange.v15.roles'] = Get-ExPresent $roles
        } finally { $v15.Close() }
    }
} catch { $ExFacts['exchange.v15.roles'] = Get-ExUnreadable $_ }
