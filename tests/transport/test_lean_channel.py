"""The lean WinRM channel (scanner.transport.lean_channel): the envelopes pypsrp builds, sent on the event
loop to the fleet simulator (NTLM sealed over HTTP, Basic over verified HTTPS, NTLM over HTTPS with its
channel binding), authenticated with the first real request as Windows' own client does; and every way a
session fails, against scripted peers, ending as the exception the blocking transport raises."""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import pytest
from pypsrp.exceptions import AuthenticationError, WinRMTransportError
from scripted_server import Serve, read_request, replying
from test_hostile_replies import OK, MiB, _flooding
from wsman_envelopes import create_envelope, delete_envelope, shell_id_of

from scanner.credentials import Credentials, Secret
from scanner.errors import AuthFailed, DeadlineExceeded, RemoteFault, TlsError, Unreachable
from scanner.simulator import SimulatorThread, build_site
from scanner.transport import http, lean_channel
from scanner.transport.failures import classify
from scanner.transport.http_reply import ConnectionClosed, ReplyTooLarge
from scanner.transport.lean_channel import LeanChannel
from scanner.transport.settings import TransportSettings
from scanner.transport.sockets import SocketWatch
from scanner.transport.tls import CertificateNameMismatch, sweep_tls_context

USER = "svc-lean"
PASSWORD = "Lean-Channel-Pass-7!"  # noqa: S105 - the simulated lab's account
_T = TypeVar("_T")


def _run(make: Callable[[], Awaitable[_T]]) -> _T:
    """One event loop for a test, with a guard so a send that never ends fails the test instead of hanging."""
    async def guarded() -> _T:
        async with asyncio.timeout(120):
            return await make()
    return asyncio.run(guarded())


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatorThread]:
    doc = {
        "name": "lean-channel", "seed": 5, "domain": {"dns": "contoso.test", "netbios": "CONTOSO"},
        "credentials": {"username": USER, "password": PASSWORD, "local": True},
        "baseline": "builtin", "defaults": {"schemes": ["http"], "auth": ["negotiate", "basic"]},
        "ad_sites": [{"name": "Paris", "pattern": "LEAN{n:02d}", "addresses": "127.62.1.0/27", "count": 8}],
        "hosts": [{"name": "TLS01", "ad_site": "Paris", "address": "127.62.2.1", "schemes": ["https"],
                   "auth": ["basic"]},
                  {"name": "NTLMS01", "ad_site": "Paris", "address": "127.62.2.2", "schemes": ["https"],
                   "auth": ["negotiate"]},
                  {"name": "DENY01", "ad_site": "Paris", "address": "127.62.2.3", "fault": "always_401"}],
    }
    # strict_cbt: the listener checks the channel binding of NTLM over HTTPS, as Windows' "Strict" hardening
    with SimulatorThread(build_site(doc), tmp_path_factory.mktemp("sim"), strict_cbt=True) as running:
        yield running


def _tls(sim: SimulatorThread) -> ssl.SSLContext:
    return sweep_tls_context(TransportSettings(credentials=Credentials(USER, Secret(PASSWORD)), ca_file=sim.ca_file))


def _channel(sim: SimulatorThread, name: str, *, password: str = PASSWORD, auth: str | None = None,
             tls_name: str | None = "fqdn", **kwargs: Any) -> LeanChannel:
    host = sim.host(name)
    https = host.http_port is None
    port = host.https_port if https else host.http_port
    assert port is not None and host.address is not None
    return LeanChannel(host.address, port, https=https, path="wsman",
                       auth=auth or ("basic" if name == "TLS01" else "negotiate"), username=USER,
                       password=password, tls=_tls(sim) if https else None, connection_timeout=5, read_timeout=30,
                       tls_name=(host.fqdn if tls_name == "fqdn" else tls_name) if https else None, **kwargs)


async def _open_and_delete_a_shell(channel: LeanChannel) -> bytes:
    """A Create of a runspace pool and the Delete of its shell, as pypsrp builds them."""
    created = await channel.send(create_envelope())
    assert b"CreateResponse" in created
    deleted = await channel.send(delete_envelope(shell_id_of(created)))
    assert b"DeleteResponse" in deleted
    return created


# --- against the simulator ---------------------------------------------------------------------------------

