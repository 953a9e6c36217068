"""One host's collector session as asyncio code: the fixed WS-Man/PSRP conversation of
``scanner.transport.psrp_lean`` over a channel that sends one envelope and returns the reply body.

No thread waits on a host: thousands of sessions are tasks of one event loop. The conversation is
the one pypsrp holds for ``scanner.transport.winrm.HostSession`` (same requests, same bytes, same
order, the same handling of a w:TimedOut long poll, of the deadline and of closing), and every
failure leaves through the same mapping (``answer.session_failure`` over ``failures.classify``), so
a host gets the same outcome whichever path ran it. pypsrp stays the path for Kerberos and CredSSP
(``lean_applies``) and for anyone who asks for it (``--transport pypsrp``).
"""

from __future__ import annotations

import asyncio
import ssl
import threading
import time
import uuid
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

from pypsrp.exceptions import InvalidPSRPOperation, WinRMTransportError, WSManFaultError

from scanner.errors import CollectorError, DeadlineExceeded, TransportError
from scanner.model.host import AuthMethod, Host, Scheme
from scanner.transport import psrp_lean as lean
from scanner.transport.answer import (
    RawAnswer,
    RemoteVersions,
    ScriptChoice,
    explain_script_failure,
    first_error_line,
    session_failure,
    versions_from,
)
from scanner.transport.kerberos import SERVICE, has_kerberos_source, service_principal
from scanner.transport.lean_channel import LeanChannel
from scanner.transport.names import TlsName, tls_server_name
from scanner.transport.serializer import FastSerializer
from scanner.transport.settings import TransportSettings
from scanner.transport.tls import sweep_tls_context

# Closing a session that went wrong gets this long, not the full timeouts (as HostSession).
_CLOSE_TIMEOUT = 5.0
_LEAN_AUTH = frozenset({AuthMethod.NEGOTIATE, AuthMethod.NTLM, AuthMethod.BASIC})


def lean_applies(host: Host, settings: TransportSettings) -> bool:
    """Whether this host's session runs on the lean path: asked for (the default), and NTLM, Negotiate
    without a Kerberos credential (which then authenticates with NTLM), or Basic. Kerberos and CredSSP
    stay on pypsrp's path."""
    if settings.transport != "lean":
        return False
    try:
        _, auth, _ = settings.endpoint(host)
    except Exception:  # noqa: BLE001 - a refused endpoint fails the same way on pypsrp's path
        return False
    if auth not in _LEAN_AUTH:
        return False
    return not (auth is AuthMethod.NEGOTIATE and has_kerberos_source(settings.credentials))


class Channel(Protocol):
    """One host's HTTP channel: sends an envelope, returns the reply body; raises what
    ``scanner.transport.http.WinRMHttpTransport`` raises (WinRMTransportError carries an error reply)."""

    async def send(self, message: bytes, *, read_timeout: float | None = None) -> bytes: ...

    def abort(self) -> None: ...

    async def close(self) -> None: ...

    @property
    def negotiated_protocol(self) -> str | None: ...

    @property
    def received(self) -> int: ...

    @property
    def endpoint(self) -> str: ...


@dataclass(frozen=True, slots=True)
class ChannelSpec:
    """Everything a channel needs to reach and authenticate to one host."""

    server: str
    port: int
    https: bool
    path: str
    auth: str  # basic, negotiate, ntlm
    username: str | None
    password: str | None = field(repr=False)
    tls: ssl.SSLContext | None
    connection_timeout: float
    read_timeout: float
    hostname_override: str | None
    service: str
    tls_name: str | None
    on_accepted: Callable[[], None]


ChannelFactory = Callable[[ChannelSpec], Channel]


