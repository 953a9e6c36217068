"""One host's WinRM session: open a runspace pool, run the collector script once, close.

Runs in a worker thread. The deadline is held three ways: pypsrp's own connection/read/operation
timeouts bound each request; the poll loop (begin_invoke, then poll_invoke against the clock) bounds
the reply; and ``abort()``, called from the event loop when the deadline has passed, shuts the
session's sockets so a read that trickles or stalls ends at once. Every failure leaves through
``failures.classify``.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable
from typing import Any

from pypsrp.complex_objects import PSInvocationState
from pypsrp.messages import CreatePipeline
from pypsrp.powershell import PowerShell, RunspacePool
from pypsrp.wsman import WSMan

from scanner.errors import AuthFailed, CollectorError, DeadlineExceeded, TransportError
from scanner.model.host import AuthMethod, Host, Scheme
from scanner.transport.answer import RawAnswer as RawAnswer
from scanner.transport.answer import RemoteVersions as RemoteVersions
from scanner.transport.answer import ScriptChoice as ScriptChoice
from scanner.transport.answer import explain_script_failure as explain_script_failure
from scanner.transport.answer import first_error_line, session_failure, versions_from
from scanner.transport.http import WinRMHttpTransport
from scanner.transport.kerberos import SERVICE, client_credentials, has_kerberos_source, service_principal
from scanner.transport.names import TlsName, tls_server_name
from scanner.transport.serializer import CACHE_KEY, use_fast_serializer
from scanner.transport.settings import TransportSettings
from scanner.transport.sockets import SocketWatch, watch_session, watching
from scanner.transport.tls import sweep_tls_context, use_tls_context

# Closing a session that went wrong gets this long, not the full timeouts.
_CLOSE_TIMEOUT = 5

# Authentication methods our own HTTP layer carries (scanner.transport.http); CredSSP uses pypsrp's.
_OWN_HTTP = frozenset({AuthMethod.NEGOTIATE, AuthMethod.NTLM, AuthMethod.KERBEROS, AuthMethod.BASIC})


class HostSession:
    """A single collector run on one host. ``run`` in a worker thread; ``abort`` from anywhere."""

    def __init__(self, host: Host, settings: TransportSettings, script: ScriptChoice,
                 tls_context: ssl.SSLContext | None = None) -> None:
        self.host = host
        self._settings = settings
        self._script = script
        self._tls_context = tls_context  # shared by the sweep's HTTPS sessions (see transport.tls)
        self._watch = SocketWatch()
        self._tls_name: TlsName | None = None
        self.stage = "connect"

    def abort(self) -> None:
        self._watch.abort()

    def on_accepted(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` (once, from the session's thread) when the host accepts the credential.
        CredSSP, on pypsrp's own HTTP client, never calls it: its outcome says it instead."""
        self._watch.on_accepted = callback

    def run(self) -> RawAnswer:
        """Raise ``TransportError`` or ``CollectorError``; never anything else."""
        started = time.monotonic()
        deadline = started + self._settings.deadline
        watching(self._watch)
        wsman: WSMan | None = None
        pool: RunspacePool | None = None
        try:
            wsman = self._wsman()
            pool = RunspacePool(wsman, configuration_name=self._settings.configuration_name)
            use_fast_serializer(pool)
            pool.open()
            mechanism = _mechanism(wsman, self.host)
            remote = remote_versions(pool)
            script = self._script if isinstance(self._script, str) else self._script(remote)
            self.stage = "run"
            output = self._invoke(pool, script, deadline)
            self.stage = "close"
            self._close(pool, wsman)
            pool = None
            return RawAnswer(output=output, auth_mechanism=mechanism, elapsed_s=time.monotonic() - started,
                             remote=remote)
        except (TransportError, CollectorError):
            raise
        except Exception as exc:  # the seam: every foreign exception is mapped here
            raise session_failure(exc, stage=self.stage, host=self.host, settings=self._settings,
                                  aborted=self._watch.aborted, tls_name=self._tls_name) from exc
        finally:
            if pool is not None and wsman is not None:
                self._close(pool, wsman)
            if wsman is not None:
                wsman.close()
            watching(None)

    def _wsman(self) -> WSMan:
        s = self._settings
        scheme, auth, port = s.endpoint(self.host)
        creds = s.credentials
        password = creds.password.reveal() if creds.password is not None else None
        https = scheme is Scheme.HTTPS
        # the certificate is checked against the name it carries (the FQDN by default), not the address
        # connected to; that name is also the SNI, verified or not
        tls_name = tls_server_name(self.host, s.tls_name) if https else None
        self._tls_name = tls_name
        hostname_override = None
        service = SERVICE
        kerberos: list[Any] | None = None
        if auth in (AuthMethod.NEGOTIATE, AuthMethod.KERBEROS):
            # Kerberos names the service by the host's FQDN, whatever address the socket connects to
            spn = service_principal(self.host)
            if spn is not None:
                hostname_override, service = spn.hostname, spn.service
            elif auth is AuthMethod.KERBEROS:
                raise AuthFailed(f"Kerberos needs the host's name, and only the address {self.host.target} is "
                                 "known: give the FQDN (the inventory's fqdn column)")
            if auth is AuthMethod.KERBEROS or has_kerberos_source(creds):
                kerberos = client_credentials(creds, with_password=auth is AuthMethod.KERBEROS)
        # pypsrp's annotations say bool/int, but it hands these to requests, which also takes a CA
        # bundle path for verification and float timeouts.
        kwargs: dict[str, Any] = {
            "cert_validation": (str(s.ca_file) if s.ca_file is not None else True) if s.verify_tls else False,
            "connection_timeout": s.connection_timeout,
            "read_timeout": s.read_timeout,
        }
        if hostname_override is not None:
            kwargs["negotiate_hostname_override"] = hostname_override
            kwargs["negotiate_service"] = service
        wsman = _WSMan(
            self.host.target,
            port=port,
            username=creds.username,
            password=None if auth in _OWN_HTTP else password,
            ssl=https,
            path=s.http_path,
            auth=auth.value,
            operation_timeout=s.operation_timeout,
            encryption="auto",
            no_proxy=True,  # WinRM goes to the server itself, never through a web proxy
            reconnection_retries=0,
            reconnection_backoff=0.5,
            **kwargs,
        )
        if auth in _OWN_HTTP:
            tls = (self._tls_context or sweep_tls_context(s)) if https else None
            wsman.transport = WinRMHttpTransport(  # type: ignore[assignment]  # the same duck type
                self.host.target, port, https=https, path=s.http_path, auth=auth.value,
                username=creds.username, password=password, tls=tls,
                connection_timeout=s.connection_timeout, read_timeout=s.read_timeout,
                watch=self._watch, hostname_override=hostname_override, service=service, kerberos=kerberos,
                tls_name=tls_name.name if tls_name is not None else None)
            return wsman
        # CredSSP stays on pypsrp's own requests transport.
        session = wsman.transport._build_session()
        # pypsrp read the proxy settings from the environment once, above (no_proxy: none); with
        # trust_env on, requests would walk os.environ again on every one of the ~9 requests.
        session.trust_env = False
        if https and self._tls_context is not None:
            use_tls_context(session, self._tls_context)
        if tls_name is not None:
            adapter: Any = session.get_adapter("https://")
            adapter.poolmanager.connection_pool_kw["server_hostname"] = tls_name.name
        watch_session(session)
        wsman.transport.session = session
        return wsman

    def _invoke(self, pool: RunspacePool, script: str, deadline: float) -> list[Any]:
        ps = _CollectorPowerShell(pool)
        ps.add_script(script)
        ps.begin_invoke()
        op_timeout = self._settings.operation_timeout
        while ps.state == PSInvocationState.RUNNING:
            remaining = deadline - time.monotonic()
            if remaining <= 1 or self._watch.aborted:
                self._stop(ps)
                raise DeadlineExceeded(
                    f"the collector did not finish within the {self._settings.deadline:g} s deadline")
            ps.poll_invoke(timeout=max(1, min(op_timeout, int(remaining) - 1)))
        if ps.state == PSInvocationState.FAILED or (ps.had_errors and not ps.output):
            raise CollectorError(explain_script_failure(_first_error(ps), self._settings.configuration_name))
        return list(ps.output)

    def _stop(self, ps: PowerShell) -> None:
        if self._watch.aborted:
            return
        try:
            self._shorten()
            ps.stop()
        except Exception:  # noqa: S110 - best effort: the host may already be gone
            pass

    def _close(self, pool: RunspacePool, wsman: WSMan) -> None:
        if self._watch.aborted:
            return
        try:
            self._shorten(wsman)
            pool.close()
        except Exception:  # noqa: S110 - best effort: an unclosed shell expires on the host
            pass

    def _shorten(self, wsman: WSMan | None = None) -> None:
        if wsman is not None:
            wsman.transport.connection_timeout = _CLOSE_TIMEOUT
            wsman.transport.read_timeout = _CLOSE_TIMEOUT