@pytest.mark.simulator
@pytest.mark.parametrize(("first_request", "posts"), [(True, 3), (False, 4)])
def test_ntlm_sealed_over_http_authenticates_with_the_first_request(sim: SimulatorThread, first_request: bool,
                                                                    posts: int) -> None:
    accepted: list[str] = []
    channel = _channel(sim, "LEAN01", on_accepted=lambda: accepted.append("yes"),
                       auth_with_first_request=first_request)
    before = sim.stats().host("LEAN01")

    async def session() -> None:
        await _open_and_delete_a_shell(channel)
        await channel.close()

    _run(session)
    after = sim.stats().host("LEAN01")
    assert channel.encryption is not None and channel.negotiated_protocol == "ntlm"
    assert accepted == ["yes"]
    assert after.auth_ok - before.auth_ok == 1
    # NEGOTIATE on an empty POST, then the Create carrying the AUTHENTICATE message, then the Delete;
    # the empty-POST handshake costs one POST more
    assert after.requests - before.requests == posts
    assert channel.received > 0


@pytest.mark.simulator
def test_basic_over_verified_https(sim: SimulatorThread) -> None:
    accepted: list[str] = []
    channel = _channel(sim, "TLS01", on_accepted=lambda: accepted.append("yes"))

    async def session() -> None:
        await _open_and_delete_a_shell(channel)
        await channel.close()

    _run(session)
    assert channel.negotiated_protocol == "basic" and channel.encryption is None
    assert accepted == ["yes"]


@pytest.mark.simulator
@pytest.mark.parametrize("first_request", [True, False])
def test_ntlm_over_https_carries_the_channel_binding(sim: SimulatorThread, first_request: bool) -> None:
    channel = _channel(sim, "NTLMS01", auth_with_first_request=first_request)

    async def session() -> None:
        await _open_and_delete_a_shell(channel)
        await channel.close()

    _run(session)
    assert channel.negotiated_protocol == "ntlm" and channel.encryption is None  # TLS protects the messages


@pytest.mark.simulator
def test_a_wrong_channel_binding_is_refused(sim: SimulatorThread, monkeypatch: pytest.MonkeyPatch) -> None:
    # the control of the test above: the listener does check the binding
    monkeypatch.setattr(lean_channel, "certificate_hash", lambda der: b"\x00" * 32)
    channel = _channel(sim, "NTLMS01")
    with pytest.raises(AuthenticationError):
        _run(lambda: channel.send(create_envelope()))


@pytest.mark.simulator
@pytest.mark.parametrize(("name", "password", "first_request"), [
    ("LEAN02", "wrong", True), ("LEAN02", "wrong", False), ("DENY01", PASSWORD, True),
])
def test_a_refused_credential_is_an_authentication_failure(sim: SimulatorThread, name: str, password: str,
                                                           first_request: bool) -> None:
    accepted: list[str] = []
    channel = _channel(sim, name, password=password, on_accepted=lambda: accepted.append("yes"),
                       auth_with_first_request=first_request)
    before = sim.stats().host(name)
    with pytest.raises(AuthenticationError) as info:
        _run(lambda: channel.send(create_envelope()))
    after = sim.stats().host(name)
    assert isinstance(classify(info.value, "open"), AuthFailed)
    assert after.auth_fail - before.auth_fail == 1  # one failed logon, never a second try
    assert accepted == []


@pytest.mark.simulator
def test_a_certificate_for_another_name_is_explained_as_the_blocking_transport_does(sim: SimulatorThread) -> None:
    host = sim.host("TLS01")
    assert host.address is not None and host.https_port is not None
    channel = _channel(sim, "TLS01", tls_name=None)  # checked against the address; it names the FQDN
    with pytest.raises(CertificateNameMismatch) as lean:
        _run(lambda: channel.send(create_envelope()))
    blocking = http.WinRMHttpTransport(host.address, host.https_port, https=True, path="wsman", auth="basic",
                                       username=USER, password=PASSWORD, tls=_tls(sim), connection_timeout=5,
                                       read_timeout=30, watch=SocketWatch())
    with pytest.raises(CertificateNameMismatch) as old:
        blocking.send(create_envelope())
    assert host.fqdn.lower() in lean.value.explain().lower()
    assert str(classify(lean.value, "connect")) == str(classify(old.value, "connect"))
    assert isinstance(classify(lean.value, "connect"), TlsError)


@pytest.mark.simulator
def test_a_ws_man_fault_comes_back_as_the_blocking_transport_raises_it(sim: SimulatorThread) -> None:
    channel = _channel(sim, "LEAN03")
    with pytest.raises(WinRMTransportError) as info:  # a Delete of a shell that does not exist
        _run(lambda: channel.send(delete_envelope("00000000-0000-0000-0000-000000000000")))
    assert info.value.code == 500 and "Fault" in info.value.response_text