class ThreadedTransportChannel:
    """The blocking ``WinRMHttpTransport`` run in a thread per request, under the lean conversation: what
    the benchmarks compare the asyncio channel with, and what the byte-for-byte test records through
    (a thread waits only while a request is on the wire). Sessions use ``default_channel``."""

    def __init__(self, spec: ChannelSpec) -> None:
        from scanner.transport.http import WinRMHttpTransport
        from scanner.transport.sockets import SocketWatch

        self._watch = SocketWatch()
        self._watch.on_accepted = spec.on_accepted
        self._transport = WinRMHttpTransport(
            spec.server, spec.port, https=spec.https, path=spec.path, auth=spec.auth, username=spec.username,
            password=spec.password, tls=spec.tls, connection_timeout=spec.connection_timeout,
            read_timeout=spec.read_timeout, watch=self._watch, hostname_override=spec.hostname_override,
            service=spec.service, tls_name=spec.tls_name)

    async def send(self, message: bytes, *, read_timeout: float | None = None) -> bytes:
        transport = self._transport
        return await asyncio.get_running_loop().run_in_executor(
            _executor(), lambda: transport.send(message, timeout=read_timeout))

    def abort(self) -> None:
        self._watch.abort()

    async def close(self) -> None:
        self._transport.close()

    @property
    def negotiated_protocol(self) -> str | None:
        return self._transport.negotiated_protocol

    @property
    def received(self) -> int:
        return self._transport.received

    @property
    def endpoint(self) -> str:
        return self._transport.endpoint


# The fallback channel's threads: one per request on the wire (a long-poll Receive holds its thread for
# seconds), created as needed and reused. Not asyncio's default executor: its few threads (CPUs + 4)
# would let only that many hosts wait at once.
_EXECUTOR: ThreadPoolExecutor | None = None
_EXECUTOR_LOCK = threading.Lock()
_MAX_THREADS = 5000  # the highest --concurrency


def _executor() -> ThreadPoolExecutor:
    global _EXECUTOR
    with _EXECUTOR_LOCK:
        if _EXECUTOR is None:
            _EXECUTOR = ThreadPoolExecutor(max_workers=_MAX_THREADS, thread_name_prefix="exready-http")
        return _EXECUTOR


def default_channel(spec: ChannelSpec) -> Channel:
    """The channel sessions use unless told otherwise: the asyncio one (no thread per host), which
    authenticates with the first real request and raises what the blocking transport raises."""
    return LeanChannel(spec.server, spec.port, https=spec.https, path=spec.path, auth=spec.auth,
                       username=spec.username, password=spec.password, tls=spec.tls,
                       connection_timeout=spec.connection_timeout, read_timeout=spec.read_timeout,
                       tls_name=spec.tls_name, hostname_override=spec.hostname_override, service=spec.service,
                       on_accepted=spec.on_accepted)


# Sending the collector is the one large request of a session (its 26 KB script, base64-encoded in the
# envelope, then sealed: some 100 KB in copies while the request is out). Thousands of sessions start
# together and reach it together, so without a bound their copies pile up at once (about 145 KB per
# session in flight, measured at 2,000 in flight) and the allocator keeps the peak. This many sessions
# send it at a time; the request returns at once (the long wait is the Receive after it).
SCRIPT_SENDS_AT_ONCE = 64
_GATES: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


def _script_gate() -> asyncio.Semaphore:
    """The running loop's bound on sessions sending their collector at once (one per loop: a
    semaphore belongs to the loop it is used in; worker processes have their own)."""
    loop = asyncio.get_running_loop()
    gate = _GATES.get(loop)
    if gate is None:
        gate = _GATES[loop] = asyncio.Semaphore(SCRIPT_SENDS_AT_ONCE)
    return gate


def _new_id() -> str:
    return str(uuid.uuid4()).upper()


