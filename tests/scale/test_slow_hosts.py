"""Hosts that take seconds to answer: thousands of sessions in flight at once, and last time's slow
hosts started first. (No timing is asserted: only what every host ended with, and how many sessions
were open together.)"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import pytest
from scale_support import PASSWORD, USER

from scanner.checks.catalog import load_catalog
from scanner.collect.limits import check_file_limit
from scanner.collect.observer import NullObserver
from scanner.collect.order import expected_seconds, slow_first
from scanner.collect.runner import SweepLimits, SweepStats
from scanner.credentials import Credentials, Secret
from scanner.evaluate.engine import EvaluationParams
from scanner.inventory.file import load_inventory
from scanner.model.host import Host
from scanner.model.outcome import OutcomeKind
from scanner.model.run import ScanResult
from scanner.pipeline import ScanRequest, scan
from scanner.simulator import SimulatorProcess, generate_site_document, write_site_file
from scanner.simulator.profiles import write_inventory_csv
from scanner.transport.settings import TransportSettings

pytestmark = pytest.mark.simulator

IN_FLIGHT_HOSTS = 2000


def _scan(request: ScanRequest, observers: list[NullObserver] | None = None) -> tuple[ScanResult, SweepStats]:
    async def main() -> tuple[ScanResult, SweepStats]:
        return await scan(request, load_catalog(), observers or [])

    return asyncio.run(main())


def _request(inventory: Path, ca_file: Path | None, concurrency: int, deadline: float,
             expected: dict[str, float] | None = None, workers: int = 1) -> ScanRequest:
    return ScanRequest(
        hosts=load_inventory(inventory).hosts,
        transport=TransportSettings(credentials=Credentials(USER, Secret(PASSWORD)), ca_file=ca_file,
                                    # one simulator process answers them all: give it time to
                                    connection_timeout=60.0, read_timeout=120.0, operation_timeout=10,
                                    deadline=deadline),
        limits=SweepLimits(concurrency=concurrency, deadline=deadline, grace=5.0, workers=workers,
                           breaker_threshold=5, breaker_account=USER),
        params=EvaluationParams(exchange_version="2013"),
        inventory_source="slow site",
        expected=expected or {},
    )


def _site(tmp_path: Path, hosts: int, answer_time: dict[str, float | str], **extra: object) -> Path:
    doc = generate_site_document(hosts, faulty_percent=0, answer_time=answer_time, password=PASSWORD,
                                 base_network="127.96.0.0/12")
    doc["credentials"] = {"username": USER, "password": PASSWORD, "local": True}
    doc.update(extra)
    return write_site_file(doc, tmp_path / "site.yaml")


def test_thousands_of_slow_hosts_in_flight_all_end_with_their_outcome(tmp_path: Path) -> None:
    # Every host takes about 20 s (most 12-33 s) to run the collector: far longer than starting all
    # the sessions takes, so they are open together, as on a real estate of slow servers.
    site = _site(tmp_path, IN_FLIGHT_HOSTS,
                 {"distribution": "lognormal", "median_s": 20, "sigma": 0.25, "max_s": 45})
    limit = check_file_limit(IN_FLIGHT_HOSTS)
    if limit.concurrency < IN_FLIGHT_HOSTS:
        pytest.fail(limit.message)  # the open-file limit of this machine is part of what is tested
    with SimulatorProcess(site, tmp_path / "sim", startup_timeout_s=300) as sim:
        inventory = write_inventory_csv(sim.hosts, tmp_path / "inventory.csv")
        # two worker processes: the sharded path, each worker holding its sessions on its own event loop
        result, stats = _scan(_request(inventory, sim.ca_file, IN_FLIGHT_HOSTS, deadline=400.0, workers=2))
    kinds = [o.kind for o in result.outcomes]
    assert len(kinds) == IN_FLIGHT_HOSTS
    assert {o.host.name for o in result.outcomes} == {h.name for h in load_inventory(inventory).hosts}
    reasons = Counter(o.reason for o in result.outcomes if o.kind is not OutcomeKind.OK)
    assert kinds.count(OutcomeKind.OK) == IN_FLIGHT_HOSTS, reasons.most_common(5)
    assert stats.peak_in_flight >= IN_FLIGHT_HOSTS // 2


class _Starts(NullObserver):
    def __init__(self) -> None:
        self.order: list[str] = []

    def host_started(self, host: Host) -> None:
        self.order.append(host.name)


def test_last_runs_slow_and_timed_out_hosts_start_first() -> None:
    hosts = [Host(name=n) for n in ("A", "B", "C", "D", "E")]
    last = {"A": ("ok", 1.0), "B": ("timeout", 14.2), "C": ("ok", 9.5), "E": ("unreachable", 0.1)}
    expected = expected_seconds(last, deadline=120.0)
    assert expected == {"A": 1.0, "B": 120.0, "C": 9.5, "E": 0.1}
    # B hung last time, C was slow; D is new: it goes at the median of the known times (5.25 s)
    assert [h.name for h in slow_first(hosts, expected)] == ["B", "C", "D", "A", "E"]
    assert slow_first(hosts, {}) == hosts  # no past: the inventory's order


def test_the_sweep_starts_hosts_in_that_order_and_reports_in_inventory_order(tmp_path: Path) -> None:
    site = _site(tmp_path, 12, {"median_s": 0})
    with SimulatorProcess(site, tmp_path / "sim") as sim:
        inventory = write_inventory_csv(sim.hosts, tmp_path / "inventory.csv")
        names = [h.name for h in load_inventory(inventory).hosts]
        expected = {names[7]: 120.0, names[3]: 30.0, names[10]: 8.0}
        starts = _Starts()
        result, _ = _scan(_request(inventory, sim.ca_file, 1, deadline=60.0, expected=expected), [starts])
    # the hung host, then the slow one; the hosts with no past at the median (30 s); the fast one last
    assert starts.order[:2] == [names[7], names[3]]
    assert starts.order[2:-1] == [n for n in names if n not in expected]
    assert starts.order[-1] == names[10]
    assert [o.host.name for o in result.outcomes] == names
