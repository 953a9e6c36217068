"""The authentication breaker, end to end through ``exready scan`` against simulated hosts: a wrong
password (or a run of hosts refusing the account) stops the sweep before it can lock the account
out, the rest are not attempted (reason: "authentication breaker"), and the run exits 3."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from scale_support import PASSWORD, USER, site_document
from typer.testing import CliRunner

from scanner.cli import EXIT_RUN_FAILED, build_app
from scanner.simulator import SimStats, SimulatorThread, build_site

pytestmark = pytest.mark.simulator

THRESHOLD = 5
CONCURRENCY = 8


def scan(sim: SimulatorThread, out: Path, password: str, workers: int) -> tuple[int, dict[str, Any], str]:
    inventory = sim.write_inventory(out / "inventory.csv")
    result = CliRunner().invoke(build_app(), [
        "scan", "--inventory", str(inventory), "--user", f"CONTOSO\\{USER}", "--concurrency", str(CONCURRENCY),
        "--workers", str(workers), "--auth-breaker", str(THRESHOLD), "--deadline", "6",
        "--connect-timeout", "2", "--read-timeout", "4", "--operation-timeout", "2", "--no-progress", "--quiet",
        "--json", str(out / "report.json"),
    ], env={"EXREADY_PASSWORD": password})
    return result.exit_code, json.loads((out / "report.json").read_text(encoding="utf-8")), result.output


def kinds(report: dict[str, Any]) -> dict[str, str]:
    return {h["name"]: h["outcome"]["kind"] for h in report["hosts"]}


def attempted(stats: SimStats) -> dict[str, int]:
    return {name: s.auth_fail for name, s in stats.hosts.items() if s.auth_fail}


@pytest.mark.parametrize("workers", [1, 2])
def test_a_wrong_password_costs_at_most_the_threshold_of_failed_logons(tmp_path: Path, workers: int) -> None:
    site = build_site(site_document(healthy=40, prefix=f"127.5{workers}", faults=False))
    with SimulatorThread(site, tmp_path / "sim") as sim:
        code, report, output = scan(sim, tmp_path, "not-the-password", workers)
        stats = sim.stats()
    assert code == EXIT_RUN_FAILED, output
    assert report["run"]["breaker_opened"] is True
    got = kinds(report)
    failed = [n for n, k in got.items() if k == "auth_failed"]
    skipped = [n for n, k in got.items() if k == "not_attempted"]
    # Until the credential has worked once, attempts in flight plus failures stay under the threshold.
    assert len(failed) == THRESHOLD and len(skipped) == 40 - THRESHOLD
    assert set(attempted(stats)) == set(failed)  # no other host ever saw the account
    for host in report["hosts"]:
        if host["name"] in skipped:
            assert "authentication breaker" in host["outcome"]["reason"] and USER in host["outcome"]["reason"]
    assert all(s.scripts_run == 0 for s in stats.hosts.values())


def test_a_run_of_hosts_refusing_the_account_opens_the_breaker_after_threshold_plus_in_flight(
        tmp_path: Path) -> None:
    # Hosts are scanned in inventory order: 12 good ones, then 12 that refuse the account, then 12 more.
    names = [f"A{i:02d}" for i in range(12)] + [f"B{i:02d}" for i in range(12)] + [f"C{i:02d}" for i in range(12)]
    extra = [{"name": n, "ad_site": "Paris", "address": f"127.55.3.{i}", **({"fault": "always_401"}
              if n.startswith("B") else {})} for i, n in enumerate(names, start=1)]
    site = build_site(site_document(healthy=0, prefix="127.55", faults=False, extra_hosts=extra))
    with SimulatorThread(site, tmp_path / "sim") as sim:
        code, report, output = scan(sim, tmp_path, PASSWORD, 1)
        stats = sim.stats()
    assert code == EXIT_RUN_FAILED, output
    got = kinds(report)
    assert all(got[n] == "ok" for n in names[:12])
    refused = [n for n in names[12:24] if got[n] == "auth_failed"]
    assert THRESHOLD <= len(refused) <= THRESHOLD + CONCURRENCY
    assert set(attempted(stats)) == set(refused)
    # "Consecutive" counts in completion order (a good host finishing resets it), so a few later hosts
    # may have started; every host after that was left alone.
    skipped = [n for n, k in got.items() if k == "not_attempted"]
    assert len(skipped) >= 12 - CONCURRENCY
    assert all(stats.host(n).connections == 0 for n in skipped)  # never contacted
    assert all(got[n] in ("ok", "not_attempted") for n in names[24:])
