"""Compose the collector script for one PowerShell dialect: a marker line, the header (helpers), the
registry helpers, the declared reads (generated from scanner.probes.manifest), the hand-written parts,
the footer that writes the answer.

Two dialects answer the same wire (one JSON string, schema 2) and the same facts:
- "ps3" (Windows PowerShell 3.0 to 5.1, CLR 4): CIM with its own time budget, RegistryKey.OpenBaseKey with
  the 64-bit RegistryView, ConvertTo-Json;
- "ps2" (Windows PowerShell 2.0, CLR 2.0): only what PowerShell 2.0 and .NET 2.0 provide: Get-WmiObject,
  [Microsoft.Win32.Registry]::LocalMachine, Get-Content without -Raw, a small JSON writer.

The parts are package data (scanner/probes/ps/*.ps1, ``<part>.ps2.ps1`` where PowerShell 2.0 needs other
code), read when the script is built, never at import.
"""

from __future__ import annotations

import importlib.resources
from functools import cache

from scanner.facts.keys import COLLECTOR_MARKER
from scanner.probes.manifest import (
    DECLARED_READS,
    FEATURE_IDS_2008R2,
    FEATURES_2012,
    HAND_PARTS,
    FileVersion,
    Read,
    RegDwordValues,
    RegKeyExists,
    RegValue,
    RegValueNameExists,
    ServiceStart,
    ServiceStatus,
    WmiInt,
    WmiStrings,
)

# Bumped whenever a part changes what it reports; saved facts carry it.
COLLECTOR_VERSION = "1.2.0"

DIALECTS: tuple[str, ...] = ("ps2", "ps3")

# footer.ps1's ConvertTo-Json -Depth. The deepest fact value's deepest container is 4 levels below the
# result table (facts, entry, value, a table in a list); deeper levels would silently become type names.
# (The ps2 writer has no depth limit.)
JSON_DEPTH = 8

# The hand-written parts, in the order they run (after the declared reads).
COLLECTOR_PARTS: tuple[str, ...] = tuple(p.name for p in HAND_PARTS)
# Parts around them that also have a ps2 variant.
_FRAME_PS2_VARIANTS = ("registry", "footer")

# A WS-Management envelope is capped at 512,000 bytes by default on WinRM 3.0 and later (MaxEnvelopeSizekb
# = 500) and at 153,600 bytes on WinRM 2.0 (150); the script is sent UTF-16 inside base64 inside XML, so
# stay far below both (tests/probes measure the ps2 envelope).
MAX_SCRIPT_BYTES = 128_000

_PS_PACKAGE = "scanner.probes.ps"


def dialect_for(ps_version: str | None) -> str:
    """The collector dialect for a host's PowerShell version ("2.0" -> "ps2"; unknown or newer -> "ps3")."""
    if ps_version is not None and ps_version.strip().split(".")[0] == "2":
        return "ps2"
    return "ps3"


def part_file(name: str, dialect: str) -> str:
    """The file a part is read from in this dialect."""
    if dialect == "ps2" and importlib.resources.files(_PS_PACKAGE).joinpath(f"{name}.ps2.ps1").is_file():
        return f"{name}.ps2.ps1"
    return f"{name}.ps1"


def part_text(name: str, dialect: str) -> str:
    path = importlib.resources.files(_PS_PACKAGE).joinpath(part_file(name, dialect))
    return path.read_text(encoding="utf-8").replace("\r\n", "\n").strip("\n") + "\n"


def _q(text: str) -> str:
    """A PowerShell single-quoted string literal."""
    return "'" + text.replace("'", "''") + "'"


def _names(names: tuple[str, ...]) -> str:
    return "@(" + ", ".join(_q(n) for n in names) + ")"


def _wmi_instances(wmi_class: str, prop: str, dialect: str) -> str:
    if dialect == "ps2":
        return f"Get-WmiObject -Class {wmi_class} -Property {prop}"
    return f"Get-CimInstance -ClassName {wmi_class} -Property {prop} -OperationTimeoutSec $ExCimTimeoutSec"


