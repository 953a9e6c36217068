"""Sharding the sessions across worker processes does not change the result: the same outcomes,
verdicts and matrix cells as a sweep in one process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from scale_support import DEADLINE_FAULTS, request_for, run, site_document

from scanner.model.run import ScanResult
from scanner.simulator import SimulatorThread, build_site

pytestmark = pytest.mark.simulator


def sweep(tmp: Path, workers: int) -> ScanResult:
    # A fresh simulator per sweep: fault hosts count requests, so both sweeps must meet the same hosts;
    # one inventory path, since each host records the file line it came from.
    doc = site_document(healthy=60, prefix="127.48", skip=(*DEADLINE_FAULTS, "F-SLOW"), https_every=10)
    with SimulatorThread(build_site(doc), tmp / f"sim{workers}") as sim:
        result, stats = run(request_for(sim, tmp / "inventory.csv", concurrency=16, workers=workers))
    assert stats.workers == workers
    return result


def comparable(result: ScanResult) -> dict[str, Any]:
    return {
        "outcomes": [(o.host, o.kind, o.reason, o.facts, o.auth_mechanism) for o in result.outcomes],
        "verdicts": dict(result.verdicts),
        "cells": list(result.cells),
        "roles": result.roles,
    }


def test_a_sharded_sweep_gives_the_same_result_as_one_process(tmp_path: Path) -> None:
    single = comparable(sweep(tmp_path, 1))
    sharded = comparable(sweep(tmp_path, 2))
    assert len(single["outcomes"]) >= 70
    assert {o[1].value for o in single["outcomes"]} >= {"ok", "auth_failed", "remote_fault", "probe_error"}
    assert sharded == single


def test_one_process_judges_each_host_once_as_it_finishes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner import pipeline
    from scanner.matrix import judge as judging
    from scanner.matrix.judge import judge as real

    judged: list[tuple[str, bool]] = []
    sweeping = {"on": False}

    def counting(outcome: Any, catalog: Any, params: Any) -> Any:
        judged.append((outcome.host.name, sweeping["on"]))
        return real(outcome, catalog, params)

    real_assemble = pipeline.assemble

    def assemble(*args: Any, **kwargs: Any) -> Any:
        sweeping["on"] = False  # what assemble itself judges
        return real_assemble(*args, **kwargs)

    monkeypatch.setattr(pipeline, "judge", counting)  # what the sweep judges as hosts finish
    monkeypatch.setattr(judging, "judge", counting)  # what assemble would judge again
    monkeypatch.setattr(pipeline, "assemble", assemble)
    sweeping["on"] = True
    result = sweep(tmp_path, 1)
    names = [o.host.name for o in result.outcomes]
    assert sorted(name for name, _ in judged) == sorted(names)  # once each, none twice
    assert all(during for _, during in judged)  # all while the sweep ran, none left for assemble
