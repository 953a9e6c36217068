"""Kerberos end to end against the Samba DC's own KDC: simulated hosts joined to the domain (a computer
account with HTTP/<fqdn> each, its key in a keytab exported from the DC) are scanned with each
credential source, an NTLM-refusing host is scanned with Kerberos, and each Kerberos failure gives the
host auth_failed with its line.

The scanner connects to each host's loopback address and names the service by the host's FQDN, which
no DNS and no /etc/hosts knows: the inventory gives both. The krb5.conf is private (KRB5_CONFIG) and
makes no DNS look-up.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from ad_directory_data import READER, READER_PASSWORD
from ad_kerberos import join_hosts, kinit, require_kerberos, skew_ccache, write_krb5_conf
from ad_samba import REALM, SBIN_PATH, closed_loopback_port
from conftest import PopulatedDC
from typer.testing import CliRunner

from scanner.cli import build_app
from scanner.model.outcome import HostOutcome
from scanner.report.json_report import read_json_report
from scanner.simulator import SimulatorThread, build_site
from scanner.transport import kerberos

pytestmark = [pytest.mark.samba, pytest.mark.simulator]

DOMAIN = REALM.lower()
JOINED = ("KRB01", "KRB02", "KRB03")
NO_NTLM = "KRBNONTLM"  # joined, refuses NTLM
TLS = "KRBTLS"  # joined, HTTPS only: channel bindings instead of message encryption
STALE = "KRBSTALE"  # joined, but its keytab is gone: it cannot read the tickets the KDC issues for it
NO_SPN = "KRBNOSPN"  # no account in the domain: the KDC knows no principal for its name, it has no keytab
SIM_USER, SIM_PASSWORD = "svc-scan", "Sim-Passw0rd!"  # the simulator's NTLM account  # noqa: S105
ADMIN = f"Administrator@{REALM}"


@dataclass(frozen=True)
class Realm:
    dc: PopulatedDC
    dir: Path
    krb5_conf: Path
    sim: SimulatorThread
    inventory: Path
    ticket: Path  # a cache kinit filled for Administrator
    keytabs: Path
    site: dict[str, Any]

    def inventory_of(self, *names: str) -> Path:
        """These hosts' rows without the auth column, so that --auth decides."""
        rows = [ln.split(",") for ln in self.inventory.read_text(encoding="utf-8").splitlines()]
        drop = rows[0].index("auth")
        keep = [rows[0], *(r for r in rows[1:] if r[0] in names)]
        path = self.dir / f"inv-{'-'.join(names).lower()}.csv"
        path.write_text("".join(",".join(v for i, v in enumerate(r) if i != drop) + "\n" for r in keep),
                        encoding="utf-8")
        return path


def _fqdn(name: str) -> str:
    return f"{name.lower()}.{DOMAIN}"


@pytest.fixture(scope="module")
def realm(samba: PopulatedDC, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Realm]:
    require_kerberos()
    base = tmp_path_factory.mktemp("krb")
    keytabs = base / "keytabs"
    join_hosts(samba.dc, [(n, _fqdn(n)) for n in (*JOINED, NO_NTLM, TLS, STALE)], keytabs)
    (keytabs / f"{_fqdn(STALE)}.keytab").unlink()
    conf = write_krb5_conf(base / "krb5.conf", samba.dc.ip)
    names = (*JOINED, NO_NTLM, NO_SPN, TLS, STALE)
    doc = {
        "name": "kerberos", "seed": 7, "domain": {"dns": DOMAIN, "netbios": "CORP"},
        "credentials": {"username": SIM_USER, "password": SIM_PASSWORD},
        "defaults": {"schemes": ["http"], "auth": ["negotiate"]},
        "ad_sites": [{"name": "HQ", "pattern": "X{n:02d}", "addresses": "127.61.1.0/24", "count": 0}],
        "hosts": [{"name": n, "address": f"127.61.2.{i}", **({"refuse_ntlm": True} if n == NO_NTLM else {}),
                   **({"schemes": ["https"]} if n == TLS else {})}
                  for i, n in enumerate(names, 1)],
    }
    saved = {k: os.environ.get(k) for k in ("KRB5_CONFIG", "KRB5CCNAME")}
    os.environ["KRB5_CONFIG"] = str(conf)
    os.environ["KRB5CCNAME"] = f"FILE:{base / 'no-such-default-cache'}"  # never the machine's own cache
    try:
        ticket = base / "admin.ccache"
        kinit(ADMIN, samba.dc.password, ticket)
        with SimulatorThread(build_site(doc), base / "sim", keytab_dir=keytabs) as sim:
            inventory = sim.write_inventory(base / "inventory.csv")
            yield Realm(samba, base, conf, sim, inventory, ticket, keytabs, doc)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def scan(realm: Realm, inventory: Path, *args: str, env: dict[str, str] | None = None) -> dict[str, HostOutcome]:
    out = realm.dir / f"r{time.monotonic_ns()}.json"
    result = CliRunner().invoke(build_app(), [
        "scan", "--inventory", str(inventory), "--deadline", "30", "--no-progress", "--quiet",
        "--json", str(out), *args], env={"EXREADY_LANG": "en", **(env or {})})
    assert out.is_file(), result.output
    return {o.host.name: o for o in read_json_report(out).outcomes}


