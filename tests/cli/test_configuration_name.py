"""--configuration-name opens the named PowerShell endpoint (a constrained or JEA one), and a host whose
session refuses the collector for its language mode gets an outcome that names that cause."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pypsrp.powershell import RunspacePool
from typer.testing import CliRunner

import scanner.transport.winrm
from scanner.cli import build_app
from scanner.simulator import SimulatorThread, build_site
from scanner.simulator.profiles import baseline_document, seed_variants_document
from scanner.transport import psrp_lean

pytestmark = pytest.mark.simulator

PASSWORD = "Scan-Test-Pass-9!"  # noqa: S105 - the simulated lab's account
CLM = "Cannot invoke method. Method invocation is supported only on core types in this language mode."


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatorThread]:
    hosts = [{"name": "OK1"}, {"name": "JEA1", "fault": {"kind": "script_error", "message": CLM}}]
    doc = {
        "name": "jea-tests", "seed": 5, "domain": {"dns": "contoso.test", "netbios": "CONTOSO"},
        "credentials": {"username": "svc-scan", "password": PASSWORD, "local": True},
        "defaults": {"schemes": ["http"], "auth": ["negotiate"]},
        "baseline": baseline_document(), "variants": seed_variants_document(),
        "ad_sites": [{"name": "Paris", "pattern": "X{n:02d}", "addresses": "127.44.1.0/24", "count": 0}],
        "hosts": [{**h, "ad_site": "Paris", "address": f"127.44.2.{i}"} for i, h in enumerate(hosts, start=1)],
    }
    with SimulatorThread(build_site(doc), tmp_path_factory.mktemp("sim")) as running:
        yield running


def scan(sim: SimulatorThread, out: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    inventory = sim.write_inventory(out / "inventory.csv")
    result = CliRunner().invoke(build_app(), [
        "scan", "--inventory", str(inventory), "--user", "svc-scan", "--deadline", "10", "--no-progress",
        "--quiet", "--json", str(out / "r.json"), *extra], env={"EXREADY_PASSWORD": PASSWORD})
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.exit_code, json.loads((out / "r.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("transport", ["lean", "pypsrp"])
def test_configuration_name_opens_that_endpoint_and_language_mode_is_named(
    sim: SimulatorThread, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, transport: str
) -> None:
    opened: list[str] = []

    class Recording(RunspacePool):  # type: ignore[misc]  # pypsrp is untyped here
        def __init__(self, connection: Any, *args: Any, **kwargs: Any) -> None:
            opened.append(kwargs.get("configuration_name", "Microsoft.PowerShell"))
            super().__init__(connection, *args, **kwargs)

    lean_create = psrp_lean.create_envelope

    def recording_create(ep: Any, resource_uri: str, *args: Any) -> bytes:
        opened.append(resource_uri.rpartition("/")[2])  # http://schemas.microsoft.com/powershell/NAME
        return lean_create(ep, resource_uri, *args)

    monkeypatch.setattr(scanner.transport.winrm, "RunspacePool", Recording)
    monkeypatch.setattr(psrp_lean, "create_envelope", recording_create)
    code, report = scan(sim, tmp_path, "--configuration-name", "Exready.Audit", "--transport", transport)
    assert set(opened) == {"Exready.Audit"}, opened
    outcomes = {h["name"]: h["outcome"] for h in report["hosts"]}
    assert outcomes["OK1"]["kind"] == "ok", outcomes["OK1"]
    jea = outcomes["JEA1"]
    assert jea["kind"] == "probe_error", jea
    assert "session configuration Exready.Audit runs PowerShell in a restricted language mode" in jea["reason"]
    assert "FullLanguage" in jea["reason"] and CLM.rstrip(".") in jea["reason"]
    assert code == 2


def test_bad_configuration_name_is_one_line(tmp_path: Path) -> None:
    inventory = tmp_path / "hosts.txt"
    inventory.write_text("A1\n", encoding="utf-8")
    result = CliRunner().invoke(build_app(), ["scan", "-i", str(inventory), "--user", "u",
                                              "--configuration-name", "a b"], env={"EXREADY_PASSWORD": "pw"})
    assert result.exit_code == 3
    assert result.output.strip().startswith("exready: error: --configuration-name 'a b': expected")


def test_sweep_file_names_the_endpoint(tmp_path: Path) -> None:
    from scanner.sweep.config import load_config

    config = tmp_path / "site.toml"
    config.write_text('[inventory]\nfile = "x.txt"\n[winrm]\nconfiguration_name = "Exready.Audit"\n',
                      encoding="utf-8")
    assert load_config(config).winrm.configuration_name == "Exready.Audit"
    config.write_text('[inventory]\nfile = "x.txt"\n', encoding="utf-8")
    assert load_config(config).winrm.configuration_name == "Microsoft.PowerShell"
