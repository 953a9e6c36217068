"""The WinRM HTTP channel as asyncio code: one keep-alive connection per host, no thread per host.

``scanner.transport.http.WinRMHttpTransport`` blocks a thread for each host's session; with thousands of
sessions in flight the threads cost more than the protocol. This channel does the same job on the event
loop: ``await send(envelope)`` posts one WS-Man envelope and returns the reply body, unsealed. It is the
path for NTLM (Negotiate falling to NTLM: no Kerberos credential) and Basic; Kerberos and CredSSP stay
on the pypsrp path (gssapi asks the KDC synchronously).

Everything that is not I/O is shared with the blocking transport, not copied: the HTTP reply parser
(``http_reply``, driven here by ``read_reply_async``), pyspnego's NTLM context with the cached password
hashes (``http.spnego_credentials``), the channel binding of HTTPS (``http.certificate_hash``), pypsrp's
``WinRMEncryption`` to seal and ``encrypted_body.open_encrypted`` to unseal, and the caps on a reply
(``MAX_REPLY``) and on a session (``MAX_SESSION``).

Authentication with the first real request (``auth_with_first_request``, the default), as Windows' own
client does: the NTLM NEGOTIATE message goes on an empty POST, the host answers 401 with the CHALLENGE,
and the AUTHENTICATE message rides in the Authorization header of the first WS-Man request, whose body
is already sealed with the context the AUTHENTICATE message completes. pypsrp (and the blocking transport)
send the AUTHENTICATE message on a second empty POST: one round trip more per host. Sources: [MS-NTHT]
4.1, Windows' NTLM-over-HTTP exchange (the client reissues the request itself with the AUTHENTICATE
message in its Authorization header, and the server answers that request;
https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-ntht/4da12358-7cee-4104-b0da-0822d5768798),
RFC 4559 section 4.2 (a 2xx reply may carry the final SPNEGO token in its WWW-Authenticate header: with
SPNEGO the client must read it, the mechListMIC, before it can open a sealed reply), [MS-WSMV] 2.2.9.1
(the sealed body is the SPNEGO session's encryption, whatever request carries it). A 401 to that
request is a refused credential, as a 401 to the empty POST is.

Failures leave as the blocking transport's do, so ``scanner.transport.failures.classify`` maps each the
same way: OSError and ssl errors from the socket, ``ConnectTimedOut``, the ``HttpFailure`` family,
``CertificateNameMismatch`` with the names the certificate carries, pypsrp's ``AuthenticationError``
(``NtlmRefused``), and ``WinRMTransportError("http", status, body)`` for a status of 300 or more.
"""

from __future__ import annotations

import asyncio
import base64
import ssl
from collections.abc import Callable
from typing import Any

import spnego
import spnego.channel_bindings
from pypsrp.encryption import WinRMEncryption
from pypsrp.exceptions import AuthenticationError, WinRMTransportError

from scanner.transport.http import (
    MAX_REPLY,
    MAX_SESSION,
    ConnectTimedOut,
    certificate_hash,
    read_leg,
    reply_content,
    request_head,
    spnego_credentials,
    token_of,
)
from scanner.transport.http_reply import (
    ConnectionClosed,
    Reply,
    ReplyTooLarge,
    StreamBuffer,
    mib,
    read_reply_async,
)
from scanner.transport.sockets import SocketWatch
from scanner.transport.tls import explain_name_mismatch

_SOAP = "application/soap+xml;charset=UTF-8"


