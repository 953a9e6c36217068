"""The bar a competent user could write in forty lines: plain pypsrp, one thread per host in a pool.

Runs the collector script on every host of an inventory CSV (NTLM with message encryption over HTTP,
the scanner's own script) and prints one JSON line: hosts, successes, wall seconds. bench/sweep.py
runs it as a child process and measures its CPU and memory from outside.

    EXREADY_PASSWORD=... python bench/pypsrp_baseline.py INVENTORY.csv USER [--threads 32]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pypsrp.powershell import PowerShell, RunspacePool
from pypsrp.wsman import WSMan

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scanner.probes.collector import build_collector_script  # noqa: E402


def one(address: str, port: int, user: str, password: str, script: str) -> bool:
    wsman = WSMan(address, port=port, username=user, password=password, ssl=False, auth="negotiate",
                  encryption="auto", cert_validation=False, connection_timeout=10, read_timeout=30,
                  operation_timeout=20)
    try:
        with RunspacePool(wsman) as pool:
            ps = PowerShell(pool)
            ps.add_script(script)
            output = ps.invoke()
            return bool(output) and not ps.had_errors
    except Exception:  # noqa: BLE001 - a failed host is counted, not raised
        return False
    finally:
        wsman.close()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("inventory", type=Path)
    ap.add_argument("user")
    ap.add_argument("--threads", type=int, default=32)
    a = ap.parse_args()
    password = os.environ["EXREADY_PASSWORD"]
    with a.inventory.open(encoding="utf-8", newline="") as fh:
        hosts = [(r["address"], int(r["port"])) for r in csv.DictReader(fh)]
    script = build_collector_script()
    started = time.perf_counter()
    with ThreadPoolExecutor(a.threads) as pool:
        results = list(pool.map(lambda h: one(h[0], h[1], a.user, password, script), hosts))
    print(json.dumps({"hosts": len(hosts), "successes": sum(results), "wall_s": time.perf_counter() - started}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
