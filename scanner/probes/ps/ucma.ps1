# ucma.version: the UCMA 4.0 Core Runtime product key.
$ExFacts['ucma.version'] = Get-ExRegFact 'SOFTWARE\Microsoft\UCMA\{902F4F35-D5DC-4363-8671-D5EF0D26C21D}' 'Version'
