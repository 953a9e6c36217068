from __future__ import annotations

import re

from scanner.facts import parse
from scanner.facts.keys import CATALOG_FACTS, COLLECTOR_MARKER, ORG_FACTS, SEED_FACTS
from scanner.probes import COLLECTOR_PARTS, COLLECTOR_VERSION, JSON_DEPTH, MAX_SCRIPT_BYTES, build_collector_script
from scanner.simulator import scripts as sim_scripts

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
    assert script.rstrip().endswith("facts = $ExFacts } -Depth 8 -Compress")
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


def test_the_script_outputs_one_json_string_of_the_wire_schema() -> None:
    last = build_collector_script().rstrip().splitlines()[-1]
    m = re.fullmatch(
        r"ConvertTo-Json -InputObject @\{ exready_collector = \$ExCollectorVersion; schema = (\d+); "
        r"facts = \$ExFacts \} -Depth (\d+) -Compress",
        last,
    )
    assert m is not None, last
    # the script, the parser and the simulated hosts agree on the schema
    assert int(m.group(1)) == parse.WIRE_SCHEMA == sim_scripts.WIRE_SCHEMA == 2
    assert int(m.group(2)) == JSON_DEPTH
    assert COLLECTOR_VERSION == "1.1.0"


def test_values_convertto_json_would_not_write_as_plain_data_are_cast() -> None:
    script = build_collector_script()
    # [version] would become {"Major":..}, a ServiceControllerStatus enum a number
    assert "Get-ExPresent ([string]$PSVersionTable.PSVersion)" in script
    assert "[string](Get-Service -Name $ExName -ErrorAction Stop).Status" in script
    assert "Get-ExPresent ([int]$ExCs.DomainRole)" in script
    # DateTime would become "\\/Date(ms)\\/" on Windows PowerShell 3.0-5.1: no date is reported at all
    for dated in ("Get-Date", "[datetime]", "InstalledOn", "LastWriteTime", "CreationTime", "LastBootUpTime"):
        assert dated.casefold() not in script.casefold(), dated
