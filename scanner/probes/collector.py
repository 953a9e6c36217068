"""Compose the collector script: a marker line, the header (helpers), one part per fact family, the footer.

The parts are package data (scanner/probes/ps/*.ps1), read when the script is built, never at import.
The whole script goes to the host in one PSRP round trip and returns one string, the result table as
compact JSON, in the wire shape described in scanner/facts/keys.py.
"""

from __future__ import annotations

import importlib.resources
from functools import cache

from scanner.facts.keys import COLLECTOR_MARKER

# Bumped whenever a part changes what it reports; saved facts carry it.
COLLECTOR_VERSION = "1.1.0"

# footer.ps1's ConvertTo-Json -Depth. The deepest fact value's deepest container is 4 levels below the
# result table (facts, entry, value, a table in a list); deeper levels would silently become type names.
JSON_DEPTH = 8

# Fact families, in the order they run. os runs before files (files need SystemRoot).
COLLECTOR_PARTS: tuple[str, ...] = (
    "computer",
    "os",
    "files",
    "hotfix",
    "ucma",
    "exchange",
    "dotnet",
    "reboot",
    "platform",
    "sysfiles",
    "services",
    "iis",
    "runtimes",
    "policy",
    "exlocal",
    "features",
    "localadmins",
)

# A WS-Management envelope is capped at 512,000 bytes by default (MaxEnvelopeSizekb = 500); the script is
# sent UTF-16 inside base64 inside XML, so stay far below it.
MAX_SCRIPT_BYTES = 128_000

_PS_PACKAGE = "scanner.probes.ps"


def _part(name: str) -> str:
    text = importlib.resources.files(_PS_PACKAGE).joinpath(f"{name}.ps1").read_text(encoding="utf-8")
    return text.replace("\r\n", "\n").strip("\n") + "\n"


@cache
def build_collector_script() -> str:
    """The full collector script. Its first line is ``# exready-collector <COLLECTOR_VERSION>``."""
    pieces = [
        f"# {COLLECTOR_MARKER} {COLLECTOR_VERSION}\n",
        f"$ExCollectorVersion = '{COLLECTOR_VERSION}'\n",
        _part("header"),
    ]
    pieces.extend(_part(p) for p in COLLECTOR_PARTS)
    pieces.append(_part("footer"))
    script = "\n".join(pieces)
    size = len(script.encode("utf-8"))
    if size > MAX_SCRIPT_BYTES:
        raise RuntimeError(f"the collector script is {size} bytes, above the {MAX_SCRIPT_BYTES}-byte budget")
    return script
