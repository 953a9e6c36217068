"""A 300-host simulated site carrying every fault kind: every host ends with exactly one outcome, of
the kind its fault calls for, and the sweep ends within the bound its deadlines imply."""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from scale_support import DEADLINE, DEADLINE_FAULTS, FAULTS, GRACE, request_for, run, site_document

from scanner.model.outcome import OutcomeKind
from scanner.simulator import SimulatorThread, build_site

pytestmark = pytest.mark.simulator

HEALTHY = 280
CONCURRENCY = 32


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    work = tmp_path_factory.mktemp("scale")
    site = build_site(site_document(healthy=HEALTHY, prefix="127.46", https_every=25))
    with SimulatorThread(site, work / "sim") as sim:
        request = request_for(sim, work / "inventory.csv", concurrency=CONCURRENCY)
        started = time.monotonic()
        result, stats = run(request)
        elapsed = time.monotonic() - started
        yield {"result": result, "stats": stats, "elapsed": elapsed, "sim": sim.stats(),
               "hosts": request.hosts}


def test_every_host_has_exactly_one_outcome_in_inventory_order(swept: dict[str, Any]) -> None:
    result = swept["result"]
    assert len(swept["hosts"]) == HEALTHY + len(FAULTS) >= 300
    assert [o.host.name for o in result.outcomes] == [h.name for h in swept["hosts"]]
    names = [c.host for c in result.cells]
    assert Counter(names) == {h.name: len(result.roles) for h in swept["hosts"]}
    assert set(result.verdicts) == {h.name for h in swept["hosts"]}


def test_each_fault_gives_the_outcome_a_user_must_see(swept: dict[str, Any]) -> None:
    by_name = {o.host.name: o for o in swept["result"].outcomes}
    got = {name: by_name[name].kind for name in FAULTS}
    assert got == {name: expected for name, (_, _, expected) in FAULTS.items()}
    for name in DEADLINE_FAULTS:  # cut by the deadline, and said so
        assert "deadline" in by_name[name].reason or "stopped answering" in by_name[name].reason, name


def test_every_healthy_host_is_scanned_including_https_ones(swept: dict[str, Any]) -> None:
    outcomes = [o for o in swept["result"].outcomes if not o.host.name.startswith("F-")]
    assert Counter(o.kind for o in outcomes) == {OutcomeKind.OK: HEALTHY}
    https = [o for o in outcomes if o.host.scheme is not None and o.host.scheme.value == "https"]
    assert len(https) >= 5 and all(o.auth_mechanism == "basic" for o in https)


def test_hosts_cut_by_the_deadline_cost_no_more_than_deadline_and_grace(swept: dict[str, Any]) -> None:
    by_name = {o.host.name: o for o in swept["result"].outcomes}
    for name in DEADLINE_FAULTS:
        # a correctness bound (a host that pypsrp would hold for minutes), not a speed goal
        assert by_name[name].duration_s <= DEADLINE + 2 * GRACE + 1.0, (name, by_name[name].duration_s)
    assert swept["stats"].abandoned_threads == 0  # the cut sockets ended every session's thread


def test_the_sweep_ends_within_the_bound_its_deadlines_imply(swept: dict[str, Any]) -> None:
    hosts = len(swept["hosts"])
    bound = math.ceil(hosts / CONCURRENCY) * (DEADLINE + 2 * GRACE)
    assert swept["elapsed"] <= bound, (swept["elapsed"], bound)


def test_the_simulator_saw_each_host_and_the_breaker_stayed_closed(swept: dict[str, Any]) -> None:
    stats = swept["sim"]
    assert stats.host("F-401").auth_fail >= 1
    assert not swept["result"].info.breaker_opened and not swept["stats"].breaker_opened
    scanned = [h.name for h in swept["hosts"] if not h.name.startswith("F-")]
    assert all(stats.host(n).scripts_run >= 1 for n in scanned)
