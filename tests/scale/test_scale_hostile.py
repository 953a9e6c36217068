"""Hostile hosts through the real scan path (simulator, our HTTP layer, pypsrp, the parser): a negative
chunk size and answers past their caps end as remote faults that give the size, next to healthy hosts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from scale_support import request_for, run, site_document

from scanner.model.outcome import HostOutcome, OutcomeKind
from scanner.simulator import SimulatorThread, build_site

pytestmark = pytest.mark.simulator

MiB = 1024 * 1024
HOSTILE: dict[str, Any] = {
    # -1, then a 64 MiB flood: read(-1) read all of it (9 GB RSS in the field)
    "H-NEGCHUNK": {"kind": "negative_chunk", "stage": "receive", "nth": 2},
    # a ValueError from read(), which came out as probe_error
    "H-NEGBIG": {"kind": "negative_chunk", "stage": "create", "chunk": "-0x7fffffff", "size": 0},
    # answers the collector never sends: past the session cap, the answer cap, one fact's cap
    "H-HUGE": {"kind": "huge_answer", "size": 5 * MiB},
    "H-LARGE": {"kind": "huge_answer", "size": 3 * MiB // 2},
    "H-FATFACT": {"kind": "huge_answer", "size": 100_000},
}


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, HostOutcome]]:
    work = tmp_path_factory.mktemp("hostile")
    extra = [{"name": name, "ad_site": "Lyon", "address": f"127.93.3.{i}", "fault": fault}
             for i, (name, fault) in enumerate(HOSTILE.items(), start=1)]
    site = build_site(site_document(healthy=2, prefix="127.93", faults=False, extra_hosts=extra))
    with SimulatorThread(site, work / "sim") as sim:
        # a generous deadline: building a 5 MiB answer takes the simulator seconds on a loaded machine
        result, _ = run(request_for(sim, work / "inventory.csv", concurrency=8, deadline=60))
    yield {o.host.name: o for o in result.outcomes}


def test_healthy_hosts_beside_hostile_ones_are_scanned(outcomes: dict[str, HostOutcome]) -> None:
    healthy = [o for name, o in outcomes.items() if name not in HOSTILE]
    assert len(healthy) == 2 and all(o.kind is OutcomeKind.OK for o in healthy)


@pytest.mark.parametrize(("name", "said"), [
    ("H-NEGCHUNK", "bad chunk size b'-1\\r\\n'"),
    ("H-NEGBIG", "bad chunk size b'-0x7fffffff\\r\\n'"),
    ("H-HUGE", "bytes in one session, past the 4 MiB cap on a host's answer"),
    ("H-LARGE", "characters, past the 1 MiB cap"),
    ("H-FATFACT", "'os.caption' is 100,0"),
])
def test_a_hostile_host_is_a_remote_fault_with_the_size(outcomes: dict[str, HostOutcome], name: str,
                                                        said: str) -> None:
    outcome = outcomes[name]
    assert outcome.kind is OutcomeKind.REMOTE_FAULT, outcome.reason
    assert said in outcome.reason
    assert "\n" not in outcome.reason and outcome.facts is None
