"""The read-only collector: one PowerShell script per host, in the dialect of its PowerShell, generated from
the manifest of reads and a few hand-written parts."""

from scanner.probes.collector import (
    COLLECTOR_PARTS,
    COLLECTOR_VERSION,
    DIALECTS,
    JSON_DEPTH,
    MAX_SCRIPT_BYTES,
    build_collector_script,
    dialect_for,
)
from scanner.probes.readonly import read_only_violations

__all__ = [
    "COLLECTOR_PARTS",
    "COLLECTOR_VERSION",
    "DIALECTS",
    "JSON_DEPTH",
    "MAX_SCRIPT_BYTES",
    "build_collector_script",
    "dialect_for",
    "read_only_violations",
]
