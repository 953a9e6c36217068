"""A session says when the host accepted the credential, through the real transport: once for a host
that logs the account on (NTLM over HTTP, Basic over HTTPS), never for one that refuses it."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.collect.session import CollectorSession, collector_for
from scanner.credentials import Credentials, Secret
from scanner.facts.parse import parse_collector_output
from scanner.inventory.file import load_inventory
from scanner.model.outcome import OutcomeKind
from scanner.simulator import SimulatorProcess, generate_site_document, write_site_file
from scanner.simulator.profiles import write_inventory_csv
from scanner.transport.settings import TransportSettings

pytestmark = pytest.mark.simulator

USER, PASSWORD = "svc-accept", "Accept-Lab-Pass-3!"


def test_the_logon_is_reported_once_and_only_when_accepted(tmp_path: Path) -> None:
    doc = generate_site_document(3, faulty_percent=0, password=PASSWORD, base_network="127.112.0.0/16")
    doc["credentials"] = {"username": USER, "password": PASSWORD, "local": True}
    names = [doc["ad_sites"][0]["pattern"].format(n=n).upper() for n in (1, 2)]
    doc["hosts"] = [{"name": names[0], "fault": "always_401"},
                    {"name": names[1], "schemes": ["https"], "auth": ["basic"]}]
    site = write_site_file(doc, tmp_path / "site.yaml")
    calls: dict[str, int] = {}
    kinds: dict[str, OutcomeKind] = {}
    with SimulatorProcess(site, tmp_path / "sim") as sim:
        inventory = load_inventory(write_inventory_csv(sim.hosts, tmp_path / "inventory.csv"))
        settings = TransportSettings(credentials=Credentials(USER, Secret(PASSWORD)), ca_file=sim.ca_file)
        for host in inventory.hosts:
            session = CollectorSession(host, settings, collector_for, parse_collector_output)
            calls[host.name] = 0

            def seen(name: str = host.name) -> None:
                calls[name] += 1

            session.on_accepted(seen)
            kinds[host.name] = session.run_outcome().kind
    assert kinds[names[0]] is OutcomeKind.AUTH_FAILED and calls[names[0]] == 0
    assert kinds[names[1]] is OutcomeKind.OK and calls[names[1]] == 1  # Basic over HTTPS
    others = [n for n in kinds if n not in names]
    assert others and all(kinds[n] is OutcomeKind.OK and calls[n] == 1 for n in others)  # NTLM over HTTP
