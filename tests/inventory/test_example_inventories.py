"""The example inventories shipped in scanner/samples/inventories/ load, and agree with each other."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.inventory.file import load_inventory

EXAMPLES = Path(__file__).resolve().parents[2] / "scanner" / "samples" / "inventories"


@pytest.mark.parametrize("name", ["servers.txt", "servers.csv", "servers.yaml"])
def test_example_inventory_loads(name: str) -> None:
    inv = load_inventory(EXAMPLES / name)
    assert [h.name for h in inv.hosts] == ["PAR-EX01", "PAR-EX02", "LYO-EX01", "LYO-EDGE01"]
    edge = inv.hosts[3]
    assert (edge.address, edge.scheme, edge.auth) == ("10.20.9.5", "https", "basic")
    # a workgroup Edge server: no FQDN in the inventory, its certificate's name given instead
    assert (edge.fqdn, edge.tls_name) == (None, "lyo-edge01.dmz.example")
