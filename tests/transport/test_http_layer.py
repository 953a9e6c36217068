"""Our HTTP layer under pypsrp (scanner.transport.http): replies as a WinRM listener sends them, and
every way a peer can break HTTP, against a scripted server on loopback; then the whole transport
against the fleet simulator (Negotiate with encryption over HTTP, Basic over verified HTTPS)."""

from __future__ import annotations

import hashlib
import socket
import ssl
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import spnego
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pypsrp.exceptions import AuthenticationError
from pypsrp.powershell import PowerShell, RunspacePool
from pypsrp.wsman import WSMan
from scripted_server import Serve, read_request, replying
from spnego._ntlm_raw.crypto import lmowfv1, ntowfv1

from scanner.model.outcome import OutcomeKind
from scanner.simulator import SimulatorThread, build_site
from scanner.transport import http
from scanner.transport.failures import classify, outcome_kind
from scanner.transport.sockets import SocketWatch
from scanner.transport.tls import sweep_tls_context

USER = "svc-http"
PASSWORD = "Http-Layer-Pass-3!"  # noqa: S105 - the simulated lab's account


def _conn(address: tuple[str, int], watch: SocketWatch | None = None) -> http.HttpConnection:
    return http.HttpConnection(address[0], address[1], tls=None, connect_timeout=5, watch=watch or SocketWatch())


def test_a_reply_with_a_length_and_repeated_headers(scripted: Serve) -> None:
    addr = scripted(replying(b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Negotiate\r\n"
                              b"WWW-Authenticate: Basic realm=\"WSMAN\"\r\nContent-Length: 3\r\n\r\nabc",
                              b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
    conn = _conn(addr)
    first = conn.post("/wsman", [], b"", 5)
    assert (first.status, first.body) == (401, b"abc")
    assert first.headers["www-authenticate"] == 'Negotiate, Basic realm="WSMAN"'
    second = conn.post("/wsman", [], b"x" * 20_000, 5)  # the same connection, a body sent apart
    assert (second.status, second.body) == (200, b"ok")
    conn.close()


def test_chunked_replies_and_interim_replies(scripted: Serve) -> None:
    addr = scripted(replying(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                              b"4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nX-Trailer: 1\r\n\r\n"))
    conn = _conn(addr)
    reply = conn.post("/wsman", [], b"", 5)
    assert (reply.status, reply.body) == (200, b"Wikipedia")
    conn.close()


def test_a_reply_without_length_runs_to_the_end_of_the_connection(
        scripted: Serve) -> None:
    addr = scripted(replying(b"HTTP/1.0 200 OK\r\n\r\nall of it"))
    conn = _conn(addr)
    assert conn.post("/wsman", [], b"", 5).body == b"all of it"
    assert not conn.connected


def test_connection_close_ends_the_connection(scripted: Serve) -> None:
    addr = scripted(replying(b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"))
    conn = _conn(addr)
    assert conn.post("/wsman", [], b"", 5).status == 503
    assert not conn.connected


@pytest.mark.parametrize(("reply", "error"), [
    (b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort", http.ReplyCutShort),
    (b"HTTP/1.1 200 OK\r\nContent-", http.ReplyCutShort),
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc", http.ReplyCutShort),
    (b"SSH-2.0-OpenSSH_9.6\r\n", http.NotHttp),
    (b"HTTP/1.1 abc OK\r\n\r\n", http.MalformedReply),
    (b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", http.MalformedReply),
    (b"HTTP/1.1 200 OK\r\nContent-Length: -4\r\n\r\n", http.MalformedReply),
    (b"", http.ConnectionClosed),
])
def test_a_peer_that_breaks_http(scripted: Serve, reply: bytes,
                                 error: type[Exception]) -> None:
    addr = scripted(replying(reply))
    conn = _conn(addr)
    with pytest.raises(error):
        conn.post("/wsman", [], b"", 5)
    assert not conn.connected  # a broken connection is never reused


def test_abort_ends_a_read_that_would_wait_for_its_timeout(scripted: Serve) -> None:
    release = threading.Event()

    def silent(conn: socket.socket) -> None:
        read_request(conn)
        release.wait(60)

    addr = scripted(silent)
    watch = SocketWatch()
    conn = _conn(addr, watch)
    conn.connect()
    timer = threading.Timer(0.3, watch.abort)
    timer.start()
    try:
        # a 60 s read timeout: only the abort can end this read; it ends as a closed connection,
        # never as the TimeoutError the read timeout would raise
        with pytest.raises(http.ConnectionClosed):
            conn.post("/wsman", [], b"", 60)
    finally:
        release.set()
        timer.cancel()


def test_a_connection_opened_after_abort_is_cut_at_once(scripted: Serve) -> None:
    addr = scripted(replying(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))
    watch = SocketWatch()
    watch.abort()
    conn = _conn(addr, watch)
    with pytest.raises(OSError):  # noqa: PT011 - shut down before the first byte: the OS names it
        conn.post("/wsman", [], b"", 60)


@pytest.mark.parametrize(("exc", "stage", "kind", "text"), [
    (http.ConnectTimedOut("x"), "connect", OutcomeKind.UNREACHABLE, "timed out"),
    (TimeoutError("timed out"), "run", OutcomeKind.TIMEOUT, "stopped answering"),
    (ConnectionRefusedError(111, "Connection refused"), "connect", OutcomeKind.UNREACHABLE, "refused"),
    (socket.gaierror(-2, "Name or service not known"), "connect", OutcomeKind.UNREACHABLE, "does not resolve"),
    (http.ReplyCutShort("x"), "run", OutcomeKind.REMOTE_FAULT, "cut short"),
    (http.NotHttp("x"), "connect", OutcomeKind.REMOTE_FAULT, "does not speak HTTP"),
    (http.ConnectionClosed("x"), "run", OutcomeKind.REMOTE_FAULT, "closed the connection"),
    (ConnectionResetError(104, "Connection reset by peer"), "run", OutcomeKind.REMOTE_FAULT, "closed"),
    (ConnectionResetError(104, "Connection reset by peer"), "connect", OutcomeKind.UNREACHABLE, "failed"),
    (ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: Hostname "
                                     "mismatch, certificate is not valid for 'x'. (_ssl.c:1006)"),
     "connect", OutcomeKind.TLS_ERROR, "name does not match"),
    (ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to "
                                     "get local issuer certificate (_ssl.c:1006)"),
     "connect", OutcomeKind.TLS_ERROR, "--ca-file"),
    (ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)"),
     "connect", OutcomeKind.TLS_ERROR, "does not speak TLS"),
])
def test_the_seam_maps_the_http_layer_failures(exc: BaseException, stage: str, kind: OutcomeKind, text: str) -> None:
    err = classify(exc, stage)
    assert outcome_kind(err) is kind
    assert text in str(err)


def _certificate(algorithm: hashes.SHA256 | hashes.SHA512) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "host.contoso.test")])
    import datetime as dt
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
            .sign(key, algorithm))
    from cryptography.hazmat.primitives.serialization import Encoding
    return cert.public_bytes(Encoding.DER)


