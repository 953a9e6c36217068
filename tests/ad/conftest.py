"""A real Samba AD DC for the tests in this directory, provisioned once per session on a free 127.0.0.x
address and populated with computers, sites and an Exchange organisation.

When Samba cannot run here (not root, packages missing) the DC tests skip with the reason; with CI=true
they fail instead (see also tests/conftest.py). ``bash tests/setup_samba.sh`` installs the packages.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from ad_directory_data import (
    Population,
    build_population,
    create_accounts,
    create_exchange_org,
    extend_schema,
    populate_computers,
)
from ad_samba import SambaDC, clone, provision, reserve_loopback_ip, running, samba_skip_reason


@dataclass(frozen=True)
class PopulatedDC:
    dc: SambaDC
    population: Population
    now: float  # the clock the lastLogonTimestamp values were computed from
    timings: dict[str, float]
    bare: SambaDC  # a stopped copy of the freshly provisioned DC: no Exchange schema, no data


def _require_samba() -> None:
    reason = samba_skip_reason()
    if reason is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and the Samba AD DC cannot run: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def samba(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PopulatedDC]:
    """Strong-auth mode allow_sasl_over_tls, like a hardened AD: LDAPS and StartTLS binds work, a plain
    simple bind on 389 is refused with strongerAuthRequired."""
    _require_samba()
    timings: dict[str, float] = {}
    t0 = time.monotonic()
    ip, ip_lock = reserve_loopback_ip(start=20)
    bare_ip, bare_lock = reserve_loopback_ip(start=int(ip.rsplit(".", 1)[1]) + 1)
    dc = provision(tmp_path_factory.mktemp("dc"), ip, "allow_sasl_over_tls")
    timings["provision"] = time.monotonic() - t0
    bare = clone(dc, tmp_path_factory.mktemp("bare") / "dc", bare_ip)
    t0 = time.monotonic()
    with running(dc):
        timings["start"] = time.monotonic() - t0
        now = time.time()
        population = build_population()
        t0 = time.monotonic()
        extend_schema(dc)
        timings["schema"] = time.monotonic() - t0
        t0 = time.monotonic()
        populate_computers(dc, population, now)
        timings["computers"] = time.monotonic() - t0
        t0 = time.monotonic()
        create_exchange_org(dc)
        timings["exchange_org"] = time.monotonic() - t0
        create_accounts(dc)
        try:
            yield PopulatedDC(dc, population, now, timings, bare)
        finally:
            ip_lock.close()
            bare_lock.close()


@pytest.fixture(scope="session")
def bare_dc(samba: PopulatedDC) -> Iterator[SambaDC]:
    """A second DC, started on demand: a forest without the Exchange schema."""
    with running(samba.bare):
        yield samba.bare


@pytest.fixture
def ad_env(samba: PopulatedDC) -> dict[str, str]:
    return {"EXREADY_AD_PASSWORD": samba.dc.password, "EXREADY_LANG": "en"}
