"""The same simulated site swept twice, once with each transport path (``--transport lean`` and
``--transport pypsrp``): every OS base the simulator models gives the same outcome on both (kind,
reason, facts, PowerShell and protocol versions, mechanism), and every simulator fault kind gives the
same outcome kind. The lean path runs over the sweep's own asyncio channel."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from fault_hosts import FAULTS as SCALE_FAULTS

from scanner.checks.catalog import load_catalog
from scanner.collect.runner import SweepLimits
from scanner.credentials import Credentials, Secret
from scanner.evaluate.engine import EvaluationParams
from scanner.inventory.file import load_inventory
from scanner.model.outcome import HostOutcome, OutcomeKind
from scanner.pipeline import ScanRequest, scan
from scanner.simulator import SimulatorThread, build_site
from scanner.simulator.osbase import base_names
from scanner.transport.settings import TransportSettings

pytestmark = pytest.mark.simulator

USER = "svc-paths"
PASSWORD = "Paths-Pass-7!"  # noqa: S105 - the simulated lab's account
DEADLINE = 6.0

# one host per fault kind the simulator injects, with the outcome kind both paths must give: the scale
# tests' hosts but the slow one, and a host sending an oversized answer
FAULTS: dict[str, tuple[Any, dict[str, Any], OutcomeKind]] = {
    **{name: fault for name, fault in SCALE_FAULTS.items() if name != "F-SLOW"},
    "F-HUGE": ({"kind": "huge_answer"}, {}, OutcomeKind.REMOTE_FAULT),
}
# faults whose reason may name a different stage or socket error on the two paths (the kind may not)
_TIMING = {"F-HANG", "F-STALL-RX", "F-STALL-CREATE", "F-DRIBBLE", "F-DROP", "F-CLOSE", "F-TRUNC"}


def _os_host(base: str) -> str:
    return "OS-" + base.upper().replace("-", "")[:12]


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, dict[str, HostOutcome]]]:
    hosts: list[dict[str, Any]] = [{"name": _os_host(b), "os": b, "address": f"127.72.1.{i}"}
                                   for i, b in enumerate(base_names(), 1)]
    hosts += [{"name": name, "address": f"127.72.2.{i}", "fault": fault, **extra}
              for i, (name, (fault, extra, _)) in enumerate(FAULTS.items(), 1)]
    hosts.append({"name": "BASIC-TLS", "address": "127.72.3.1", "schemes": ["https"], "auth": ["basic"]})
    doc = {
        "name": "paths", "seed": 3, "domain": {"dns": "contoso.test", "netbios": "CONTOSO"},
        "credentials": {"username": USER, "password": PASSWORD, "local": True},
        "defaults": {"schemes": ["http"], "auth": ["negotiate", "basic"]},
        "hosts": hosts,
    }
    work = tmp_path_factory.mktemp("paths")
    result: dict[str, dict[str, HostOutcome]] = {}
    for path in ("lean", "pypsrp"):
        # a simulator of its own for each path: a fault "from the n-th request on" counts per host
        with SimulatorThread(build_site(doc), work / f"sim-{path}") as sim:
            inventory = load_inventory(sim.write_inventory(work / f"inventory-{path}.csv"))
            settings = TransportSettings(credentials=Credentials(USER, Secret(PASSWORD)), ca_file=sim.ca_file,
                                         connection_timeout=5.0, read_timeout=3.0, operation_timeout=2,
                                         deadline=DEADLINE, transport=path)
            request = ScanRequest(
                hosts=inventory.hosts, transport=settings,
                limits=SweepLimits(concurrency=16, deadline=DEADLINE, grace=1.0, workers=1, breaker_threshold=0),
                params=EvaluationParams(exchange_version="2013"), inventory_source="paths")
            scanned, stats = asyncio.run(scan(request, load_catalog()))
            assert stats.abandoned_threads == 0
            result[path] = {o.host.name: o for o in scanned.outcomes}
    yield result


def _seen(o: HostOutcome) -> tuple[Any, ...]:
    return (o.kind, o.reason, o.facts, o.ps_version, o.psrp_protocol, o.auth_mechanism)


@pytest.mark.parametrize("base", base_names())
def test_each_os_base_gives_the_same_outcome_on_both_paths(swept: dict[str, dict[str, HostOutcome]],
                                                            base: str) -> None:
    lean, pypsrp = swept["lean"][_os_host(base)], swept["pypsrp"][_os_host(base)]
    assert lean.kind is OutcomeKind.OK, lean.reason
    assert lean.facts is not None and lean.facts.facts
    assert _seen(lean) == _seen(pypsrp)


def test_basic_over_https_gives_the_same_outcome_on_both_paths(swept: dict[str, dict[str, HostOutcome]]) -> None:
    lean, pypsrp = swept["lean"]["BASIC-TLS"], swept["pypsrp"]["BASIC-TLS"]
    assert lean.kind is OutcomeKind.OK and lean.auth_mechanism == "basic"
    assert _seen(lean) == _seen(pypsrp)


@pytest.mark.parametrize("name", list(FAULTS))
def test_each_fault_gives_the_same_outcome_kind_on_both_paths(swept: dict[str, dict[str, HostOutcome]],
                                                               name: str) -> None:
    lean, pypsrp = swept["lean"][name], swept["pypsrp"][name]
    assert lean.kind is pypsrp.kind is FAULTS[name][2], (lean.reason, pypsrp.reason)
    if name not in _TIMING:
        assert _seen(lean) == _seen(pypsrp)