def test_the_channel_binding_hash_follows_rfc_5929() -> None:
    der256 = _certificate(hashes.SHA256())
    der512 = _certificate(hashes.SHA512())
    assert http.certificate_hash(der256) == hashlib.sha256(der256).digest()
    assert http.certificate_hash(der512) == hashlib.sha512(der512).digest()


def test_ntlm_uses_hashes_derived_once_and_never_hands_the_password_to_kerberos(
        monkeypatch: pytest.MonkeyPatch) -> None:
    user, password = http.spnego_credentials("CONTOSO\\svc", "S3cret!")
    assert password is None and isinstance(user, list)
    # the hashes only: a Password would make pyspnego ask a KDC for a ticket on every host
    [ntlm] = user
    assert isinstance(ntlm, spnego.NTLMHash)
    assert ntlm.nt_hash == ntowfv1("S3cret!").hex() and ntlm.lm_hash == lmowfv1("S3cret!").hex()
    assert http.spnego_credentials(None, None) == (None, None)  # the Kerberos ticket cache
    monkeypatch.setattr(sys, "platform", "win32")  # SSPI takes no hashes
    assert http.spnego_credentials("CONTOSO\\svc", "S3cret!") == ("CONTOSO\\svc", "S3cret!")


# --- against the fleet simulator -----------------------------------------------------------------