class _CollectorPowerShell(PowerShell):
    """One script, added with add_script and started with begin_invoke's defaults: its CREATE_PIPELINE
    body is the same on every host that speaks the same protocol version, so it is serialised once."""

    def _invoke(self, msg: Any) -> None:
        if isinstance(msg, CreatePipeline) and len(self.commands) == 1:
            cmd = self.commands[0]
            # everything the body is built from; the ids of pool and pipeline are outside it
            setattr(msg, CACHE_KEY, (
                "create-pipeline", self.runspace_pool.protocol_version, cmd.cmd, cmd.is_script,
                cmd.use_local_scope, tuple(cmd.args), msg.no_input, _enum_value(msg.apartment_state),
                _enum_value(msg.remote_stream_options), msg.add_to_history, msg.is_nested,
                self.runspace_pool.host is None))
        super()._invoke(msg)


def _enum_value(value: Any) -> Any:
    # pypsrp's Enum complex objects compare by identity; their value is what gets serialised
    return getattr(value, "value", value)


class _WSMan(WSMan):
    """pypsrp's, except that the largest payload an envelope takes is computed once per endpoint length
    and settings, not by serialising a mock envelope twice per session. The mock's other variable
    parts are UUIDs, of fixed length; host names and addresses hold nothing XML escapes."""

    def _calc_envelope_size(self, max_envelope_size: int) -> int:
        key = (max_envelope_size, len(self.transport.endpoint), self.locale, self.data_locale,
               self.operation_timeout)
        size = _PAYLOAD_SIZES.get(key)
        if size is None:
            size = super()._calc_envelope_size(max_envelope_size)
            if len(_PAYLOAD_SIZES) >= 256:
                _PAYLOAD_SIZES.clear()
            _PAYLOAD_SIZES[key] = size
        return size


_PAYLOAD_SIZES: dict[tuple[Any, ...], int] = {}


def remote_versions(pool: RunspacePool) -> RemoteVersions:
    """The versions an opened pool learnt from the host's handshake (None where it said nothing)."""
    table: Any = None
    data = getattr(pool.application_private_data, "data", None)
    if isinstance(data, dict):
        table = data.get("PSVersionTable")
    return versions_from(pool.protocol_version, table)


def _mechanism(wsman: WSMan, host: Host) -> str | None:
    transport: Any = wsman.transport
    if isinstance(transport, WinRMHttpTransport):
        return transport.negotiated_protocol or transport.auth
    session = transport.session
    auth = getattr(session, "auth", None)
    contexts = getattr(auth, "contexts", None)
    if isinstance(contexts, dict) and contexts:
        ctx = next(iter(contexts.values()))
        protocol = getattr(ctx, "negotiated_protocol", None)
        if isinstance(protocol, str):
            return protocol.lower()
    return str(wsman.transport.auth) if wsman.transport.auth else None


def _first_error(ps: PowerShell) -> str:
    return first_error_line([str(record).strip() or str(getattr(record, "message", "")).strip()
                             for record in ps.streams.error])
