"""One simulated host at run time: its shells and counters, and the request handler that layers
fault injection, authentication, message encryption and WS-Man dispatch for its listeners."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import replace
from typing import Any

from scanner.simulator import auth, crypto, http, scripts, wsman
from scanner.simulator.faults import DEFAULT_FLOOD, FaultSpec, WsmanFault, quota_fault
from scanner.simulator.profiles import Credentials, SimHost
from scanner.simulator.psrp import ClientGone, Shell, remoting
from scanner.simulator.stats import HostCounters, HostStats

_GARBAGE_CONNECT = b"\x00\x01SSH-2.0-OpenSSH_9.2p1 not-a-wsman-listener\r\n\r\n"
_GARBAGE_BODY = b"<not-xml!!"
_MAX_SERVER_NAMES = 16


class HostRuntime:
    """The live state of one simulated host (implements wsman.ShellHost)."""

    def __init__(
        self,
        host: SimHost,
        credentials: Credentials,
        *,
        idle_timeout_s: float | None = None,
        max_shells: int | None = None,
        strict_cbt: bool = False,
        kerberos: Any = None,
    ) -> None:
        self.host = host
        self.kerberos = kerberos  # the host's Kerberos acceptor credential, when it is in the domain
        self.name = host.name
        self.credentials = credentials
        self.idle_timeout_s = idle_timeout_s if idle_timeout_s is not None else host.idle_timeout_s
        self.max_shells = max_shells if max_shells is not None else host.max_shells
        self.strict_cbt = strict_cbt
        self.remoting = remoting(host)  # the versions its handshake gives, its MaxEnvelopeSizekb
        self.counters = HostCounters()
        self.cbt: dict[bool, bytes] = {}  # tls -> channel-binding data of the host's certificate
        # the server names (SNI) TLS clients sent, "" for none; a few distinct ones are kept
        self.server_names: Counter[str] = Counter()
        self._shells: dict[str, Shell] = {}
        self._stage_counts: dict[str, int] = {}
        self._url = ""

    def note_server_name(self, _conn: object, server_name: str | None, _ctx: object) -> None:
        """The TLS context's SNI callback: count the name the client asked for (it changes nothing)."""
        key = server_name or ""
        if key in self.server_names or len(self.server_names) < _MAX_SERVER_NAMES:
            self.server_names[key] += 1

    # -- wsman.ShellHost ---------------------------------------------------------------------------

    def shells(self) -> dict[str, Shell]:
        return self._shells

    def open_shell(
        self, shell_id: str, resource_uri: str, owner: str, client_ip: str, idle_timeout_s: float | None
    ) -> Shell:
        """A new shell; the client may ask for a shorter IdleTimeOut than the host's, never a longer one."""
        if len(self._shells) >= self.max_shells:
            self.counters.shells_refused += 1
            code, sub, reason = quota_fault(self.max_shells)
            raise WsmanFault(code, sub, reason)
        if shell_id in self._shells:
            raise WsmanFault(
                2150858817,
                "w:AlreadyExists",
                "The WS-Management service cannot create the resource because it already exists.",
            )
        idle = self.idle_timeout_s if idle_timeout_s is None else min(idle_timeout_s, self.idle_timeout_s)
        shell = Shell(self.host, shell_id, resource_uri, owner, client_ip, idle)
        self._shells[shell_id] = shell
        self.counters.shells_opened += 1
        return shell

    def close_shell(self, shell_id: str) -> None:
        shell = self._shells.pop(shell_id, None)
        if shell is not None:
            shell.close()
            self.counters.shells_closed += 1

    def answer(self, request: scripts.PipelineRequest) -> scripts.ScriptAnswer:
        return scripts.answer(self.host, request)

    def script_delay_s(self) -> float:
        return self.host.script_delay_s

    def broken_reason(self) -> str | None:
        fault = self.host.fault
        if fault is not None and fault.kind == "psrp_broken":
            self.counters.faults_injected += 1
            return fault.reason or "The runspace pool is broken: the remote session ended unexpectedly."
        return None

    def count_script(self) -> None:
        self.counters.scripts_run += 1

    def listener_url(self) -> str:
        return self._url

    # -- lifecycle -----------------------------------------------------------------------------------

    def set_url(self, url: str) -> None:
        self._url = url

    def expire_shells(self, now: float) -> int:
        gone = [sid for sid, sh in self._shells.items() if sh.expired(now)]
        for sid in gone:
            self._shells.pop(sid).close()
            self.counters.shells_expired += 1
        return len(gone)

    def close_all(self) -> None:
        for sh in self._shells.values():
            sh.close()
        self._shells.clear()

    def snapshot(self) -> HostStats:
        return replace(self.counters.snapshot(), shells_open=len(self._shells))

    # -- HTTP ---------------------------------------------------------------------------------------

    def on_open(self, conn: http.Connection) -> http.Reply | None:
        self.counters.connections += 1
        conn.state = auth.ConnectionAuth(tls=conn.tls, cbt_app_data=self.cbt.get(conn.tls))
        fault = self.host.fault
        if fault is not None and fault.kind == "hang":
            self.counters.faults_injected += 1
            return http.Stall()
        return None

    def _fault_at(self, stage: str) -> FaultSpec | None:
        count = self._stage_counts.get(stage, 0) + 1
        self._stage_counts[stage] = count
        fault = self.host.fault
        if fault is not None and fault.acts_at(stage, count):
            return fault
        return None

    async def handle(self, conn: http.Connection, req: http.HttpRequest) -> http.Reply:
        self.counters.requests += 1
        state: auth.ConnectionAuth = conn.state
        fault = self.host.fault
        if conn.requests == 1 and fault is not None and fault.stage in ("connect", "any"):
            if fault.kind == "garbage":
                self.counters.faults_injected += 1
                return http.Raw(_GARBAGE_CONNECT)
            if fault.kind == "http_status":
                self.counters.faults_injected += 1
                return http.HttpResponse(
                    fault.status or 503,
                    (("Content-Type", "text/html"),),
                    (fault.body or "Service Unavailable").encode(),
                    close=True,
                )
        if req.method != "POST":
            return http.HttpResponse(405, (("Allow", "POST"),))
        if req.target.split("?", 1)[0].lower() != "/wsman":
            return http.HttpResponse(404)

        outcome = auth.authenticate(
            state, self.host, self.credentials, req.headers.get("authorization", ""), self.strict_cbt,
            self.kerberos,
        )
        if outcome.event == "ok":
            self.counters.auth_ok += 1
        elif outcome.event == "fail":
            self.counters.auth_fail += 1
            if fault is not None and fault.kind == "always_401":
                self.counters.faults_injected += 1
                if fault.delay_s:  # a refusal that takes a while (NTLM pass-through to a distant DC)
                    await asyncio.sleep(fault.delay_s)
        if not outcome.ok:
            return http.HttpResponse(401, outcome.headers)

        body = req.body
        encrypted = crypto.is_encrypted(req.headers.get("content-type", ""))
        if encrypted:
            sealing = state.sealing
            if sealing is None:
                return http.HttpResponse(401, auth.challenge(self.host))
            try:
                body = crypto.unwrap(sealing, body)
            except crypto.EncryptionError:
                return http.HttpResponse(400, close=True)
        if not body:
            # pypsrp's empty POST that only authenticates before it starts encrypting
            return http.HttpResponse(200, outcome.headers)
        if not encrypted and not conn.tls and not self.host.allow_unencrypted:
            # AllowUnencrypted=false, the Windows default: clear-text WS-Man over HTTP is refused
            state.user = None
            self.counters.auth_fail += 1
            return http.HttpResponse(401, auth.challenge(self.host))

        if len(body) > self.remoting.max_envelope:
            # A request over MaxEnvelopeSizekb gets HTTP 413 with no SOAP body: Windows' client reports
            # it as ERROR_WSMAN_HTTP_REQUEST_TOO_LARGE_STATUS (0x80338111, "...the request size exceeded
            # the configured MaxEnvelopeSize quota", winerror.h); [MS-WSMV] 2.2.4.10: MaxEnvelopeSizekb
            # also limits the size of the client's request packets.
            self.counters.envelopes_refused += 1
            return http.HttpResponse(413)
        try:
            request = wsman.parse(body)
        except wsman.BadRequest:
            return http.HttpResponse(400)
        reply = await self._wsman(conn, state, request, encrypted)
        if outcome.headers and isinstance(reply, http.HttpResponse):
            # The request carried the last authentication token (Windows' own client sends NTLM's
            # AUTHENTICATE message with its first WS-Man request, the body already sealed): the reply
            # carries the acceptor's last SPNEGO token, as HTTP.sys sends it (RFC 4559 section 4.2). The
            # client must read it (the mechListMIC) before it can open the sealed reply.
            reply = replace(reply, headers=outcome.headers + reply.headers)
        return reply

    async def _wsman(
        self, conn: http.Connection, state: auth.ConnectionAuth, request: wsman.Request, encrypted: bool
    ) -> http.Reply:
        fault = self._fault_at(request.stage)
        if fault is not None:
            early = await self._fault_before(fault, request)
            if early is not None:
                return early
        try:
            out = await wsman.dispatch(
                request, self, state.user or "", conn.peer, conn.client_gone, conn.gone_notifier()
            )
            status = 200
        except ClientGone:
            return http.Abort()
        except WsmanFault as f:
            out, status = wsman.fault_envelope(request.message_id, f, self.host.fqdn), 500
        response = self._response(state, status, out, encrypted)
        if fault is not None and fault.kind == "truncate":
            self.counters.faults_injected += 1
            return http.Truncate(response)
        if fault is not None and fault.kind == "dribble":
            self.counters.faults_injected += 1
            return http.Dribble(response, fault.interval_s, fault.limit_s)
        return response

    async def _fault_before(self, fault: FaultSpec, request: wsman.Request) -> http.Reply | None:
        kind = fault.kind
        acting = {
            "stall",
            "drop",
            "close",
            "garbage",
            "http_status",
            "access_denied",
            "shell_quota",
            "wsman_fault",
            "negative_chunk",
        }
        if kind not in acting:
            return None
        self.counters.faults_injected += 1
        if fault.delay_s:
            await asyncio.sleep(fault.delay_s)
        if kind == "stall":
            return http.Stall()
        if kind == "drop":
            return http.Abort()
        if kind == "close":
            return http.Close()
        if kind == "garbage":
            return http.HttpResponse(
                200, (("Content-Type", "application/soap+xml;charset=UTF-8"),), _GARBAGE_BODY
            )
        if kind == "negative_chunk":
            head = (
                "HTTP/1.1 200 OK\r\nServer: Microsoft-HTTPAPI/2.0\r\n"
                "Content-Type: application/soap+xml;charset=UTF-8\r\nTransfer-Encoding: chunked\r\n\r\n"
                f"{fault.chunk}\r\n"
            )
            return http.Flood(head.encode("latin-1"), DEFAULT_FLOOD if fault.size is None else fault.size)
        if kind == "http_status":
            return http.HttpResponse(
                fault.status or 500,
                (("Content-Type", "text/html"),),
                (fault.body or "Internal Server Error").encode(),
            )
        if kind == "shell_quota":  # as if the host's shells were all taken
            code, sub, reason = quota_fault(self.max_shells)
        else:
            code, sub, reason = fault.wsman_fault()
        return http.HttpResponse(
            500,
            (("Content-Type", "application/soap+xml;charset=UTF-8"),),
            wsman.fault_envelope(request.message_id, WsmanFault(code, sub, reason), self.host.fqdn),
        )

    def _response(
        self, state: auth.ConnectionAuth, status: int, payload: bytes, encrypted: bool
    ) -> http.HttpResponse:
        sealing = state.sealing
        if encrypted and sealing is not None:
            return http.HttpResponse(
                status, (("Content-Type", crypto.CONTENT_TYPE),), crypto.wrap(sealing, payload)
            )
        return http.HttpResponse(status, (("Content-Type", "application/soap+xml;charset=UTF-8"),), payload)
