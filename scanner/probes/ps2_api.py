"""What Windows PowerShell 2.0 on .NET 2.0 (CLR 2.0) provides, as far as the ps2 collector uses it: each
command (with its parameters), type, static member and operator beside the Microsoft documentation that says
it exists there. ps2_violations() checks a script against it on the real PowerShell grammar
(scanner.probes.readonly's syntax tree); anything not listed is refused, so a PowerShell 3.0 addition
(ConvertTo-Json, Get-CimInstance, Get-Content -Raw, -in, [ordered], RegistryView) fails the test.

Cmdlet pages: the Windows PowerShell 2.0 help ("Applies To: Windows PowerShell 2.0"). Type pages: the
.NET API reference, whose "Applies to" table lists .NET Framework 2.0 (RegistryView's starts at 4.0).
"""

from __future__ import annotations

from dataclasses import dataclass

from scanner.probes.readonly import inventory, resolve_type


@dataclass(frozen=True, slots=True)
class Api:
    name: str
    doc: str  # the learn.microsoft.com page that documents it for PowerShell 2.0 / .NET 2.0
    params: tuple[str, ...] = ()  # commands: the parameters used (common parameters: ErrorAction)


_PS2 = "https://learn.microsoft.com/en-us/previous-versions/"
_NET = "https://learn.microsoft.com/en-us/dotnet/api/"

COMMANDS: tuple[Api, ...] = (
    Api("Get-Item", _PS2 + "dd347553(v=technet.10)", ("LiteralPath", "Force")),
    Api("Get-Content", _PS2 + "dd347719(v=technet.10)", ("LiteralPath",)),  # no -Raw before 3.0
    Api("Test-Path", _PS2 + "dd315298(v=technet.10)", ("LiteralPath", "PathType")),
    Api("Join-Path", _PS2 + "dd347593(v=technet.10)"),
    Api("Get-Service", _PS2 + "dd347591(v=technet.10)", ("Name", "ErrorAction")),
    Api("Get-WmiObject", _PS2 + "dd315295(v=technet.10)", ("Class", "Property", "Filter", "Query")),
    Api("ForEach-Object", _PS2 + "dd347608(v=technet.10)"),  # -Process script block only in 2.0
    Api("Where-Object", _PS2 + "dd315399(v=technet.10)"),  # -FilterScript only in 2.0
)

# The full .NET name -> its page (type literals, casts, -is tests, catch clauses).
TYPES: tuple[Api, ...] = (
    Api("System.String", _NET + "system.string"),
    Api("System.Char", _NET + "system.char"),
    Api("System.Boolean", _NET + "system.boolean"),
    Api("System.Int32", _NET + "system.int32"),
    Api("System.Int64", _NET + "system.int64"),
    Api("System.Int16", _NET + "system.int16"),
    Api("System.UInt16", _NET + "system.uint16"),
    Api("System.UInt32", _NET + "system.uint32"),
    Api("System.UInt64", _NET + "system.uint64"),
    Api("System.Byte", _NET + "system.byte"),
    Api("System.SByte", _NET + "system.sbyte"),
    Api("System.Double", _NET + "system.double"),
    Api("System.Single", _NET + "system.single"),
    Api("System.Decimal", _NET + "system.decimal"),
    Api("System.Xml.XmlDocument", _NET + "system.xml.xmldocument"),
    Api("System.Collections.IDictionary", _NET + "system.collections.idictionary"),
    Api("System.Collections.IEnumerable", _NET + "system.collections.ienumerable"),
    Api("System.Management.Automation.ErrorRecord", _NET + "system.management.automation.errorrecord"),
    Api(
        "System.Management.Automation.ItemNotFoundException",
        _NET + "system.management.automation.itemnotfoundexception",
    ),
    Api("Microsoft.Win32.Registry", _NET + "microsoft.win32.registry"),
    Api("System.Security.Principal.WindowsIdentity", _NET + "system.security.principal.windowsidentity"),
)

# (type, member) read through [T]::M.
STATIC_MEMBERS: tuple[tuple[str, Api], ...] = (
    ("Microsoft.Win32.Registry", Api("LocalMachine", _NET + "microsoft.win32.registry.localmachine")),
    ("Microsoft.Win32.Registry", Api("CurrentUser", _NET + "microsoft.win32.registry.currentuser")),
    (
        "System.Security.Principal.WindowsIdentity",
        Api("GetCurrent", _NET + "system.security.principal.windowsidentity.getcurrent"),
    ),
)

# Operators beyond PowerShell 1.0's arithmetic and comparison set.
OPERATORS: tuple[Api, ...] = (
    Api("-join", "https://learn.microsoft.com/en-us/previous-versions/windows/powershell-scripting/hh847757(v=wps.620)"),
)
# Comparison, logical, format and type operators every Windows PowerShell has (about_Operators).
BASE_OPERATORS = frozenset(
    "-eq -ne -lt -gt -le -ge -is -isnot -contains -notcontains -like -notlike -and -or -not -f".split()
)

# Documented as newer than 2.0, named here so the refusal says why.
NEWER = {
    "convertto-json": "ConvertTo-Json is Windows PowerShell 3.0 "
    "(https://learn.microsoft.com/en-us/powershell/module/microsoft.powershell.utility/convertto-json)",
    "get-ciminstance": "Get-CimInstance is Windows PowerShell 3.0 (the CimCmdlets module)",
    "get-cimassociatedinstance": "Get-CimAssociatedInstance is Windows PowerShell 3.0 (the CimCmdlets module)",
    "microsoft.win32.registryview": "RegistryView is .NET Framework 4.0 (" + _NET + "microsoft.win32.registryview)",
    "ordered": "[ordered] is Windows PowerShell 3.0",
    "-in": "-in is Windows PowerShell 3.0",
    "-notin": "-notin is Windows PowerShell 3.0",
    "raw": "Get-Content -Raw is Windows PowerShell 3.0",
}


def ps2_violations(script: str) -> list[str]:
    """Everything in ``script`` that Windows PowerShell 2.0 / .NET 2.0 does not provide by the lists above,
    as "line N: what" (empty: clean). Functions the script defines count as provided."""
    inv = inventory(script)
    out = list(inv.problems)
    commands = {c.name.casefold(): c for c in COMMANDS}
    types = {t.name for t in TYPES}
    statics = {(t, m.name) for t, m in STATIC_MEMBERS}
    operators = BASE_OPERATORS | {o.name for o in OPERATORS}
    for u in inv.uses:
        key = u.name.casefold()
        why: str | None = None
        if u.what == "command" and key not in commands and key not in inv.functions:
            why = NEWER.get(key, f"command {u.name} is not on the PowerShell 2.0 list")
        elif u.what == "parameter":
            cmd = commands.get(u.extra.casefold())
            if cmd is not None and key not in {p.casefold() for p in cmd.params}:
                why = NEWER.get(key, f"parameter -{u.name} of {u.extra} is not on the PowerShell 2.0 list")
        elif u.what in ("type", "cast"):
            full = resolve_type(u.name)
            if full is None or full not in types:
                why = NEWER.get((full or u.name).casefold(), f"type [{u.name}] is not on the .NET 2.0 list")
        elif u.what == "static":
            full = resolve_type(u.extra) or u.extra
            if (full, u.name) not in statics:
                why = NEWER.get(full.casefold(), f"static member [{u.extra}]::{u.name} is not on the .NET 2.0 list")
        elif u.what == "operator" and key not in operators:
            why = NEWER.get(key, f"operator {u.name} is not on the PowerShell 2.0 list")
        if why:
            out.append(f"line {u.line}: {why}")
    return list(dict.fromkeys(out))
