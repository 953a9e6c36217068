"""Sites and settings shared by the scale tests (a plain module; fixtures are in the test files)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from fault_hosts import FAULTS as FAULTS

from scanner.checks.catalog import load_catalog
from scanner.collect.runner import SweepLimits, SweepStats
from scanner.credentials import Credentials, Secret
from scanner.evaluate.engine import EvaluationParams
from scanner.inventory.file import load_inventory
from scanner.model.run import ScanResult
from scanner.pipeline import ScanRequest, scan
from scanner.simulator import SimulatorThread
from scanner.simulator.profiles import baseline_document, seed_variants_document
from scanner.transport.settings import TransportSettings

USER = "svc-scale"
PASSWORD = "Scale-Lab-Pass-7!"  # noqa: S105 - the simulated lab's account

# Small limits, so that a host that hangs costs seconds. The runner's bound for one host is
# deadline + grace (cut) + grace (a thread that ignores the cut is abandoned).
DEADLINE = 6.0
GRACE = 1.0
CONNECT = 1.0
READ = 3.0
OPERATION = 2

# Faults whose host the deadline must cut (pypsrp alone would wait far longer on them).
DEADLINE_FAULTS = ("F-HANG", "F-STALL-RX", "F-STALL-CREATE", "F-DRIBBLE")


def site_document(*, healthy: int, prefix: str, faults: bool = True, skip: tuple[str, ...] = (),
                  https_every: int = 0,
                  extra_hosts: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """``healthy`` generated hosts over two AD sites (seed variants mixed in) on ``prefix``.1.x and
    ``prefix``.2.x, the fault hosts on ``prefix``.3.x, and every ``https_every``-th generated host on
    HTTPS with Basic."""
    half = healthy // 2
    hosts: list[dict[str, Any]] = []
    if faults:
        for i, (name, (fault, extra, _)) in enumerate(FAULTS.items(), start=1):
            if name in skip:
                continue
            hosts.append({"name": name, "ad_site": "Lyon", "address": f"{prefix}.3.{i}", "fault": fault,
                          **extra})
    if https_every:
        for n in range(1, half + 1, https_every):
            hosts.append({"name": f"PAR{n:03d}", "schemes": ["https"], "auth": ["basic"]})
    hosts.extend(extra_hosts or [])
    return {
        "name": "scale-tests", "seed": 11, "domain": {"dns": "contoso.test", "netbios": "CONTOSO"},
        "credentials": {"username": USER, "password": PASSWORD, "local": True},
        "defaults": {"schemes": ["http"], "auth": ["negotiate", "basic"]},
        "baseline": baseline_document(), "variants": seed_variants_document(),
        "ad_sites": [
            {"name": "Paris", "pattern": "PAR{n:03d}", "addresses": f"{prefix}.1.0/24", "count": half},
            {"name": "Lyon", "pattern": "LYO{n:03d}", "addresses": f"{prefix}.2.0/24", "count": healthy - half},
        ],
        "assign": [{"variant": "ucma-missing", "percent": 10}, {"variant": "caferole", "percent": 3},
                   {"variant": "kb2619234-missing", "percent": 3}],
        "hosts": hosts,
    }


def request_for(sim: SimulatorThread, inventory_path: Any, *, concurrency: int = 48, workers: int = 1,
                password: str = PASSWORD, breaker: int = 5, deadline: float = DEADLINE) -> ScanRequest:
    inventory = load_inventory(sim.write_inventory(inventory_path))
    return ScanRequest(
        hosts=inventory.hosts,
        transport=TransportSettings(
            credentials=Credentials(USER, Secret(password)), ca_file=sim.ca_file,
            connection_timeout=CONNECT, read_timeout=READ, operation_timeout=OPERATION, deadline=deadline),
        limits=SweepLimits(concurrency=concurrency, deadline=deadline, grace=GRACE, workers=workers,
                           breaker_threshold=breaker, breaker_account=USER),
        params=EvaluationParams(exchange_version="2013"),
        inventory_source="scale test site",
    )


def run(request: ScanRequest) -> tuple[ScanResult, SweepStats]:
    box: list[tuple[ScanResult, SweepStats]] = []

    async def main() -> None:
        box.append(await scan(request, load_catalog()))

    asyncio.run(main())
    return box[0]


REPO = Path(__file__).resolve().parents[2]


def slow_site(prefix: str, quick: int, slow: int) -> dict[str, Any]:
    """``quick`` hosts that answer at once and ``slow`` ones whose collector takes a minute (far longer
    than a stop test waits), on ``prefix``.x."""
    hosts = [{"name": f"SLOW{i:02d}", "ad_site": "Lyon", "address": f"{prefix}.3.{i}",
              "fault": {"kind": "slow", "delay_s": 60}} for i in range(1, slow + 1)]
    return site_document(healthy=quick, prefix=prefix, faults=False, extra_hosts=hosts)


def start_exready(args: list[str], out: Path) -> subprocess.Popen[str]:
    """``python -m scanner ARGS`` in its own process group (signals sent to the group reach only it)."""
    env = {**os.environ, "EXREADY_PASSWORD": PASSWORD, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-m", "scanner", *args], cwd=out, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