class LeanHostSession:
    """A single collector run on one host, as a coroutine. ``run`` in the loop; ``abort`` from it."""

    def __init__(self, host: Host, settings: TransportSettings, script: ScriptChoice,
                 tls_context: ssl.SSLContext | None = None,
                 channel_factory: ChannelFactory = default_channel,
                 new_id: Callable[[], str] = _new_id) -> None:
        self.host = host
        self._settings = settings
        self._script = script
        self._tls_context = tls_context
        self._factory = channel_factory
        self._new_id = new_id
        self._channel: Channel | None = None
        self._tls_name: TlsName | None = None
        self._aborted = False
        self._on_accepted: Callable[[], None] | None = None
        self._accepted = False
        self.stage = "connect"
        # the conversation's state
        self._ep: lean.Endpoint | None = None
        self._uri = f"http://schemas.microsoft.com/powershell/{settings.configuration_name}"
        self._selectors: tuple[tuple[str, str], ...] = ()
        self._shell_open = False
        self._broken = False
        self._max_envelope = lean.DEFAULT_ENVELOPE
        self._defrag = lean.Defragmenter()

    def abort(self) -> None:
        self._aborted = True
        if self._channel is not None:
            self._channel.abort()

    def on_accepted(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once when the host accepts the credential."""
        self._on_accepted = callback

    def _accepted_now(self) -> None:
        if self._accepted:
            return
        self._accepted = True
        if self._on_accepted is not None:
            self._on_accepted()

    async def run(self) -> RawAnswer:
        """Raise ``TransportError`` or ``CollectorError`` (or CancelledError); never anything else."""
        started = time.monotonic()
        deadline = started + self._settings.deadline
        channel: Channel | None = None
        try:
            channel = self._factory(self._spec())
            self._channel = channel
            if self._aborted:
                channel.abort()
            remote = await self._open(channel)
            auth = self._settings.endpoint(self.host)[1]
            mechanism = channel.negotiated_protocol or auth.value
            script = self._script if isinstance(self._script, str) else self._script(remote)
            self.stage = "run"
            output = await self._invoke(channel, script, remote.protocol, deadline)
            self.stage = "close"
            await self._close(channel)
            return RawAnswer(output=output, auth_mechanism=mechanism, elapsed_s=time.monotonic() - started,
                             remote=remote)
        except (TransportError, CollectorError):
            raise
        except Exception as exc:  # the seam: every foreign exception is mapped here
            raise session_failure(exc, stage=self.stage, host=self.host, settings=self._settings,
                                  aborted=self._aborted, tls_name=self._tls_name) from exc
        finally:
            if channel is not None:
                if self._shell_open:
                    await self._close(channel)
                await channel.close()

    def _spec(self) -> ChannelSpec:
        s = self._settings
        scheme, auth, port = s.endpoint(self.host)
        creds = s.credentials
        https = scheme is Scheme.HTTPS
        tls_name = tls_server_name(self.host, s.tls_name) if https else None
        self._tls_name = tls_name
        hostname_override, service = None, SERVICE
        spn = service_principal(self.host) if auth is AuthMethod.NEGOTIATE else None
        if spn is not None:
            hostname_override, service = spn.hostname, spn.service
        return ChannelSpec(
            server=self.host.target, port=port, https=https, path=s.http_path, auth=auth.value,
            username=creds.username, password=creds.password.reveal() if creds.password is not None else None,
            tls=(self._tls_context or sweep_tls_context(s)) if https else None,
            connection_timeout=s.connection_timeout, read_timeout=s.read_timeout,
            hostname_override=hostname_override, service=service,
            tls_name=tls_name.name if tls_name is not None else None, on_accepted=self._accepted_now)

    async def _call(self, channel: Channel, envelope: bytes, message_id: str,
                    read_timeout: float | None = None) -> Any:
        """One request: the reply's s:Body, or the WS-Man fault pypsrp would raise for it."""
        try:
            body = await channel.send(envelope, read_timeout=read_timeout)
        except WinRMTransportError as err:
            try:
                fault = lean.wsman_fault(err.response_text)
            except Exception:  # noqa: BLE001 - pypsrp: not XML, so no WS-Man fault: the HTTP error stands
                raise err from None
            raise fault from err
        return lean.reply_body(body, message_id)

    async def _open(self, channel: Channel) -> RemoteVersions:
        """Create the shell with the pool's opening messages, then Receive until the pool's state."""
        ep = lean.Endpoint(channel.endpoint, self._new_id(), self._settings.operation_timeout)
        self._ep = ep
        rpid = self._new_id()
        mid = self._new_id()
        body = await self._call(channel, lean.create_envelope(ep, self._uri, mid, rpid), mid)
        shell = lean.created_shell(body)
        self._uri = shell.resource_uri or self._uri
        self._selectors = shell.selectors if shell.selectors is not None else ()
        self._shell_open = True
        self._rpid = rpid
        opening = lean.PoolOpening()
        while not opening.opened:
            mid = self._new_id()
            body = await self._call(channel, lean.receive_envelope(ep, self._uri, mid, self._max_envelope,
                                                                   self._selectors), mid)
            for msg in self._defrag.feed(lean.stdout_bytes(body)):
                try:
                    opening.take(msg)
                except InvalidPSRPOperation:
                    self._broken = True  # pypsrp leaves a broken pool unclosed
                    raise
                self._max_envelope = opening.max_envelope
        return versions_from(opening.protocol, opening.table)

    async def _invoke(self, channel: Channel, script: str, protocol: str | None, deadline: float) -> list[Any]:
        ep = self._ep
        assert ep is not None  # noqa: S101 - set by _open
        pid = self._new_id()
        async with _script_gate():
            pieces = lean.pipeline_fragments(script, protocol, self._rpid, pid,
                                             lean.fragment_size(self._max_envelope, ep))
            mid = self._new_id()
            body = await self._call(channel, lean.command_envelope(ep, self._uri, mid, self._max_envelope,
                                                                   self._selectors, pid, pieces[0]), mid)
            command_id = lean.command_id(body)
            for piece in pieces[1:]:
                mid = self._new_id()
                await self._call(channel, lean.send_envelope(ep, self._uri, mid, self._max_envelope,
                                                             self._selectors, command_id or "", piece), mid)
            del pieces
        run = lean.PipelineRun(FastSerializer().deserialize)
        op_timeout = self._settings.operation_timeout
        while run.state == lean.PIPELINE_RUNNING:
            remaining = deadline - time.monotonic()
            if remaining <= 1 or self._aborted:
                await self._stop(channel, pid)
                raise DeadlineExceeded(
                    f"the collector did not finish within the {self._settings.deadline:g} s deadline")
            timeout = max(1, min(op_timeout, int(remaining) - 1))
            mid = self._new_id()
            envelope = lean.receive_envelope(ep, self._uri, mid, self._max_envelope, self._selectors,
                                             command_id, timeout)
            try:
                body = await self._call(channel, envelope, mid, read_timeout=timeout + 2)
            except WSManFaultError as err:
                if err.code == lean.TIMED_OUT:  # the long poll had nothing to say: ask again
                    continue
                raise
            for msg in self._defrag.feed(lean.stdout_bytes(body)):
                self._take(run, msg)
        if run.state == lean.PIPELINE_FAILED:
            raise CollectorError(explain_script_failure(first_error_line(run.errors),
                                                        self._settings.configuration_name))
        return run.output

    def _take(self, run: lean.PipelineRun, msg: lean.PsrpMessage) -> None:
        try:
            run.take(msg)
        except InvalidPSRPOperation:
            self._broken = True  # pypsrp leaves a broken pool unclosed
            raise

    async def _stop(self, channel: Channel, pid: str) -> None:
        """Signal the pipeline to stop (pypsrp's PowerShell.stop), best effort."""
        if self._aborted or self._ep is None:
            return
        mid = self._new_id()
        envelope = lean.signal_envelope(self._ep, self._uri, mid, self._max_envelope, self._selectors, pid)
        await self._best_effort(channel, envelope, mid)

    async def _close(self, channel: Channel) -> None:
        """Delete the shell (pypsrp's RunspacePool.close), best effort and briefly."""
        if not self._shell_open or self._broken or self._aborted or self._ep is None:
            self._shell_open = False
            return
        self._shell_open = False
        mid = self._new_id()
        envelope = lean.delete_envelope(self._ep, self._uri, mid, self._max_envelope, self._selectors)
        await self._best_effort(channel, envelope, mid)

    async def _best_effort(self, channel: Channel, envelope: bytes, mid: str) -> None:
        try:
            async with asyncio.timeout(_CLOSE_TIMEOUT):
                await self._call(channel, envelope, mid, read_timeout=_CLOSE_TIMEOUT)
        except Exception:  # noqa: BLE001 - the host may already be gone; an unclosed shell expires there
            channel.abort()