@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatorThread]:
    doc = {
        "name": "http-layer", "seed": 3, "domain": {"dns": "contoso.test", "netbios": "CONTOSO"},
        "credentials": {"username": USER, "password": PASSWORD, "local": True},
        "baseline": "builtin", "defaults": {"schemes": ["http"], "auth": ["negotiate", "basic"]},
        "ad_sites": [{"name": "Paris", "pattern": "HTTP{n:02d}", "addresses": "127.61.1.0/28", "count": 2}],
        "hosts": [{"name": "TLS01", "ad_site": "Paris", "address": "127.61.2.1", "schemes": ["https"],
                   "auth": ["basic"]},
                  {"name": "DENY01", "ad_site": "Paris", "address": "127.61.2.2", "fault": "always_401"}],
    }
    with SimulatorThread(build_site(doc), tmp_path_factory.mktemp("sim")) as running:
        yield running


def _transport(sim: SimulatorThread, name: str, password: str = PASSWORD) -> http.WinRMHttpTransport:
    host = sim.host(name)
    https = host.http_port is None
    port = host.https_port if https else host.http_port
    assert port is not None and host.address is not None
    tls = None
    if https:
        from scanner.credentials import Credentials, Secret
        from scanner.transport.settings import TransportSettings
        tls = sweep_tls_context(TransportSettings(credentials=Credentials(USER, Secret(password)),
                                                  ca_file=sim.ca_file))
    return http.WinRMHttpTransport(host.address, port, https=https, path="wsman",
                                   auth="basic" if https else "negotiate", username=USER, password=password,
                                   tls=tls, connection_timeout=5, read_timeout=30, watch=SocketWatch(),
                                   tls_name=host.fqdn if https else None)  # the certificate names the FQDN


def _run_collector_like(transport: http.WinRMHttpTransport) -> list[object]:
    wsman = WSMan(transport.server, port=transport.port, username=USER, password=None, ssl=False,
                  auth="negotiate")
    wsman.transport = transport  # type: ignore[assignment]
    try:
        with RunspacePool(wsman) as pool:
            ps = PowerShell(pool)
            ps.add_script("# exready-collector 1.0.0\n$x = 1")
            return list(ps.invoke())
    finally:
        wsman.close()


@pytest.mark.simulator
def test_negotiate_with_message_encryption_runs_a_whole_session(sim: SimulatorThread) -> None:
    before = sim.stats().host("HTTP01")
    transport = _transport(sim, "HTTP01")
    output = _run_collector_like(transport)
    after = sim.stats().host("HTTP01")
    assert output and transport.encryption is not None  # sealed: the listener refuses clear text
    assert transport.negotiated_protocol == "ntlm"
    assert after.auth_ok - before.auth_ok == 1  # one logon for the whole session


@pytest.mark.simulator
def test_basic_over_verified_https_runs_a_whole_session(sim: SimulatorThread) -> None:
    transport = _transport(sim, "TLS01")
    assert _run_collector_like(transport)
    assert transport.negotiated_protocol == "basic" and transport.encryption is None


@pytest.mark.simulator
@pytest.mark.parametrize("name", ["HTTP02", "DENY01"])
def test_refused_credentials_cost_one_failed_logon(sim: SimulatorThread, name: str) -> None:
    before = sim.stats().host(name)
    transport = _transport(sim, name, password="wrong" if name == "HTTP02" else PASSWORD)
    with pytest.raises(AuthenticationError):
        _run_collector_like(transport)
    after = sim.stats().host(name)
    assert after.auth_fail - before.auth_fail == 1  # never a second try with the same credential


def test_the_tls_socket_is_watched_before_its_handshake(scripted: Serve,
                                                       tmp_path: Path) -> None:
    release = threading.Event()

    def no_handshake(conn: socket.socket) -> None:
        release.wait(60)  # accepts, then never answers the ClientHello

    addr = scripted(no_handshake)
    watch = SocketWatch()
    conn = http.HttpConnection(addr[0], addr[1], tls=ssl.create_default_context(), connect_timeout=60, watch=watch)
    timer = threading.Timer(0.3, watch.abort)
    timer.start()
    try:
        # the connect timeout is 60 s: only the abort ends the handshake, as an OSError, not a timeout
        with pytest.raises(OSError) as info:
            conn.connect()
        assert not isinstance(info.value, TimeoutError)
    finally:
        release.set()
        timer.cancel()
