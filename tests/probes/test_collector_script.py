from __future__ import annotations

import re

import pytest

from scanner.facts import parse
from scanner.facts.keys import CATALOG_FACTS, COLLECTOR_MARKER, ORG_FACTS, RETIRED_FACTS, SEED_FACTS
from scanner.probes import (
    COLLECTOR_PARTS,
    COLLECTOR_VERSION,
    DIALECTS,
    JSON_DEPTH,
    MAX_SCRIPT_BYTES,
    build_collector_script,
    dialect_for,
)
from scanner.probes.collector import part_file
from scanner.probes.manifest import DECLARED_READS, HAND_PARTS, all_facts
from scanner.simulator import scripts as sim_scripts

_ASSIGNED = re.compile(r"\$ExFacts\['([^']+)'\]\s*=")


@pytest.mark.parametrize("dialect", DIALECTS)
def test_first_line_is_the_marker_with_the_version_and_dialect(dialect: str) -> None:
    first = build_collector_script(dialect).splitlines()[0]
    assert first == f"# {COLLECTOR_MARKER} {COLLECTOR_VERSION} {dialect}"
    assert sim_scripts.collector_version(build_collector_script(dialect)) == COLLECTOR_VERSION


def test_the_default_dialect_is_ps3_and_an_unknown_one_is_refused() -> None:
    assert build_collector_script() == build_collector_script("ps3")
    with pytest.raises(ValueError, match="unknown collector dialect 'ps7'"):
        build_collector_script("ps7")


@pytest.mark.parametrize(
    ("version", "dialect"),
    [("2.0", "ps2"), ("2.0.50727", "ps2"), ("3.0", "ps3"), ("4.0", "ps3"), ("5.1.14393.0", "ps3"), (None, "ps3"),
     ("", "ps3"), ("20.1", "ps3")],
)
def test_dialect_for_a_powershell_version(version: str | None, dialect: str) -> None:
    assert dialect_for(version) == dialect


@pytest.mark.parametrize("dialect", DIALECTS)
def test_script_is_well_under_the_envelope_limit(dialect: str) -> None:
    size = len(build_collector_script(dialect).encode("utf-8"))
    assert size < MAX_SCRIPT_BYTES < 512_000


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_contract_fact_is_collected_and_nothing_outside_it(dialect: str) -> None:
    assigned = set(_ASSIGNED.findall(build_collector_script(dialect)))
    contract = {f.name for f in SEED_FACTS} | {f.name for f in CATALOG_FACTS}
    assert assigned == contract == set(all_facts()), sorted(contract ^ assigned)
    assert not assigned & {f.name for f in (*ORG_FACTS, *RETIRED_FACTS)}


def test_the_manifest_names_each_fact_once() -> None:
    facts = all_facts()
    assert len(facts) == len(set(facts))


def test_ps2_variants_are_exactly_the_declared_ones() -> None:
    for part in HAND_PARTS:
        assert part_file(part.name, "ps2") == (f"{part.name}.ps2.ps1" if part.ps2_variant else f"{part.name}.ps1")
        assert part_file(part.name, "ps3") == f"{part.name}.ps1"
    assert part_file("registry", "ps2") == "registry.ps2.ps1"
    assert part_file("footer", "ps2") == "footer.ps2.ps1"


@pytest.mark.parametrize("dialect", DIALECTS)
def test_parts_run_in_order_between_header_and_footer(dialect: str) -> None:
    script = build_collector_script(dialect)
    declared = script.index("# Declared reads")
    assert script.index("function Get-ExRegFact") < script.index("function Get-ExHklm") < declared
    # os.system_root is read before any file under it
    assert script.index("$ExFacts['os.system_root']") < script.index("Get-ExSysFileFact 'System32")
    positions = [script.index(f"$ExFacts['{p.facts[0]}'] =") for p in HAND_PARTS]
    assert positions == sorted(positions) and positions[0] > declared
    assert [p.name for p in HAND_PARTS] == list(COLLECTOR_PARTS)
    assert DECLARED_READS[0].fact == "os.system_root"


def test_ps3_cim_queries_have_their_own_timeout() -> None:
    script = build_collector_script("ps3")
    calls = [line for line in script.splitlines() if re.search(r"Get-Cim\w+ -", line)]
    assert len(calls) == 5  # hotfix, domain role, features on 2008 R2, the group, its members
    for line in calls:
        assert "-OperationTimeoutSec $ExCimTimeoutSec" in line, line
    assert "Get-WmiObject" not in script


def test_ps2_uses_only_wmi_and_the_dotnet2_registry() -> None:
    script = build_collector_script("ps2")
    code = "\n".join(line for line in script.splitlines() if not line.lstrip().startswith("#"))
    for newer in ("Get-Cim", "RegistryView", "OpenBaseKey", "ConvertTo-Json", " -Raw", "[ordered]", " -in ",
                  " -notin "):
        assert newer not in code, newer
    assert script.count("Get-WmiObject") == 5
    assert "[Microsoft.Win32.Registry]::LocalMachine" in script
    assert "ASSOCIATORS OF {" in script and "AssocClass=Win32_GroupUser" in script


@pytest.mark.parametrize("dialect", DIALECTS)
def test_file_versions_are_built_from_numeric_parts(dialect: str) -> None:
    script = build_collector_script(dialect)
    assert "FileMajorPart" in script and "FilePrivatePart" in script
    assert ".FileVersion" not in script  # the string form can carry a branch suffix


@pytest.mark.parametrize("dialect", DIALECTS)
def test_script_is_ascii_with_lf_line_ends(dialect: str) -> None:
    script = build_collector_script(dialect)
    assert "\r" not in script
    assert script.isascii()


def test_the_ps3_script_outputs_one_json_string_of_the_wire_schema() -> None:
    last = build_collector_script("ps3").rstrip().splitlines()[-1]
    m = re.fullmatch(
        r"ConvertTo-Json -InputObject @\{ exready_collector = \$ExCollectorVersion; schema = (\d+); "
        r"facts = \$ExFacts \} -Depth (\d+) -Compress",
        last,
    )
    assert m is not None, last
    # the script, the parser and the simulated hosts agree on the schema
    assert int(m.group(1)) == parse.WIRE_SCHEMA == sim_scripts.WIRE_SCHEMA == 2
    assert int(m.group(2)) == JSON_DEPTH
    assert COLLECTOR_VERSION == "1.2.0"


def test_the_ps2_script_outputs_the_same_table_through_its_writer() -> None:
    last = build_collector_script("ps2").rstrip().splitlines()[-1]
    assert last == "ConvertTo-ExJson @{ exready_collector = $ExCollectorVersion; schema = 2; facts = $ExFacts }"


@pytest.mark.parametrize("dialect", DIALECTS)
def test_values_json_would_not_write_as_plain_data_are_cast(dialect: str) -> None:
    script = build_collector_script(dialect)
    # [version] would become {"Major":..}, a ServiceControllerStatus enum a number
    assert "Get-ExPresent ([string]$PSVersionTable.PSVersion)" in script
    assert "Get-ExPresent ([string]$PSVersionTable.CLRVersion)" in script
    assert "[string](Get-Service -Name $name -ErrorAction Stop).Status" in script
    assert "Get-ExPresent ([int]$ExWmi[0].DomainRole)" in script
    # DateTime would become "\\/Date(ms)\\/" on Windows PowerShell 3.0-5.1: no date is reported at all
    for dated in ("Get-Date", "[datetime]", "InstalledOn", "LastWriteTime", "CreationTime", "LastBootUpTime"):
        assert dated.casefold() not in script.casefold(), dated