def assert_kerberos_ok(outcomes: dict[str, HostOutcome], names: tuple[str, ...]) -> None:
    for name in names:
        o = outcomes[name]
        assert o.kind.value == "ok", (name, o.reason)
        assert o.auth_mechanism == "kerberos", (name, o.auth_mechanism)
        assert o.facts is not None and o.facts.facts


def assert_auth_failed(outcomes: dict[str, HostOutcome], name: str, line: str) -> str:
    o = outcomes[name]
    assert o.kind.value == "auth_failed", (name, o.kind, o.reason)
    assert line in o.reason, o.reason
    assert "\n" not in o.reason
    return o.reason


# --- the three credential sources --------------------------------------------------------------------

def test_inventory_gives_the_address_to_connect_to_and_the_fqdn_to_name(realm: Realm) -> None:
    rows = realm.inventory.read_text(encoding="utf-8").splitlines()
    krb01 = next(r for r in rows if r.startswith("KRB01,"))
    assert f",{_fqdn('KRB01')},127.61.2.1," in krb01


@pytest.mark.parametrize("auth", ["kerberos", "negotiate"])
def test_scan_with_the_default_ticket_cache_after_kinit(realm: Realm, auth: str) -> None:
    outcomes = scan(realm, realm.inventory_of(*JOINED), "--auth", auth,
                    env={"KRB5CCNAME": f"FILE:{realm.ticket}"})
    assert_kerberos_ok(outcomes, JOINED)


def test_scan_with_an_explicit_ticket_cache(realm: Realm) -> None:
    # the default cache (set by the fixture) holds nothing: only --ccache can give the ticket
    outcomes = scan(realm, realm.inventory_of(*JOINED), "--auth", "kerberos", "--ccache", str(realm.ticket))
    assert_kerberos_ok(outcomes, JOINED)


def test_scan_with_a_password_and_no_kinit(realm: Realm) -> None:
    outcomes = scan(realm, realm.inventory_of(*JOINED), "--auth", "kerberos", "--user", f"{READER}@{DOMAIN}",
                    env={"EXREADY_PASSWORD": READER_PASSWORD})
    assert_kerberos_ok(outcomes, JOINED)
    assert not Path(os.environ["KRB5CCNAME"].removeprefix("FILE:")).exists()  # no cache file was written