def read_code(read: Read, dialect: str) -> str:
    """The PowerShell that answers one declared read."""
    target = f"$ExFacts[{_q(read.fact)}]"
    match read:
        case RegValue(path=path, name=name, empty_is_absent=empty):
            return f"{target} = Get-ExRegFact {_q(path)} {_q(name)}{' $true' if empty else ''}\n"
        case RegKeyExists(path=path):
            return f"{target} = Get-ExRegKeyExists {_q(path)}\n"
        case RegValueNameExists(path=path, name=name):
            return f"{target} = Get-ExRegValueNameExists {_q(path)} {_q(name)}\n"
        case RegDwordValues(path=path):
            return f"{target} = Get-ExRegDwords {_q(path)}\n"
        case FileVersion(path=path):
            return f"{target} = Get-ExSysFileFact {_q(path)}\n"
        case ServiceStart(services=names):
            return f"{target} = Get-ExServiceStarts {_names(names)}\n"
        case ServiceStatus(services=names):
            return f"{target} = Get-ExServiceStates {_names(names)}\n"
        case WmiStrings(wmi_class=cls, prop=prop):
            return (
                f"try {{\n    {target} = Get-ExPresent @({_wmi_instances(cls, prop, dialect)} |\n"
                f"        ForEach-Object {{ [string]$_.{prop} }} | Where-Object {{ $_ }})\n"
                f"}} catch {{ {target} = Get-ExUnreadable $_ }}\n"
            )
        case WmiInt(wmi_class=cls, prop=prop):
            return (
                f"try {{\n    $ExWmi = @({_wmi_instances(cls, prop, dialect)})\n"
                f"    if ($ExWmi.Count -eq 0) {{ throw 'no {cls} instance' }}\n"
                f"    {target} = Get-ExPresent ([int]$ExWmi[0].{prop})\n"
                f"}} catch {{ {target} = Get-ExUnreadable $_ }}\n"
            )
    raise TypeError(f"no PowerShell for {read!r}")


def declared_reads_code(dialect: str) -> str:
    return "# Declared reads (scanner/probes/manifest.py).\n" + "".join(
        read_code(r, dialect) for r in DECLARED_READS
    )


def feature_tables_code() -> str:
    """The feature name lists the features part walks, from the manifest."""
    pairs = ", ".join(f"@({_q(name)}, {ident})" for name, ident in FEATURE_IDS_2008R2)
    return (
        "# windows.features name lists (scanner/probes/manifest.py).\n"
        f"$ExFeatureNames2012 = {_names(FEATURES_2012)}\n"
        f"$ExFeatureIds2008R2 = @({pairs})\n"
    )


@cache
def build_collector_script(dialect: str = "ps3") -> str:
    """The full collector script for ``dialect`` ("ps2" or "ps3"). Its first line is
    ``# exready-collector <COLLECTOR_VERSION> <dialect>``."""
    if dialect not in DIALECTS:
        raise ValueError(f"unknown collector dialect {dialect!r} (expected one of {', '.join(DIALECTS)})")
    pieces = [
        f"# {COLLECTOR_MARKER} {COLLECTOR_VERSION} {dialect}\n",
        f"$ExCollectorVersion = {_q(COLLECTOR_VERSION)}\n",
        part_text("header", dialect),
        part_text("registry", dialect),
        declared_reads_code(dialect),
        feature_tables_code(),
    ]
    pieces.extend(part_text(p, dialect) for p in COLLECTOR_PARTS)
    pieces.append(part_text("footer", dialect))
    script = "\n".join(pieces)
    size = len(script.encode("utf-8"))
    if size > MAX_SCRIPT_BYTES:
        raise RuntimeError(f"the collector script is {size} bytes, above the {MAX_SCRIPT_BYTES}-byte budget")
    return script