@pytest.mark.simulator
def test_two_hundred_ntlm_sessions_in_one_loop_without_a_thread(sim: SimulatorThread) -> None:
    names = [f"LEAN{n:02d}" for n in range(1, 9)]
    channels = [_channel(sim, names[i % len(names)]) for i in range(200)]
    threads_before = threading.active_count()
    seen: list[int] = []

    async def one(channel: LeanChannel) -> None:
        created = await channel.send(create_envelope())
        seen.append(threading.active_count())
        await channel.send(delete_envelope(shell_id_of(created)))
        await channel.close()

    async def sweep() -> None:
        await asyncio.gather(*(one(c) for c in channels))

    _run(sweep)
    assert len(seen) == 200 and set(seen) == {threads_before}
    assert all(c.negotiated_protocol == "ntlm" for c in channels)


# --- failures, against scripted peers ---------------------------------------------------------------------

def _plain(addr: tuple[str, int], *, auth: str = "basic", read_timeout: float = 30,
           connection_timeout: float = 5) -> LeanChannel:
    return LeanChannel(addr[0], addr[1], https=False, path="wsman", auth=auth, username="u", password="p",  # noqa: S106
                       tls=None, connection_timeout=connection_timeout, read_timeout=read_timeout)


def test_a_refused_connection() -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    channel = _plain(("127.0.0.1", port))
    with pytest.raises(ConnectionRefusedError) as info:
        _run(lambda: channel.send(b"<x/>"))
    err = classify(info.value, "connect", port=port)
    assert isinstance(err, Unreachable) and "refused" in str(err)


def test_a_connection_that_is_never_accepted_times_out() -> None:
    # a listener with a full backlog drops the SYN: the connection neither succeeds nor fails
    with socket.create_server(("127.0.0.1", 0), backlog=0) as full, socket.create_connection(full.getsockname()):
        channel = _plain(full.getsockname()[:2], connection_timeout=0.5)
        with pytest.raises(http.ConnectTimedOut) as info:
            _run(lambda: channel.send(b"<x/>"))
    err = classify(info.value, "connect")
    assert isinstance(err, Unreachable) and "timed out" in str(err)


def _silent(release: threading.Event) -> Callable[[socket.socket], None]:
    def script(conn: socket.socket) -> None:
        read_request(conn)
        release.wait(60)
    return script


def test_a_tls_handshake_that_never_ends_times_out(scripted: Serve) -> None:
    release = threading.Event()
    addr = scripted(lambda conn: release.wait(60))  # accepts, never answers the ClientHello
    channel = LeanChannel(addr[0], addr[1], https=True, path="wsman", auth="basic", username="u", password="p",  # noqa: S106
                          tls=ssl.create_default_context(), connection_timeout=0.5, read_timeout=30)
    try:
        with pytest.raises(http.ConnectTimedOut) as info:
            _run(lambda: channel.send(b"<x/>"))
    finally:
        release.set()
    assert "TLS handshake" in str(info.value)


def test_a_host_that_stops_answering_is_a_read_timeout(scripted: Serve) -> None:
    release = threading.Event()
    addr = scripted(_silent(release))
    channel = _plain(addr, read_timeout=0.3)
    try:
        with pytest.raises(TimeoutError) as info:
            _run(lambda: channel.send(b"<x/>"))
    finally:
        release.set()
    assert not isinstance(info.value, http.ConnectTimedOut)
    assert isinstance(classify(info.value, "run"), DeadlineExceeded)


def test_a_reply_past_the_cap_on_a_winrm_reply(scripted: Serve) -> None:
    addr = scripted(_flooding(OK + b"Content-Length: 2097152\r\n\r\n", 2 * MiB))
    channel = _plain(addr)
    with pytest.raises(ReplyTooLarge) as info:
        _run(lambda: channel.send(b"<x/>"))
    err = classify(info.value, "run")
    assert isinstance(err, RemoteFault) and "2,097,152 bytes, past the 1 MiB cap" in str(err)