@pytest.fixture(scope="module")
def reader_keytab(realm: Realm) -> Path:
    """The reader account's keys, exported from the DC: a service account's keytab."""
    keytab = realm.dir / "svc.keytab"
    dc = realm.dc.dc
    done = subprocess.run(["samba-tool", "domain", "exportkeytab", str(keytab), f"--principal={READER}",
                           "-s", str(dc.directory / "etc" / "smb.conf")],
                          capture_output=True, env={**os.environ, "PATH": SBIN_PATH}, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return keytab


def test_scan_with_a_keytab_for_an_unattended_sweep(realm: Realm, reader_keytab: Path, tmp_path: Path) -> None:
    keytab = reader_keytab
    config = tmp_path / "sweep.toml"
    config.write_text(
        f'[inventory]\nfile = "{realm.inventory_of(*JOINED)}"\n'
        f'[credentials]\nsource = "kerberos"\nkeytab = "{keytab}"\n'
        '[winrm]\nauth = "kerberos"\n'
        f'[outputs]\njson = "{tmp_path / "sweep.json"}"\n', encoding="utf-8")
    result = CliRunner().invoke(build_app(), ["sweep", "--config", str(config), "--no-history"],
                                env={"EXREADY_LANG": "en"})
    report = tmp_path / "sweep.json"
    assert report.is_file(), result.output
    outcomes = {o.host.name: o for o in read_json_report(report).outcomes}
    assert_kerberos_ok(outcomes, JOINED)


def test_https_with_kerberos_binds_the_ticket_to_the_tls_channel(realm: Realm, tmp_path: Path) -> None:
    ca = str(realm.sim.ca_file)
    outcomes = scan(realm, realm.inventory_of(TLS), "--auth", "kerberos", "--ccache", str(realm.ticket),
                    "--ca-file", ca)
    assert_kerberos_ok(outcomes, (TLS,))
    # a listener that checks channel bindings (Extended Protection) takes the same ticket: the client
    # bound it to this TLS channel's certificate
    doc = {**realm.site, "name": "kerberos-cbt",
           "hosts": [{"name": TLS, "address": "127.61.3.1", "schemes": ["https"]}]}
    with SimulatorThread(build_site(doc), tmp_path / "sim", keytab_dir=realm.keytabs, strict_cbt=True) as strict:
        inventory = strict.write_inventory(tmp_path / "strict.csv")
        outcomes = scan(realm, inventory, "--auth", "kerberos", "--ccache", str(realm.ticket),
                        "--ca-file", str(strict.ca_file))
    assert_kerberos_ok(outcomes, (TLS,))


def test_a_keytab_reaches_the_worker_processes(realm: Realm, reader_keytab: Path) -> None:
    outcomes = scan(realm, realm.inventory_of(*JOINED), "--auth", "kerberos", "--keytab", str(reader_keytab),
                    "--user", f"{READER}@{REALM}", "--workers", "2")
    assert_kerberos_ok(outcomes, JOINED)


# --- an NTLM-refusing host ---------------------------------------------------------------------------

def test_a_host_that_refuses_ntlm_is_scanned_with_kerberos(realm: Realm) -> None:
    outcomes = scan(realm, realm.inventory_of(NO_NTLM, "KRB01"), "--ccache", str(realm.ticket))
    assert_kerberos_ok(outcomes, (NO_NTLM, "KRB01"))


def test_a_host_that_refuses_ntlm_without_a_kerberos_credential(realm: Realm) -> None:
    outcomes = scan(realm, realm.inventory_of(NO_NTLM, "KRB01"), "--user", f"CORP\\{SIM_USER}",
                    env={"EXREADY_PASSWORD": SIM_PASSWORD})
    assert outcomes["KRB01"].kind.value == "ok" and outcomes["KRB01"].auth_mechanism == "ntlm"
    assert_auth_failed(outcomes, NO_NTLM, kerberos.NTLM_REFUSED)


# --- each failure, with its line ---------------------------------------------------------------------

def test_no_ticket(realm: Realm) -> None:
    outcomes = scan(realm, realm.inventory_of("KRB01"), "--auth", "kerberos")
    assert_auth_failed(outcomes, "KRB01", kerberos.NO_TICKET)


def test_expired_ticket(realm: Realm, tmp_path: Path) -> None:
    short = tmp_path / "short.ccache"
    kinit(ADMIN, realm.dc.dc.password, short, lifetime="2s")
    time.sleep(3)
    outcomes = scan(realm, realm.inventory_of("KRB01"), "--auth", "kerberos", "--ccache", str(short))
    assert_auth_failed(outcomes, "KRB01", kerberos.EXPIRED)


def test_clock_skew(realm: Realm, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.ccache"
    kinit(ADMIN, realm.dc.dc.password, fresh)
    skewed = skew_ccache(fresh, tmp_path / "skewed.ccache", 3600)
    outcomes = scan(realm, realm.inventory_of("KRB01"), "--auth", "kerberos", "--ccache", str(skewed))
    assert_auth_failed(outcomes, "KRB01", kerberos.SKEW)


def test_no_such_service_principal(realm: Realm) -> None:
    outcomes = scan(realm, realm.inventory_of(NO_SPN), "--auth", "kerberos", "--ccache", str(realm.ticket))
    reason = assert_auth_failed(outcomes, NO_SPN, "the KDC knows no service principal")
    assert f"HTTP/{_fqdn(NO_SPN)}" in reason


def test_a_host_that_cannot_read_its_ticket(realm: Realm) -> None:
    outcomes = scan(realm, realm.inventory_of(STALE), "--auth", "kerberos", "--ccache", str(realm.ticket))
    reason = assert_auth_failed(outcomes, STALE, "the host refused the Kerberos ticket")
    assert f"HTTP/{_fqdn(STALE)}" in reason


def test_kdc_unreachable(realm: Realm, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.ccache"  # a ticket-granting ticket only: the service ticket needs the KDC
    kinit(ADMIN, realm.dc.dc.password, fresh)
    dead = write_krb5_conf(tmp_path / "krb5-dead.conf", f"127.0.0.1:{closed_loopback_port()}")
    outcomes = scan(realm, realm.inventory_of("KRB01"), "--auth", "kerberos", "--ccache", str(fresh),
                    env={"KRB5_CONFIG": str(dead)})
    assert_auth_failed(outcomes, "KRB01", kerberos.KDC_UNREACHABLE)


def test_kdc_unreachable_when_getting_a_ticket_from_a_password(realm: Realm, tmp_path: Path) -> None:
    dead = write_krb5_conf(tmp_path / "krb5-dead.conf", f"127.0.0.1:{closed_loopback_port()}")
    outcomes = scan(realm, realm.inventory_of("KRB01"), "--auth", "kerberos", "--user", f"nobody-{time.time_ns()}",
                    env={"KRB5_CONFIG": str(dead), "EXREADY_PASSWORD": "whatever"})
    assert_auth_failed(outcomes, "KRB01", kerberos.KDC_UNREACHABLE)


def test_kerberos_failures_open_the_authentication_breaker(realm: Realm) -> None:
    outcomes = scan(realm, realm.inventory_of(*JOINED), "--auth", "kerberos", "--auth-breaker", "1",
                    "--concurrency", "1")
    kinds = sorted(o.kind.value for o in outcomes.values())
    assert kinds.count("auth_failed") == 1, {n: (o.kind, o.reason) for n, o in outcomes.items()}
    assert kinds.count("not_attempted") == len(JOINED) - 1, kinds


