# The one object this script outputs: the result table as one compact JSON string. Windows PowerShell 2.0
# has no ConvertTo-Json, so a small writer: RFC 8259 text, strings escaped (quote, backslash, control
# characters as \u00XX), numbers as PowerShell writes them in the invariant culture, tables as objects and
# any other list as an array (a one-element list stays an array).
function ConvertTo-ExJsonString([string]$Text) {
    $chars = foreach ($c in $Text.ToCharArray()) {
        $n = [int]$c
        if ($n -eq 34) { '\"' }
        elseif ($n -eq 92) { '\\' }
        elseif ($n -lt 32) { '\u{0:x4}' -f $n }
        else { [string]$c }
    }
    return '"' + (@($chars) -join '') + '"'
}
function ConvertTo-ExJson($Value) {
    if ($null -eq $Value) { return 'null' }
    if ($Value -is [bool]) {
        if ($Value) { return 'true' }
        return 'false'
    }
    if ($Value -is [string] -or $Value -is [char]) { return ConvertTo-ExJsonString ([string]$Value) }
    if ($Value -is [int] -or $Value -is [long] -or $Value -is [uint32] -or $Value -is [uint64] -or
        $Value -is [int16] -or $Value -is [uint16] -or $Value -is [byte] -or $Value -is [sbyte] -or
        $Value -is [double] -or $Value -is [single] -or $Value -is [decimal]) {
        return [string]$Value
    }
    if ($Value -is [System.Collections.IDictionary]) {
        $members = @()
        # get_Keys(): .Keys would read a key named "Keys" (PowerShell looks keys up before properties)
        foreach ($key in $Value.get_Keys()) { $members += (ConvertTo-ExJsonString ([string]$key)) + ':' + (ConvertTo-ExJson $Value[$key]) }
        return '{' + ($members -join ',') + '}'
    }
    if ($Value -is [System.Collections.IEnumerable]) {
        $items = @()
        foreach ($item in $Value) { $items += , (ConvertTo-ExJson $item) }
        return '[' + ($items -join ',') + ']'
    }
    return ConvertTo-ExJsonString ([string]$Value)
}
ConvertTo-ExJson @{ exready_collector = $ExCollectorVersion; schema = 2; facts = $ExFacts }
