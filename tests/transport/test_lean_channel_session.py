"""The lean conversation (scanner.transport.lean_session) over the lean channel, end to end against the
fleet simulator: a whole collector session with NTLM sealed over HTTP (the AUTHENTICATE message with the
first request) and with Basic over verified HTTPS, and a refused password, each ending with the outcome
the blocking path gives. The channel is passed as the session's channel factory, as the sweep would."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest

from scanner.collect.session import CollectorSession, collector_for
from scanner.credentials import Credentials, Secret
from scanner.facts.parse import parse_collector_output
from scanner.model.host import AuthMethod, Host, Scheme
from scanner.model.outcome import OutcomeKind
from scanner.simulator import SimulatorThread, build_site
from scanner.transport.lean_channel import LeanChannel
from scanner.transport.lean_session import ChannelSpec
from scanner.transport.settings import TransportSettings

pytestmark = pytest.mark.simulator

USER = "svc-lean-session"
PASSWORD = "Lean-Session-Pass-3!"  # noqa: S105 - the simulated lab's account


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatorThread]:
    doc = {
        "name": "lean-session", "seed": 11, "domain": {"dns": "contoso.test", "netbios": "CONTOSO"},
        "credentials": {"username": USER, "password": PASSWORD, "local": True},
        "baseline": "builtin", "defaults": {"schemes": ["http"], "auth": ["negotiate", "basic"]},
        "ad_sites": [{"name": "Paris", "pattern": "LS{n:02d}", "addresses": "127.62.8.0/29", "count": 3}],
        "hosts": [{"name": "LSTLS01", "ad_site": "Paris", "address": "127.62.9.1", "schemes": ["https"],
                   "auth": ["basic"]}],
    }
    with SimulatorThread(build_site(doc), tmp_path_factory.mktemp("sim")) as running:
        yield running


def _lean(spec: ChannelSpec) -> LeanChannel:
    return LeanChannel(spec.server, spec.port, https=spec.https, path=spec.path, auth=spec.auth,
                       username=spec.username, password=spec.password, tls=spec.tls,
                       connection_timeout=spec.connection_timeout, read_timeout=spec.read_timeout,
                       tls_name=spec.tls_name, hostname_override=spec.hostname_override, service=spec.service,
                       on_accepted=spec.on_accepted)


def _outcome(sim: SimulatorThread, name: str, password: str = PASSWORD) -> tuple[OutcomeKind, str, int, int]:
    host = sim.host(name)
    https = host.http_port is None
    assert host.address is not None
    target = Host(name=host.name, address=host.address, port=host.https_port if https else host.http_port,
                  scheme=Scheme.HTTPS if https else Scheme.HTTP, tls_name=host.fqdn if https else None)
    settings = TransportSettings(credentials=Credentials(USER, Secret(password)), ca_file=sim.ca_file,
                                 auth=AuthMethod.BASIC if https else AuthMethod.NTLM, connection_timeout=10,
                                 read_timeout=30, operation_timeout=10, deadline=60)
    session = CollectorSession(target, settings, collector_for, parse_collector_output, channel_factory=_lean)
    assert session.lean
    before = sim.stats().host(name)
    threads_before = threading.active_count()
    outcome = asyncio.run(session.run_outcome_async())
    after = sim.stats().host(name)
    assert threading.active_count() == threads_before
    return outcome.kind, outcome.reason or "", after.requests - before.requests, after.auth_fail - before.auth_fail


def test_a_whole_session_with_ntlm_sealed_over_http(sim: SimulatorThread) -> None:
    kind, reason, posts, failed = _outcome(sim, "LS01")
    assert kind is OutcomeKind.OK, reason
    assert failed == 0 and posts > 0


def test_a_whole_session_with_basic_over_verified_https(sim: SimulatorThread) -> None:
    kind, reason, _, _ = _outcome(sim, "LSTLS01")
    assert kind is OutcomeKind.OK, reason


def test_a_refused_password_ends_as_an_authentication_failure(sim: SimulatorThread) -> None:
    kind, _, _, failed = _outcome(sim, "LS02", password="wrong")  # noqa: S106
    assert kind is OutcomeKind.AUTH_FAILED
    assert failed == 1
