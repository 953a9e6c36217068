"""The garbage collector tuned for a sweep: in effect while the sweep runs, put back as it was when it
ends (a program calling the API keeps its own collector), and a sweep under it still gives every
host exactly one outcome."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Callable, Iterator

import pytest

from scanner.collect.gc_tuning import YOUNG_THRESHOLD, sweep_gc, tuned
from scanner.collect.runner import Session, SweepLimits, SweepRunner
from scanner.model.host import Host
from scanner.model.outcome import HostOutcome, OutcomeKind


@pytest.fixture(autouse=True)
def _own_collector() -> Iterator[None]:
    """Each test starts from a collector it knows, and leaves the process's as it found it."""
    threshold, enabled = gc.get_threshold(), gc.isenabled()
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    gc.enable()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)
    (gc.enable if enabled else gc.disable)()


class Seen(Session):
    """A host that notes the collector's state while its session runs, and makes some cyclic garbage."""

    def __init__(self, host: Host, seen: list[tuple[int, int]], fail: bool) -> None:
        self.host = host
        self._seen = seen
        self._fail = fail

    def on_accepted(self, callback: Callable[[], None]) -> None:
        return None

    def run_outcome(self) -> HostOutcome:
        self._seen.append((gc.get_threshold()[0], gc.get_freeze_count()))
        for _ in range(200):
            a: list[object] = []
            a.append(a)  # a reference cycle: only the collector frees it
        if self._fail:
            raise RuntimeError("a session bug")  # the runner still gives the host an outcome
        return HostOutcome(self.host, OutcomeKind.OK)

    def abort(self) -> None:
        return None


def _sweep(tune: bool, hosts: int = 60) -> tuple[list[HostOutcome], list[tuple[int, int]]]:
    seen: list[tuple[int, int]] = []
    runner = SweepRunner(lambda h: Seen(h, seen, fail=h.name.endswith("7")),
                         SweepLimits(concurrency=8, deadline=10, tune_gc=tune))
    outcomes = asyncio.run(runner.run([Host(name=f"H{i:03d}") for i in range(hosts)]))
    return outcomes, seen


def test_a_sweep_runs_with_the_collector_tuned_and_restores_it_after() -> None:
    held = [object() for _ in range(1000)]  # what the program holds when the sweep starts: frozen
    gc.set_threshold(900, 11, 12)
    outcomes, seen = _sweep(tune=True)
    assert len(outcomes) == 60 and all(o is not None for o in outcomes)
    assert [o.host.name for o in outcomes] == [f"H{i:03d}" for i in range(60)]
    assert {o.kind for o in outcomes} == {OutcomeKind.OK, OutcomeKind.PROBE_ERROR}  # the buggy ones too
    assert all(threshold == YOUNG_THRESHOLD and frozen > 0 for threshold, frozen in seen)
    assert gc.get_threshold() == (900, 11, 12)
    assert gc.get_freeze_count() == 0 and not tuned()
    assert held


def test_turned_off_through_the_api_the_collector_is_left_alone() -> None:
    outcomes, seen = _sweep(tune=False)
    assert len(outcomes) == 60
    assert set(seen) == {(700, 0)}


def test_restored_when_the_sweep_raises() -> None:
    with pytest.raises(KeyError), sweep_gc():
        assert gc.get_threshold()[0] == YOUNG_THRESHOLD and tuned()
        raise KeyError("boom")
    assert gc.get_threshold() == (700, 10, 10) and gc.get_freeze_count() == 0 and not tuned()


def test_a_program_that_froze_objects_keeps_them_frozen() -> None:
    kept = [[i] for i in range(1000)]  # the program's objects, frozen by it
    gc.freeze()
    with sweep_gc():
        assert gc.get_threshold()[0] == YOUNG_THRESHOLD
    assert gc.get_freeze_count() >= len(kept)  # not unfrozen by the sweep (that would leave 0)
    assert gc.get_threshold() == (700, 10, 10)


def test_nested_sweeps_leave_it_to_the_outermost() -> None:
    with sweep_gc():
        with sweep_gc():
            pass
        assert tuned() and gc.get_threshold()[0] == YOUNG_THRESHOLD  # the inner one did not restore it
    assert not tuned() and gc.get_threshold() == (700, 10, 10)


def test_a_disabled_collector_stays_disabled_and_untouched() -> None:
    gc.disable()
    with sweep_gc():
        assert not gc.isenabled() and gc.get_threshold() == (700, 10, 10) and gc.get_freeze_count() == 0
    assert not gc.isenabled()


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the collector frees it


def test_cyclic_garbage_is_still_collected_during_a_sweep() -> None:
    # memory stays bounded: the raised threshold delays collections, it does not stop them
    with sweep_gc():
        first = [weakref.ref(Node()) for _ in range(100)]
        for _ in range(3 * YOUNG_THRESHOLD):
            Node()
        assert all(ref() is None for ref in first)
