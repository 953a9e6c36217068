# dotnet.release: .NET Framework 4.x Release DWORD.
$ExFacts['dotnet.release'] = Get-ExRegFact 'SOFTWARE\Microsoft\NET Framework Setup\NDP\v4\Full' 'Release'
