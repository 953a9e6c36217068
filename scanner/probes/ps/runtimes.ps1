# ucma.speech_assembly: the Microsoft.Speech 11.0 assembly UCMA 4.0 registers; wif.v35: the WIF 3.5 key.
$ExSpeech = 'Microsoft.Speech,version="11.0.0.0",culture="neutral",publicKeyToken="31BF3856AD364E35",processorArchitecture="MSIL"'
try {
    $ExAsm = (Get-ExHklm).OpenSubKey('SOFTWARE\Classes\Installer\Assemblies\Global')
    if ($null -eq $ExAsm) {
        $ExFacts['ucma.speech_assembly'] = Get-ExPresent $false
    } else {
        try { $ExFacts['ucma.speech_assembly'] = Get-ExPresent (@($ExAsm.GetValueNames()) -contains $ExSpeech) } finally { $ExAsm.Close() }
    }
} catch { $ExFacts['ucma.speech_assembly'] = Get-ExUnreadable $_ }
try {
    $ExWif = (Get-ExHklm).OpenSubKey('SOFTWARE\Microsoft\Windows Identity Foundation\Setup\v3.5')
    $ExFacts['wif.v35'] = Get-ExPresent ($null -ne $ExWif)
    if ($null -ne $ExWif) { $ExWif.Close() }
} catch { $ExFacts['wif.v35'] = Get-ExUnreadable $_ }
