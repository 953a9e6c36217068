# The one object this script outputs: the result table as one compact JSON string (ConvertTo-Json, Windows
# PowerShell 3.0 and later), which the client decodes in one call instead of walking nested CLIXML.
# The deepest container sits 4 levels below the table (facts, an entry, its value, a table in a list);
# -Depth 8 leaves room, since ConvertTo-Json silently writes anything deeper as its type name.
ConvertTo-Json -InputObject @{ exready_collector = $ExCollectorVersion; schema = 2; facts = $ExFacts } -Depth 8 -Compress