def test_a_session_past_the_cap_on_a_host(scripted: Serve) -> None:
    piece = b"<a/>" * (900 * 1024 // 4)
    addr = scripted(replying(*[OK + b"Content-Length: " + str(len(piece)).encode() + b"\r\n\r\n" + piece] * 6))
    channel = _plain(addr)

    async def session() -> None:
        for _ in range(4):
            assert await channel.send(b"<x/>") == piece
        await channel.send(b"<x/>")

    with pytest.raises(ReplyTooLarge) as info:
        _run(session)
    assert "4,608,000 bytes in one session, past the 4 MiB cap" in str(classify(info.value, "run"))


def test_an_error_status_carries_its_body(scripted: Serve) -> None:
    addr = scripted(replying(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 7\r\n\r\n<fault>"))
    with pytest.raises(WinRMTransportError) as info:
        _run(lambda: _plain(addr).send(b"<x/>"))
    assert (info.value.code, info.value.response_text) == (500, "<fault>")


@pytest.mark.parametrize("stage", ["reply", "handshake"])
def test_abort_ends_a_pending_send_at_once(scripted: Serve, stage: str) -> None:
    release = threading.Event()
    if stage == "reply":
        addr = scripted(_silent(release))
        channel = _plain(addr, read_timeout=600)
    else:
        addr = scripted(lambda conn: release.wait(60))
        channel = LeanChannel(addr[0], addr[1], https=True, path="wsman", auth="basic", username="u",
                              password="p", tls=ssl.create_default_context(), connection_timeout=600,  # noqa: S106
                              read_timeout=600)

    async def deadline() -> None:
        asyncio.get_running_loop().call_later(0.3, channel.abort)
        # the timeouts are ten minutes and the test's guard two: only abort() can end this send
        await channel.send(b"<x/>")

    try:
        with pytest.raises(ConnectionClosed) as info:
            _run(deadline)
        with pytest.raises(ConnectionClosed):
            _run(lambda: channel.send(b"<x/>"))  # and the channel stays closed
    finally:
        release.set()
    assert isinstance(classify(info.value, "run"), RemoteFault)


def _room_for_sockets(needed: int) -> None:
    """Raise the soft open-file limit toward ``needed`` where the platform allows it, else skip."""
    try:
        import resource
    except ImportError:  # Windows: no per-process descriptor limit of this kind
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        if hard != resource.RLIM_INFINITY and hard < needed:
            pytest.skip(f"the open-file limit ({hard}) is below the {needed} sockets this test holds")
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))


def test_a_thousand_channels_in_flight_in_one_loop_without_a_thread() -> None:
    count = 1000
    _room_for_sockets(2 * count + 100)  # each channel's socket and the server's side of it
    threads_before = threading.active_count()

    async def sweep() -> tuple[list[bytes], int, int]:
        arrived = 0
        all_in = asyncio.Event()
        at_peak: list[int] = []

        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            nonlocal arrived
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
            body = await reader.readexactly(length)
            arrived += 1
            if arrived == count:
                at_peak.append(threading.active_count())
                all_in.set()
            await all_in.wait()  # every request is in flight before any is answered
            writer.write(OK + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(serve, "127.0.0.1", 0, backlog=count)
        port = server.sockets[0].getsockname()[1]
        channels = [_plain(("127.0.0.1", port)) for _ in range(count)]
        async with server:
            replies = await asyncio.gather(*(c.send(b"<envelope n='%d'/>" % i) for i, c in enumerate(channels)))
            for c in channels:
                await c.close()
        return replies, arrived, at_peak[0]

    replies, arrived, threads_at_peak = _run(sweep)
    assert arrived == count
    assert replies == [b"<envelope n='%d'/>" % i for i in range(count)]
    assert threads_at_peak == threads_before  # no thread per channel, nor a pool of them


def test_a_challenge_that_is_not_base64_is_a_broken_reply_on_both_channels(scripted: Serve) -> None:
    challenge = b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Negotiate abc\r\nContent-Length: 0\r\n\r\n"
    lean_addr, old_addr = scripted(replying(challenge)), scripted(replying(challenge))
    with pytest.raises(http.MalformedReply) as lean:
        _run(lambda: _plain(lean_addr, auth="negotiate").send(b"<x/>"))
    blocking = http.WinRMHttpTransport(old_addr[0], old_addr[1], https=False, path="wsman", auth="negotiate",
                                       username="u", password="p", tls=None, connection_timeout=5,  # noqa: S106
                                       read_timeout=30, watch=SocketWatch())
    with pytest.raises(http.MalformedReply) as old:
        blocking.send(b"<x/>")
    blocking.close()
    assert str(lean.value) == str(old.value) == "an authentication token that is not base64"
    assert isinstance(classify(lean.value, "open"), RemoteFault)
