"""Kerberos without python-gssapi (the optional ``kerberos`` extra not installed): one line at start,
exit 3, and no host contacted, instead of the same failure on every host of the sweep."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from scanner.cli import EXIT_RUN_FAILED
from scanner.simulator import SimulatorThread, build_site
from scanner.simulator.profiles import baseline_document, seed_variants_document

pytestmark = [pytest.mark.simulator,
              pytest.mark.skipif(sys.platform == "win32", reason="Windows uses SSPI, not python-gssapi")]

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "Sim-Lab-Pass-2026!"  # noqa: S105 - the simulated lab account


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[SimulatorThread]:
    doc = {
        "name": "krb", "seed": 3, "domain": {"dns": "contoso.test", "netbios": "CONTOSO"},
        "credentials": {"username": "svc-exready", "password": PASSWORD}, "defaults": {"schemes": ["http"]},
        "baseline": baseline_document(), "variants": dict(seed_variants_document()),
        "hosts": [{"name": f"EX{n:02d}", "ad_site": "Paris", "address": f"127.25.0.{n}"} for n in range(1, 5)],
    }
    with SimulatorThread(build_site(doc), tmp_path / "sim") as running:
        yield running


def without_gssapi(tmp_path: Path) -> dict[str, str]:
    """An environment in which ``import gssapi`` fails, as where the extra is not installed."""
    shim = tmp_path / "no-gssapi"
    for name in ("gssapi", "krb5"):
        (shim / name).mkdir(parents=True, exist_ok=True)
        (shim / name / "__init__.py").write_text(
            f"raise ImportError(\"No module named '{name}'\", name='{name}')\n", encoding="utf-8")
    return {**os.environ, "PYTHONPATH": f"{shim}{os.pathsep}{REPO}", "EXREADY_PASSWORD": PASSWORD}


def exready(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scanner", *args], env=env, cwd=cwd, text=True,
                          capture_output=True, timeout=120, check=False)


@pytest.mark.parametrize("how", ["option", "inventory"])
def test_kerberos_without_gssapi_is_one_error_before_any_host(sim: SimulatorThread, tmp_path: Path,
                                                              how: str) -> None:
    rows = list(csv.DictReader(sim.write_inventory(tmp_path / "sim.csv").open(encoding="utf-8", newline="")))
    for row in rows:  # the hosts' own auth column would override --auth
        row["auth"] = ""
    if how == "inventory":  # one host asks for Kerberos in the inventory
        rows[1]["auth"] = "kerberos"
        auth: list[str] = []
    else:
        auth = ["--auth", "kerberos"]
    inventory = tmp_path / "inventory.csv"
    with inventory.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    result = exready(["scan", "--inventory", str(inventory), "--user", "svc-exready@CONTOSO.TEST", *auth,
                      "--no-progress", "--quiet", "--json", "r.json"], without_gssapi(tmp_path), tmp_path)
    assert result.returncode == EXIT_RUN_FAILED, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("exready: error:") and "gssapi" in lines[0] and "kerberos" in lines[0].lower()
    assert all(s.connections == 0 for s in sim.stats().hosts.values())
    assert not (tmp_path / "r.json").exists()
