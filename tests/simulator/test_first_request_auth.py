"""The simulated listener takes NTLM's AUTHENTICATE message with the first real WS-Man request, its body
already sealed, as a Windows listener takes it from Windows' own client: it completes its context, opens
that body, and answers with its last SPNEGO token (the mechListMIC) in the reply's WWW-Authenticate
header, without which the client cannot open the sealed reply."""

from __future__ import annotations

import base64
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import spnego
from pypsrp.encryption import WinRMEncryption

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "transport"))

from wsman_envelopes import create_envelope  # noqa: E402

from scanner.simulator import SimulatorThread, build_site  # noqa: E402
from scanner.transport import http  # noqa: E402
from scanner.transport.encrypted_body import open_encrypted  # noqa: E402
from scanner.transport.sockets import SocketWatch  # noqa: E402

USER = "svc-first"
PASSWORD = "First-Request-Pass-5!"  # noqa: S105 - the simulated lab's account


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatorThread]:
    doc = {
        "name": "first-request", "seed": 9, "domain": {"dns": "contoso.test", "netbios": "CONTOSO"},
        "credentials": {"username": USER, "password": PASSWORD, "local": True},
        "baseline": "builtin", "defaults": {"schemes": ["http"], "auth": ["negotiate"]},
        "ad_sites": [{"name": "Paris", "pattern": "FIRST{n:02d}", "addresses": "127.63.1.0/29", "count": 2}],
    }
    with SimulatorThread(build_site(doc), tmp_path_factory.mktemp("sim")) as running:
        yield running


def _negotiate(token: bytes) -> tuple[str, str]:
    return "Authorization", "Negotiate " + base64.b64encode(token).decode("ascii")


@pytest.mark.simulator
@pytest.mark.parametrize(("password", "status"), [(PASSWORD, 200), ("wrong", 401)])
def test_the_authenticate_message_rides_with_the_first_sealed_request(sim: SimulatorThread, password: str,
                                                                      status: int) -> None:
    host = sim.host("FIRST01")
    assert host.address is not None and host.http_port is not None
    before = sim.stats().host("FIRST01")
    context = spnego.client(USER, password, hostname=host.address, service="HTTP", protocol="negotiate",
                            options=spnego.NegotiateOptions.wrapping_winrm)
    conn = http.HttpConnection(host.address, host.http_port, tls=None, connect_timeout=5, watch=SocketWatch())
    try:
        challenge = conn.post("/wsman", [_negotiate(context.step() or b"")], b"", 10)
        assert challenge.status == 401
        in_token = http.token_of(challenge)
        assert in_token is not None
        authenticate = context.step(in_token) or b""
        sealing = WinRMEncryption(context, WinRMEncryption.SPNEGO)
        content_type, body = sealing.wrap_message(create_envelope())
        reply = conn.post("/wsman", [_negotiate(authenticate), (
            "Content-Type", f'{content_type};protocol="{sealing.protocol}";boundary="Encrypted Boundary"')],
            body, 10)
    finally:
        conn.close()
    after = sim.stats().host("FIRST01")
    assert reply.status == status
    if status == 401:  # the refused credential is one failed logon, the breaker's to count
        assert (after.auth_fail - before.auth_fail, after.auth_ok - before.auth_ok) == (1, 0)
        return
    assert after.auth_ok - before.auth_ok == 1
    final = http.token_of(reply)
    assert final is not None  # the acceptor's last SPNEGO token, on the 200
    context.step(final)
    assert context.complete
    plain = open_encrypted(reply.body, reply.headers["content-type"], context.unwrap_winrm)
    assert b"CreateResponse" in plain
