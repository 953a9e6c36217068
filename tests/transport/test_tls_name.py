"""HTTPS verifies the name the certificate carries. A WinRM HTTPS certificate names the server's FQDN, not
its address; the simulator's do the same. exready connects to the inventory's address, verifies the
certificate against the host's FQDN and asks for it by SNI; the inventory's tls_name column or --tls-name
name another one. A certificate that names something else is a tls_error that says what was checked and
what the certificate names."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner.cli import build_app
from scanner.collect.session import CollectorSession, collector_for
from scanner.credentials import Credentials, Secret
from scanner.errors import InventoryError, TlsError, UsageError
from scanner.facts.parse import parse_collector_output
from scanner.inventory.file import load_inventory
from scanner.model.host import AuthMethod, Host, Scheme
from scanner.model.outcome import HostOutcome, OutcomeKind
from scanner.simulator import SimulatorThread, build_site
from scanner.simulator.profiles import baseline_document
from scanner.transport.names import TlsName, service_hostname, tls_server_name
from scanner.transport.settings import TransportSettings

USER = "svc-tls"
PASSWORD = "Tls-Name-Pass-3!"  # noqa: S105 - the simulated lab's account


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatorThread]:
    doc = {
        "name": "tls-names", "seed": 5, "domain": {"dns": "contoso.test", "netbios": "CONTOSO"},
        "credentials": {"username": USER, "password": PASSWORD, "local": True},
        "defaults": {"schemes": ["https"], "auth": ["basic", "negotiate"]},
        "baseline": baseline_document(),
        "hosts": [
            {"name": "TLS01", "address": "127.63.0.1"},
            {"name": "TLS02", "address": "127.63.0.2"},
            {"name": "TLS03", "address": "127.63.0.3", "fault": "tls_name_mismatch"},
        ],
    }
    with SimulatorThread(build_site(doc), tmp_path_factory.mktemp("sim")) as running:
        yield running


def _settings(sim: SimulatorThread, *, auth: AuthMethod = AuthMethod.BASIC, **kwargs: object) -> TransportSettings:
    verify = kwargs.pop("verify_tls", True)
    return TransportSettings(credentials=Credentials(USER, Secret(PASSWORD)), scheme=Scheme.HTTPS, auth=auth,
                             ca_file=sim.ca_file if verify else None, verify_tls=bool(verify), deadline=20.0,
                             connection_timeout=3.0, read_timeout=10.0, operation_timeout=5, **kwargs)  # type: ignore[arg-type]


def _host(sim: SimulatorThread, name: str, **fields: object) -> Host:
    h = sim.host(name)
    values: dict[str, object] = {"name": h.name, "fqdn": h.fqdn, "address": h.address, "port": h.https_port}
    values.update(fields)
    return Host(**values)  # type: ignore[arg-type]


def _scan(sim: SimulatorThread, host: Host, settings: TransportSettings) -> HostOutcome:
    return CollectorSession(host, settings, collector_for, parse_collector_output).run_outcome()


def _sni(sim: SimulatorThread, name: str) -> dict[str, int]:
    return dict(sim.server.runtimes[name].server_names)


# -- the simulator's certificates are a real WinRM listener's -----------------------------------------


def test_the_simulated_certificate_names_the_fqdn_only(sim: SimulatorThread) -> None:
    from scanner.transport.sockets import SocketWatch
    from scanner.transport.tls import certificate_names

    h = sim.host("TLS01")
    assert h.https_port is not None
    names = certificate_names(h.address, h.https_port, h.fqdn, 3.0, SocketWatch())
    assert names == ("tls01.contoso.test",)


# -- verified by the FQDN while connecting to the address ---------------------------------------------


@pytest.mark.simulator
@pytest.mark.parametrize("auth", [AuthMethod.BASIC, AuthMethod.NEGOTIATE])
def test_a_host_by_address_with_its_fqdn_known_verifies_and_scans(sim: SimulatorThread, auth: AuthMethod) -> None:
    before = _sni(sim, "TLS01").get("tls01.contoso.test", 0)
    outcome = _scan(sim, _host(sim, "TLS01"), _settings(sim, auth=auth))
    assert outcome.kind is OutcomeKind.OK, outcome.reason
    fact = outcome.facts.get("computer.name") if outcome.facts is not None else None
    assert fact is not None and fact.value == "TLS01"
    # SNI asked for the FQDN, never for the address (an address is not sent as SNI)
    seen = _sni(sim, "TLS01")
    assert seen.get("tls01.contoso.test", 0) > before
    assert set(seen) == {"tls01.contoso.test"}


@pytest.mark.simulator
def test_a_certificate_naming_another_host_is_a_tls_error_that_names_both(sim: SimulatorThread) -> None:
    outcome = _scan(sim, _host(sim, "TLS03"), _settings(sim))
    assert outcome.kind is OutcomeKind.TLS_ERROR
    reason = outcome.reason
    assert "\n" not in reason
    assert "names wrong-host.invalid" in reason, reason
    assert "not tls03.contoso.test (the host's FQDN)" in reason, reason
    assert "--tls-name" in reason and "tls_name" in reason


@pytest.mark.simulator
def test_without_an_fqdn_the_address_is_checked_and_the_message_says_so(sim: SimulatorThread) -> None:
    h = sim.host("TLS02")
    outcome = _scan(sim, _host(sim, "TLS02", fqdn=None), _settings(sim))
    assert outcome.kind is OutcomeKind.TLS_ERROR
    assert f"the certificate names tls02.contoso.test, not {h.address} (the address connected to)" in outcome.reason


@pytest.mark.simulator
def test_a_wrong_fqdn_in_the_inventory_fails_and_the_tls_name_column_overrides_it(sim: SimulatorThread) -> None:
    wrong = _host(sim, "TLS02", fqdn="tls02.other.test")
    failed = _scan(sim, wrong, _settings(sim))
    assert failed.kind is OutcomeKind.TLS_ERROR
    assert "names tls02.contoso.test, not tls02.other.test (the host's FQDN)" in failed.reason
    fixed = _scan(sim, _host(sim, "TLS02", fqdn="tls02.other.test", tls_name="tls02.contoso.test"), _settings(sim))
    assert fixed.kind is OutcomeKind.OK, fixed.reason
    assert "tls02.contoso.test" in _sni(sim, "TLS02")


@pytest.mark.simulator
def test_the_tls_name_pattern_names_each_host_s_certificate(sim: SimulatorThread) -> None:
    settings = _settings(sim, tls_name="{name}.contoso.test")
    for name in ("TLS01", "TLS02"):
        outcome = _scan(sim, _host(sim, name, fqdn=None), settings)
        assert outcome.kind is OutcomeKind.OK, outcome.reason
    # a pattern that names the wrong domain is refused, and the message says where the name came from
    outcome = _scan(sim, _host(sim, "TLS01"), _settings(sim, tls_name="{name}.other.test"))
    assert outcome.kind is OutcomeKind.TLS_ERROR
    assert "not tls01.other.test (--tls-name)" in outcome.reason


@pytest.mark.simulator
def test_without_verification_the_fqdn_is_still_sent_as_sni(sim: SimulatorThread) -> None:
    before = _sni(sim, "TLS03").get("tls03.contoso.test", 0)
    outcome = _scan(sim, _host(sim, "TLS03"), _settings(sim, verify_tls=False))
    assert outcome.kind is OutcomeKind.OK, outcome.reason
    assert _sni(sim, "TLS03")["tls03.contoso.test"] > before


@pytest.mark.simulator
def test_an_https_scan_from_the_cli_verifies_the_inventory_s_hosts(sim: SimulatorThread, tmp_path: Path) -> None:
    inventory = sim.write_inventory(tmp_path / "inventory.csv")  # name, fqdn, address, port, scheme, auth
    result = CliRunner().invoke(build_app(), [
        "scan", "--inventory", str(inventory), "--user", USER, "--ca-file", str(sim.ca_file), "--deadline", "20",
        "--json", str(tmp_path / "r.json"),
    ], env={"EXREADY_PASSWORD": PASSWORD})
    hosts = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["hosts"]
    outcomes = {h["name"]: h["outcome"] for h in hosts}
    assert outcomes["TLS01"]["kind"] == "ok", (result.output, outcomes["TLS01"])
    assert outcomes["TLS02"]["kind"] == "ok"
    assert outcomes["TLS03"]["kind"] == "tls_error"
    assert "names wrong-host.invalid, not tls03.contoso.test" in outcomes["TLS03"]["reason"]


def test_a_bad_tls_name_option_is_one_line_and_exit_code_3(tmp_path: Path) -> None:
    inventory = tmp_path / "hosts.txt"
    inventory.write_text("ex01.corp.example address=10.0.0.1\n", encoding="utf-8")
    result = CliRunner().invoke(build_app(), ["scan", "--inventory", str(inventory), "--scheme", "https",
                                              "--tls-name", "{host}.corp.example"])
    assert result.exit_code == 3, result.output
    assert "--tls-name '{host}.corp.example': unknown placeholder {host}" in result.output
    assert "Traceback" not in result.output


# -- which name, from where ---------------------------------------------------------------------------


def test_the_name_checked_and_where_it_comes_from() -> None:
    by_address = Host("EX01", fqdn="ex01.corp.example", address="10.0.0.1")
    assert tls_server_name(by_address) == TlsName("ex01.corp.example", "the host's FQDN")
    assert tls_server_name(Host("EX01", address="10.0.0.1")) == TlsName("10.0.0.1", "the address connected to")
    assert tls_server_name(Host("EX01")) == TlsName("ex01", "the name connected to")
    assert tls_server_name(by_address, "{name}.dmz.example") == TlsName("ex01.dmz.example", "--tls-name")
    assert tls_server_name(by_address, "{address}") == TlsName("10.0.0.1", "--tls-name")
    assert tls_server_name(by_address, "mail.corp.example") == TlsName("mail.corp.example", "--tls-name")
    column = Host("EX01", fqdn="ex01.corp.example", address="10.0.0.1", tls_name="owa.corp.example")
    assert tls_server_name(column, "{name}.dmz.example") == TlsName("owa.corp.example", "the inventory's tls_name")
    # Kerberos and TLS share the name the host's services go by
    assert service_hostname(by_address) == "ex01.corp.example"
    assert service_hostname(Host("EX01", address="10.0.0.1")) == "10.0.0.1"


def test_a_pattern_that_needs_what_the_inventory_lacks_is_that_host_s_tls_error() -> None:
    with pytest.raises(TlsError, match=r"needs the host's fqdn, which the inventory does not give"):
        tls_server_name(Host("EX01", address="10.0.0.1"), "{fqdn}")


@pytest.mark.parametrize(("pattern", "message"), [
    ("{host}.corp.example", "unknown placeholder {host}"),
    ("*.corp.example", "expected a host name"),
    ("ex01 corp", "expected a host name"),
    ("{name", "expected a host name"),
])
def test_bad_patterns_are_refused_up_front(pattern: str, message: str) -> None:
    with pytest.raises(UsageError, match=message.replace("{", r"\{").replace("*", r"\*")):
        TransportSettings(credentials=Credentials(USER, Secret(PASSWORD)), tls_name=pattern)


def test_the_inventory_reads_a_tls_name_column(tmp_path: Path) -> None:
    path = tmp_path / "hosts.csv"
    path.write_text("name,fqdn,address,tls_name\nEX01,ex01.corp.example,10.0.0.1,OWA.corp.example\n"
                    "EX02,ex02.corp.example,10.0.0.2,\n", encoding="utf-8")
    hosts = {h.name: h for h in load_inventory(path).hosts}
    assert hosts["EX01"].tls_name == "owa.corp.example"
    assert hosts["EX02"].tls_name is None
    listed = tmp_path / "hosts.txt"
    listed.write_text("ex01.corp.example address=10.0.0.1 tls_name=bad_name!\n", encoding="utf-8")
    with pytest.raises(InventoryError, match=r"hosts.txt:1: tls_name 'bad_name!' is not a host name"):
        load_inventory(listed)


def test_the_sweep_config_takes_a_tls_name_and_refuses_a_bad_one(tmp_path: Path) -> None:
    from scanner.errors import ConfigError
    from scanner.sweep.config import load_config

    path = tmp_path / "site.toml"
    path.write_text('[inventory]\nfile = "servers.txt"\n[winrm]\ntls_name = "{name}.corp.example"\n', encoding="utf-8")
    assert load_config(path).winrm.tls_name == "{name}.corp.example"
    path.write_text('[inventory]\nfile = "servers.txt"\n[winrm]\ntls_name = "{fqdn"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"site.toml: \[winrm\] tls_name '\{fqdn': expected a host name"):
        load_config(path)


def test_the_names_read_from_a_certificate_are_its_dns_names_and_addresses_else_its_cn() -> None:
    from scanner.simulator.certs import CertificateAuthority
    from scanner.transport.tls import CertificateNameMismatch, _names_of

    ca = CertificateAuthority()
    assert _names_of(ca.issue("ex01", ["ex01.corp.example", "mail.corp.example"], ["10.0.0.1"]).der) == (
        "ex01.corp.example", "mail.corp.example", "10.0.0.1")
    from cryptography.hazmat.primitives.serialization import Encoding

    assert _names_of(ca.cert.public_bytes(Encoding.DER)) == ("exready fleet simulator CA",)  # no SAN: the CN
    assert _names_of(b"\x30\x03garbage") is None
    names = tuple(f"n{i}.corp.example" for i in range(9))
    many = CertificateNameMismatch("10.0.0.1", names, "the address connected to")
    assert many.explain().startswith("the certificate names n0.corp.example, n1.corp.example, n2.corp.example, "
                                     "n3.corp.example, n4.corp.example, n5.corp.example and 3 more, not 10.0.0.1 "
                                     "(the address connected to)")
    unread = CertificateNameMismatch("ex01.corp.example", None)
    assert unread.explain().startswith("the certificate names another host, not ex01.corp.example (the name checked)")


@pytest.mark.simulator
def test_an_untrusted_certificate_is_still_reported_as_untrusted(sim: SimulatorThread) -> None:
    settings = TransportSettings(credentials=Credentials(USER, Secret(PASSWORD)), scheme=Scheme.HTTPS,
                                 auth=AuthMethod.BASIC, deadline=20.0, connection_timeout=3.0)
    outcome = _scan(sim, _host(sim, "TLS01"), settings)  # the system's trust store: not the simulator's CA
    assert outcome.kind is OutcomeKind.TLS_ERROR
    assert outcome.reason == "TLS failed (during connect): the certificate is not trusted (give the CA with --ca-file)"


def test_reading_the_names_of_a_mangled_certificate_never_raises() -> None:
    import random
    import warnings

    from scanner.simulator.certs import CertificateAuthority
    from scanner.transport.tls import _names_of

    der = CertificateAuthority().issue("ex01", ["ex01.corp.example"], ["10.0.0.1"]).der
    rng = random.Random(14)  # noqa: S311 - a reproducible fuzz, not a secret
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # cryptography warns of negative serial numbers it still parses
        for _ in range(20000):
            mangled = bytearray(der)
            for _ in range(rng.randint(1, 8)):
                at = rng.randrange(len(mangled))
                roll = rng.random()
                if roll < 0.6:
                    mangled[at] = rng.randrange(256)
                elif roll < 0.8:
                    del mangled[at]
                else:
                    mangled.insert(at, rng.randrange(256))
            names = _names_of(bytes(mangled))
            assert names is None or all(isinstance(n, str) and n.isprintable() and len(n) <= 100 for n in names)
