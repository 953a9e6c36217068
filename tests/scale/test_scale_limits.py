"""The open-file limit checked at start: raised toward the hard limit where allowed, and the
concurrency capped (with a one-line message) when even that is too low. Each case runs in a child
process, whose limits can be lowered without touching the test process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from scale_support import PASSWORD, USER, site_document

from scanner.collect.limits import FDS_PER_HOST, RESERVED_FDS, needed_fds
from scanner.simulator import SimulatorThread, build_site

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_NOFILE is POSIX")

REPO = Path(__file__).resolve().parents[2]

PROBE = """
import json, resource, sys
soft, hard = int(sys.argv[1]), int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
from scanner.collect.limits import check_file_limit
limit = check_file_limit(int(sys.argv[3]))
print(json.dumps({"concurrency": limit.concurrency, "soft": limit.soft, "hard": limit.hard,
                  "raised_from": limit.raised_from, "message": limit.message,
                  "now": resource.getrlimit(resource.RLIMIT_NOFILE)[0]}))
"""


def probe(soft: int, hard: int, concurrency: int) -> dict[str, object]:
    out = subprocess.run([sys.executable, "-c", PROBE, str(soft), str(hard), str(concurrency)],
                         capture_output=True, text=True, check=True, cwd=REPO, env={**os.environ,
                         "PYTHONPATH": str(REPO)})
    result: dict[str, object] = json.loads(out.stdout)
    return result


def test_the_soft_limit_is_raised_toward_the_hard_limit() -> None:
    got = probe(256, 4096, 128)
    assert got["raised_from"] == 256 and got["soft"] == got["now"] == 4096
    assert got["concurrency"] == 128 and got["message"] == ""


def test_concurrency_is_capped_below_what_the_hard_limit_allows() -> None:
    got = probe(200, 200, 100)
    fits = (200 - RESERVED_FDS) // (2 * FDS_PER_HOST)
    assert got["concurrency"] == fits < 100
    assert needed_fds(fits) <= 200
    message = str(got["message"])
    assert "open-file limit is 200" in message and f"scanning {fits} hosts at once instead of 100" in message
    assert "\n" not in message


def test_a_limit_that_is_high_enough_is_left_alone() -> None:
    got = probe(8192, 8192, 64)
    assert got == {"concurrency": 64, "soft": 8192, "hard": 8192, "raised_from": None, "message": "", "now": 8192}


@pytest.mark.simulator
def test_scan_says_so_and_scans_every_host_with_a_low_limit(tmp_path: Path) -> None:
    site = build_site(site_document(healthy=30, prefix="127.58", faults=False))
    with SimulatorThread(site, tmp_path / "sim") as sim:
        inventory = sim.write_inventory(tmp_path / "inventory.csv")
        wrapper = ("import resource, runpy, sys; resource.setrlimit(resource.RLIMIT_NOFILE, (160, 160)); "
                   "sys.argv = ['exready', *sys.argv[1:]]; runpy.run_module('scanner', run_name='__main__')")
        proc = subprocess.run(
            [sys.executable, "-c", wrapper, "scan", "--inventory", str(inventory), "--user", USER,
             "--concurrency", "200", "--workers", "1", "--no-progress", "--quiet", "--json", "report.json"],
            cwd=tmp_path, env={**os.environ, "EXREADY_PASSWORD": PASSWORD, "PYTHONPATH": str(REPO)},
            capture_output=True, text=True, timeout=120)
    fits = (160 - RESERVED_FDS) // (2 * FDS_PER_HOST)
    assert f"scanning {fits} hosts at once instead of 200" in proc.stderr
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert {h["outcome"]["kind"] for h in report["hosts"]} == {"ok"}
    assert len(report["hosts"]) == 30
