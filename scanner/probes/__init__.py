"""The read-only collector: one PowerShell script per host, composed from small parts."""

from scanner.probes.collector import (
    COLLECTOR_PARTS,
    COLLECTOR_VERSION,
    JSON_DEPTH,
    MAX_SCRIPT_BYTES,
    build_collector_script,
)
from scanner.probes.readonly import read_only_violations

__all__ = [
    "COLLECTOR_PARTS",
    "COLLECTOR_VERSION",
    "JSON_DEPTH",
    "MAX_SCRIPT_BYTES",
    "build_collector_script",
    "read_only_violations",
]