class LeanChannel:
    """One host's WinRM HTTP channel on the event loop. ``auth``: negotiate, ntlm or basic."""

    def __init__(self, server: str, port: int, *, https: bool, path: str, auth: str, username: str | None,
                 password: str | None, tls: ssl.SSLContext | None, connection_timeout: float,
                 read_timeout: float, tls_name: str | None = None, hostname_override: str | None = None,
                 service: str = "HTTP", encrypt: bool = True, on_accepted: Callable[[], None] | None = None,
                 auth_with_first_request: bool = True) -> None:
        if auth not in ("basic", "negotiate", "ntlm"):
            raise ValueError(f"the lean channel does not do {auth!r} authentication")
        self.server = server
        self.port = port
        self.auth = auth
        self.username = username
        self._password = password
        self._path = "/" + path.lstrip("/")
        host = f"[{server}]" if ":" in server else server
        self.endpoint = f"{'https' if https else 'http'}://{host}:{port}{self._path}"
        self._host_header = f"{host}:{port}"
        self.connection_timeout = connection_timeout
        self.read_timeout = read_timeout
        self._tls = tls if https else None
        self._tls_name = tls_name or server
        self._hostname_override = hostname_override
        self._service = service
        self._on_accepted = on_accepted
        self._first_request = auth_with_first_request
        self.received = 0  # bytes of reply bodies in this session, against MAX_SESSION
        self.wrap_required = encrypt and not https and auth != "basic"
        self.encryption: WinRMEncryption | None = None
        self._context: Any = None
        self._authenticated = False
        self._accepted = False
        self._basic: str | None = None
        if auth == "basic":
            raw = f"{username or ''}:{password or ''}".encode()
            self._basic = "Basic " + base64.b64encode(raw).decode("ascii")
        self._writer: asyncio.StreamWriter | None = None
        self._buffer: StreamBuffer | None = None
        # only the certificate-name helper's second handshake runs in a thread; abort() reaches it here
        self._watch = SocketWatch()
        self._aborted = False
        self._task: asyncio.Task[Any] | None = None

    @property
    def negotiated_protocol(self) -> str | None:
        """The mechanism the host accepted: ntlm, basic; None before authentication."""
        if self._basic is not None:
            return "basic" if self._authenticated else None
        if not self._authenticated:
            return None
        protocol = getattr(self._context, "negotiated_protocol", None)
        return protocol.lower() if isinstance(protocol, str) else None

    async def send(self, message: bytes, *, read_timeout: float | None = None) -> bytes:
        """Post one WS-Man envelope; its reply body, unsealed. ``read_timeout``: what the conversation asks
        for a long-poll Receive; the user's read timeout is the floor (as in the blocking transport)."""
        if self._aborted:
            raise ConnectionClosed("the session was aborted")
        timeout = self.read_timeout if read_timeout is None else max(self.read_timeout, read_timeout)
        task = asyncio.current_task()
        self._task = task
        try:
            return await self._send(message, timeout)
        except asyncio.CancelledError:
            # abort() cancelled this send (it was connecting or waiting): the blocking transport's socket,
            # shut from another thread, ends the same way, as a closed connection
            if self._aborted and task is not None and task.uncancel() == 0:
                raise ConnectionClosed("the session was aborted at its deadline") from None
            raise
        finally:
            self._task = None

    def abort(self) -> None:
        """Close the connection now and end a pending send (from the event loop's thread)."""
        self._aborted = True
        self._watch.abort()
        self._drop()
        task = self._task
        if task is not None and not task.done():
            task.cancel()

    async def close(self) -> None:
        self._drop()

    # --- one request ------------------------------------------------------------------------------------

    async def _send(self, message: bytes, timeout: float) -> bytes:
        carried: str | None = None  # the AUTHENTICATE token that rides with this request
        if self._basic is None and not self._authenticated:
            carried = await self._authenticate()
        headers: list[tuple[str, str]] = []
        if self._basic is not None:
            headers.append(("Authorization", self._basic))
        elif carried is not None:
            headers.append(("Authorization", carried))
        if self.encryption is not None:
            content_type, payload = self.encryption.wrap_message(message)
            headers.append(("Content-Type",
                            f'{content_type};protocol="{self.encryption.protocol}";boundary="Encrypted Boundary"'))
        else:
            payload = message
            headers.append(("Content-Type", _SOAP))
        if self._writer is None and self._authenticated and self._basic is None:
            # NTLM lives on the connection that authenticated; a new one would need a new context
            raise ConnectionClosed("the host closed the authenticated connection")
        reply = await self._post(headers, payload, timeout)
        if carried is not None:
            if reply.status == 401:
                raise AuthenticationError(f"Failed to authenticate the user {self.username} with {self.auth}")
            token = token_of(reply)
            if token is not None and not self._context.complete:
                self._context.step(token)  # SPNEGO's last word (mechListMIC), as a 200's WWW-Authenticate
            self._authenticated = True
        content = self._content(reply)
        if reply.status == 401:
            raise AuthenticationError(f"Failed to authenticate the user {self.username} with {self.auth}")
        if self._basic is not None or carried is not None:
            self._accept()  # any answer but 401 means the host took the credential
        if reply.status >= 300:
            raise WinRMTransportError("http", reply.status, content.decode("utf-8", "replace"))
        if self._basic is not None:
            self._authenticated = True
        return content

    def _accept(self) -> None:
        if self._accepted:
            return
        self._accepted = True
        if self._on_accepted is not None:
            self._on_accepted()

    async def _post(self, headers: list[tuple[str, str]], body: bytes, timeout: float) -> Reply:
        if self._writer is None:
            await self._connect()
        writer, buffer = self._writer, self._buffer
        assert writer is not None and buffer is not None  # noqa: S101 - _connect set them or raised
        try:
            writer.write(request_head(self._path, self._host_header, headers, len(body)) + body)
            if writer.transport.get_write_buffer_size() > 65_536:
                async with asyncio.timeout(timeout):
                    await writer.drain()
            buffer.timeout = timeout  # each wait for bytes, as a blocking socket's timeout bounds each recv
            reply = await read_reply_async(buffer, MAX_REPLY)
        except BaseException:
            self._drop()
            raise
        if reply.last or reply.headers.get("connection", "").lower() == "close":
            self._drop()
        self.received += len(reply.body)
        if self.received > MAX_SESSION:
            self._drop()
            raise ReplyTooLarge(f"the host sent {self.received:,} bytes in one session, past the "
                                f"{mib(MAX_SESSION)} cap on a host's answer")
        return reply

    def _content(self, reply: Reply) -> bytes:
        return reply_content(reply, self.encryption)

    # --- the connection ---------------------------------------------------------------------------------

    async def _connect(self) -> None:
        try:
            async with asyncio.timeout(self.connection_timeout):
                reader, writer = await asyncio.open_connection(self.server, self.port)
        except TimeoutError as exc:
            raise ConnectTimedOut(f"no connection to {self.server}:{self.port} within "
                                  f"{self.connection_timeout:g} s") from exc
        if self._tls is not None:
            try:
                async with asyncio.timeout(self.connection_timeout):
                    await writer.start_tls(self._tls, server_hostname=self._tls_name)
            except TimeoutError as exc:
                writer.transport.abort()
                raise ConnectTimedOut(f"no TLS handshake with {self.server}:{self.port} within "
                                      f"{self.connection_timeout:g} s") from exc
            except ssl.SSLCertVerificationError as exc:
                writer.transport.abort()
                # the names the certificate carries, read on a second, unverified handshake: the one
                # blocking call of this channel, in a thread, only on this failure
                explained = await asyncio.to_thread(
                    explain_name_mismatch, exc, expected=self._tls_name, host=self.server, port=self.port,
                    timeout=self.connection_timeout, watch=self._watch)
                if explained is exc:
                    raise
                raise explained from exc
            except BaseException:
                writer.transport.abort()
                raise
        self._writer = writer
        self._buffer = StreamBuffer(reader)

    def _drop(self) -> None:
        writer, self._writer = self._writer, None
        self._buffer = None
        if writer is not None:
            writer.transport.abort()  # as the blocking socket's close: nothing is left to send

    def _peer_certificate(self) -> bytes | None:
        if self._writer is None:
            return None
        tls: Any = self._writer.get_extra_info("ssl_object")
        if tls is None:
            return None
        der: bytes | None = tls.getpeercert(binary_form=True)
        return der

    # --- NTLM -------------------------------------------------------------------------------------------

    async def _authenticate(self) -> str | None:
        """The Negotiate exchange. With first-request authentication, the Authorization value the first
        WS-Man request carries; otherwise None: the exchange completed on empty POSTs."""
        header = "Negotiate"
        provider = self.auth
        for _ in range(2):  # a second round only when the host names another scheme
            step = await self._exchange(header, provider)
            if isinstance(step, str):
                self._seal()
                return step
            reply, header, provider, retry = step
            if not retry:
                break
        if reply.status == 401:
            raise AuthenticationError(f"Failed to authenticate the user {self.username} with {self.auth}")
        if reply.status >= 300:
            raise WinRMTransportError("http", reply.status, reply.body.decode("utf-8", "replace"))
        self._authenticated = True
        self._accept()
        self._seal()
        return None

    def _seal(self) -> None:
        if self.wrap_required:
            self.encryption = WinRMEncryption(self._context, WinRMEncryption.SPNEGO)

    async def _exchange(self, header: str, provider: str) -> str | tuple[Reply, str, str, bool]:
        user, password = spnego_credentials(self.username, self._password)
        if self._writer is None:
            await self._connect()  # the channel binding is the certificate's hash
        cert = self._peer_certificate()
        bindings = None if cert is None else spnego.channel_bindings.GssChannelBindings(
            application_data=b"tls-server-end-point:" + certificate_hash(cert))
        self._context = context = spnego.client(
            user,
            password,
            hostname=self._hostname_override or self.server,
            service=self._service,
            channel_bindings=bindings,
            context_req=spnego.ContextReq.default,
            protocol="ntlm" if provider == "ntlm" else "negotiate",
            options=spnego.NegotiateOptions.wrapping_winrm if self.wrap_required else spnego.NegotiateOptions.none,
        )
        first = True
        out_token = context.step()
        while True:
            auth = f"{header} {base64.b64encode(out_token or b'').decode('ascii')}"
            if not first and self._first_request and getattr(context, "negotiated_protocol", None) == "ntlm":
                return auth  # the AUTHENTICATE message: NTLM has no further leg, it rides with the request
            reply = await self._post([("Authorization", auth)], b"", self.read_timeout)
            in_token, end = read_leg(reply, context, first=first, header=header, provider=provider, asked=self.auth,
                                     username=self.username, kerberos_sent=False,
                                     has_kerberos=False)  # NTLM only on this channel
            if end is not None:
                return (reply, *end)
            first = False
            out_token = context.step(in_token)
            if out_token is None or (context.complete and not out_token):
                return reply, header, provider, False

