from __future__ import annotations

import re

from scanner.facts.keys import CATALOG_FACTS, COLLECTOR_MARKER, ORG_FACTS, SEED_FACTS
from scanner.probes import COLLECTOR_PARTS, COLLECTOR_VERSION, MAX_SCRIPT_BYTES, build_collector_script

_ASSIGNED = re.compile(r"\$ExFacts\['([^']+)'\]\s*=")


def test_first_line_is_the_marker_with_the_version() -> None:
    first = build_collector_script().splitlines()[0]
    assert first == f"# {COLLECTOR_MARKER} {COLLECTOR_VERSION}"


def test_script_is_well_under_the_envelope_limit() -> None:
    size = len(build_collector_script().encode("utf-8"))
    assert size < MAX_SCRIPT_BYTES < 512_000


def test_every_seed_fact_is_collected_and_nothing_outside_the_contract() -> None:
    assigned = set(_ASSIGNED.findall(build_collector_script()))
    contract = {f.name for f in SEED_FACTS} | {f.name for f in CATALOG_FACTS}
    assert contract <= assigned, sorted(contract - assigned)
    host_contract = contract | {f.name for f in ORG_FACTS}
    assert assigned <= host_contract, sorted(assigned - host_contract)


def test_parts_run_in_declared_order_between_header_and_footer() -> None:
    script = build_collector_script()
    positions = [
        script.index(f"# {p}") if f"# {p}" in script else -1 for p in ("computer.*", "os.*", "file.*")
    ]
    assert positions == sorted(positions) and -1 not in positions
    assert script.index("function Get-ExRegFact") < positions[0]
    assert script.rstrip().endswith(
        "@{ exready_collector = $ExCollectorVersion; schema = 1; facts = $ExFacts }"
    )
    assert "os" in COLLECTOR_PARTS and COLLECTOR_PARTS.index("os") < COLLECTOR_PARTS.index("files")


def test_wmi_queries_have_their_own_timeout() -> None:
    script = build_collector_script()
    for line in script.splitlines():
        if "Get-CimInstance" in line:
            assert "-OperationTimeoutSec" in line, line
    assert "Get-WmiObject" not in script  # no timeout parameter on PowerShell 3.0


def test_file_versions_are_built_from_numeric_parts() -> None:
    script = build_collector_script()
    assert "FileMajorPart" in script and "FilePrivatePart" in script
    assert ".FileVersion" not in script  # the string form can carry a branch suffix


def test_script_is_ascii_with_lf_line_ends() -> None:
    script = build_collector_script()
    assert "\r" not in script
    assert script.isascii()
