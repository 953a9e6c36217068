"""Benchmark of Active Directory discovery against a real Samba AD DC on loopback.

Provisions a DC into a temporary directory (as the test fixture does), populates it with the test
directory (200 computers, sites, an Exchange organisation) plus optional extra servers, then measures
`discover_hosts` (bind, paged search, sites, organisation facts) at several page sizes.

    python bench/ad_discovery.py [--extra 2000] [--runs 5] [--no-write]

Needs root and Debian's samba, samba-ad-dc and samba-ad-provision (bash tests/setup_samba.sh).
Prints the figures and writes them to bench/RESULTS.md between the ad markers.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "ad"))

from ad_directory_data import (  # noqa: E402
    READER,
    READER_PASSWORD,
    Computer,
    Population,
    build_population,
    create_accounts,
    create_exchange_org,
    extend_schema,
    populate_computers,
)
from ad_samba import provision, reserve_loopback_ip, running, samba_skip_reason  # noqa: E402
from results_md import write_section  # noqa: E402

from scanner.credentials import Credentials, Secret  # noqa: E402
from scanner.directory.settings import AdSettings, BindSettings, DiscoverySettings, parse_dc_url  # noqa: E402
from scanner.inventory.ad import discover_hosts  # noqa: E402


def timed(label: str, timings: dict[str, float], fn: object, *args: object) -> None:
    t0 = time.monotonic()
    fn(*args)  # type: ignore[operator]
    timings[label] = time.monotonic() - t0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extra", type=int, default=0, help="extra enabled Windows servers to add")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    reason = samba_skip_reason()
    if reason:
        print(f"ad_discovery: cannot run: {reason}", file=sys.stderr)
        return 1
    population = build_population()
    extra = tuple(Computer(f"BENCH{i:05d}", "OU=Servers", "Windows Server 2019 Standard",
                           address=f"127.11.{i // 250}.{i % 250 + 1}") for i in range(args.extra))
    population = Population(population.computers + extra)
    timings: dict[str, float] = {}
    lines: list[str] = []
    with tempfile.TemporaryDirectory(prefix="exr-ad-") as tmp:
        t0 = time.monotonic()
        ip, _lock = reserve_loopback_ip(start=60)
        dc = provision(Path(tmp) / "dc", ip, "allow_sasl_over_tls")
        timings["provision"] = time.monotonic() - t0
        t0 = time.monotonic()
        with running(dc):
            timings["start (first, with TLS key generation)"] = time.monotonic() - t0
            timed("Exchange schema extension", timings, extend_schema, dc)
            timed(f"populate {len(population.computers)} computers + OUs + sites", timings, populate_computers,
                  dc, population, time.time())
            timed("Exchange organisation", timings, create_exchange_org, dc)
            create_accounts(dc)
            bind = BindSettings(parse_dc_url(f"ldaps://{dc.ip}"), Credentials(f"{READER}@{dc.dns_domain}",
                                Secret(READER_PASSWORD)), ca_file=dc.ca_file, tls_name=dc.tls_name)
            resolve = {c.fqdn.upper(): c.address for c in population.computers if c.address}
            for page in (100, 500, 1000):
                settings = AdSettings(bind, DiscoverySettings(page_size=page, use_dns=False, resolve=resolve,
                                                              stale_days=90))
                runs = []
                for _ in range(args.runs):
                    t0 = time.monotonic()
                    inv = discover_hosts(settings)
                    runs.append(time.monotonic() - t0)
                lines.append(f"| discover_hosts, page size {page} | {inv.discovery.seen} computers read, "
                             f"{len(inv.hosts)} kept | median {statistics.median(runs) * 1000:.0f} ms, "
                             f"min {min(runs) * 1000:.0f} ms ({args.runs} runs) |")
    head = [
        f"Machine: {platform.machine()}, Python {platform.python_version()}, ldap3 {metadata.version('ldap3')}, "
        f"Samba from the system packages; DC on loopback, LDAPS with certificate verification, org facts "
        "included in every discovery run.",
        "",
        "| step | size | time |",
        "|---|---|---|",
        *(f"| {k} | | {v:.2f} s |" for k, v in timings.items()),
        *lines,
    ]
    text = "\n".join(head)
    print(text)
    if not args.no_write:
        write_section("ad", "## Active Directory discovery (bench/ad_discovery.py)\n\n" + text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
