"""One simulator for the whole simulator test session: healthy hosts plus one host per fault kind."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tests_sim_support import PASSWORD, USER

from scanner.simulator import SimulatorThread, Site, build_site
from scanner.simulator.profiles import baseline_document, seed_variants_document

# name -> (fault, extra host settings). Each fault host serves exactly one test: the simulator counts
# WS-Man requests per host, and faults with ``nth`` act from the n-th request on.
FAULT_HOSTS: dict[str, tuple[Any, dict[str, Any]]] = {
    "F-REFUSE": ("refuse", {}),
    "F-HANG": ("hang", {}),
    "F-STALL": ({"kind": "stall", "stage": "receive", "nth": 2}, {}),
    "F-SLOW": ({"kind": "slow", "delay_s": 2.5}, {}),
    "F-DRIBBLE": ({"kind": "dribble", "stage": "receive", "nth": 2, "interval_s": 0.2, "limit_s": 3}, {}),
    "F-401": ("always_401", {}),
    "F-TLS": ("tls_name_mismatch", {"schemes": ["https"]}),
    "F-DENIED": ("access_denied", {}),
    "F-QUOTA": ("shell_quota", {}),
    "F-WSMAN": (
        {
            "kind": "wsman_fault",
            "stage": "command",
            "code": 2150858843,
            "subcode": "w:InvalidSelectors",
            "reason": "The request contained invalid selectors for the resource.",
        },
        {},
    ),
    "F-HTTP503": ({"kind": "http_status", "stage": "connect", "status": 503}, {}),
    "F-GARBAGE": ("garbage", {}),
    "F-GARBAGE-RX": ({"kind": "garbage", "stage": "receive", "nth": 2}, {}),
    "F-DROP": ({"kind": "drop", "stage": "receive", "nth": 2}, {}),
    "F-CLOSE": ({"kind": "close", "stage": "receive", "nth": 2}, {}),
    "F-TRUNC": ({"kind": "truncate", "stage": "receive", "nth": 2}, {}),
    "F-SCRIPTERR": ({"kind": "script_error", "message": "Requested registry access is not allowed."}, {}),
    "F-PARTIAL": (
        {
            "kind": "partial_facts",
            "missing": ["hotfix.ids"],
            "unreadable": {"ucma.version": "Access is denied."},
        },
        {},
    ),
    "F-BROKEN": ("psrp_broken", {}),
    "Q-QUOTA2": (None, {"max_shells": 2}),
    "I-IDLE": (None, {"idle_timeout_s": 1}),
    "I-CLIENTIDLE": (None, {}),
    "U-UNENC": (None, {"allow_unencrypted": True}),
}


def site_document() -> dict[str, Any]:
    hosts = []
    for i, (name, (fault, extra)) in enumerate(FAULT_HOSTS.items(), start=1):
        entry: dict[str, Any] = {"name": name, "ad_site": "Lyon", "address": f"127.41.2.{i}", **extra}
        if fault is not None:
            entry["fault"] = fault
        hosts.append(entry)
    hosts.append({"name": "W-CAFE", "ad_site": "Lyon", "address": "127.41.2.200", "variant": "caferole"})
    return {
        "name": "simulator-tests",
        "seed": 7,
        "domain": {"dns": "contoso.test", "netbios": "CONTOSO"},
        "credentials": {"username": USER, "password": PASSWORD, "local": True},
        "defaults": {"schemes": ["http", "https"]},
        "baseline": baseline_document(),
        "variants": seed_variants_document(),
        "ad_sites": [
            {"name": "Paris", "pattern": "PAR{n:02d}", "addresses": "127.41.1.0/24", "count": 6},
            {"name": "Lyon", "pattern": "LYO{n:02d}", "addresses": "127.41.3.0/24", "count": 0},
        ],
        "hosts": hosts,
    }


@pytest.fixture(scope="session")
def sim_site() -> Site:
    return build_site(site_document())


@pytest.fixture(scope="session")
def sim(sim_site: Site, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatorThread]:
    with SimulatorThread(sim_site, tmp_path_factory.mktemp("sim"), expiry_interval_s=0.2) as running:
        yield running
