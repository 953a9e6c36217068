"""`exready inventory --inventory FILE` shows each host's own port, scheme and authentication, and its
--output CSV keeps them."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from scanner.bundled import INVENTORIES_DIR
from scanner.cli import build_app
from scanner.inventory.file import load_inventory


def _inventory(*args: str) -> str:
    result = CliRunner().invoke(build_app(), ["inventory", "--inventory", *args], env={"EXREADY_LANG": "en"})
    assert result.exit_code == 0, result.output
    return result.output


def test_the_table_shows_port_scheme_and_authentication() -> None:
    lines = _inventory(str(INVENTORIES_DIR / "servers.csv")).splitlines()
    assert lines[0].split() == ["Name", "FQDN", "Address", "Site", "Port", "Scheme", "Authentication", "Tags",
                                "Source"]
    edge = next(line for line in lines if line.startswith("LYO-EDGE01"))
    assert edge.split()[:6] == ["LYO-EDGE01", "10.20.9.5", "Lyon-DR", "5986", "https", "basic"]
    assert lines[-1].startswith("An empty port, scheme or authentication: the scan's --scheme and --auth decide")


def test_json_and_the_written_csv_keep_them(tmp_path: Path) -> None:
    doc = json.loads(_inventory(str(INVENTORIES_DIR / "servers.yaml"), "--json"))
    edge = next(h for h in doc["hosts"] if h["name"] == "LYO-EDGE01")
    assert (edge["port"], edge["scheme"], edge["auth"]) == (5986, "https", "basic")
    _inventory(str(INVENTORIES_DIR / "servers.txt"), "--output", str(tmp_path / "out.csv"))
    again = load_inventory(tmp_path / "out.csv").hosts
    original = load_inventory(INVENTORIES_DIR / "servers.txt").hosts
    assert [(h.name, h.port, h.scheme, h.auth, h.tags) for h in again] == \
        [(h.name, h.port, h.scheme, h.auth, h.tags) for h in original]
