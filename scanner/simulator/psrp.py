"""PowerShell Remoting on the server side: one :class:`Shell` per WS-Man shell (a runspace pool),
built on psrpcore's ServerRunspacePool/ServerPipeline. psrpcore produces every PSRP message; this
module keeps the output queued per pipeline until a Receive takes it, and long-polls like WinRM.
"""

from __future__ import annotations

import asyncio
import functools
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psrpcore
from psrpcore._payload import PSRPMessage, create_message
from psrpcore.types import (
    ErrorCategoryInfo,
    ErrorRecord,
    NETException,
    PSInvocationState,
    PSRPMessageType,
    PSVersion,
    SessionCapability,
)

from scanner.simulator import clixml, scripts
from scanner.simulator.faults import WsmanFault, invalid_selectors, timed_out
from scanner.simulator.profiles import SimHost
from scanner.simulator.serverpool import CachingServerPipeline, CachingServerPool

STDOUT = "stdout"
PR_STDOUT = "pr_stdout"
_POLL_S = 0.5  # how often a pending Receive looks whether its client went away


# registers a call for when the client's connection ends; returns the call that unregisters it
OnGone = Callable[[Callable[[], None]], Callable[[], None]]


class ClientGone(Exception):
    """The client closed its connection while a Receive was pending: leave the output queued."""


def fragment_size(max_envelope: int) -> int:
    """Bytes of PSRP data that fit one Receive answer of MaxEnvelopeSize (base64 and SOAP overhead)."""
    return max(22, (max_envelope - 4096) * 3 // 4)


# What each Windows PowerShell answers in its PSRP handshake. A WinRM 2.0 host (Windows PowerShell 2.0,
# Windows Server 2008 R2) speaks protocol 2.1 with a 150 KB MaxEnvelopeSizekb; PowerShell 3.0/4.0
# speak 2.2 and 5.x speaks 2.3, over WinRM 3.0, whose default is 500 KB. Source: the sessions recorded
# against real hosts in pypsrp's tests/tests_pypsrp/responses/test_psrp_run_protocol_version_2.{1,2,3}
# .yml (2008 R2: PSVersion 2.0, CLRVersion 2.0.50727.5420, WSManStackVersion 2.0, protocol 2.1; 2016:
# PSVersion 5.1.14393.2248, CLRVersion 4.0.30319.42000, WSManStackVersion 3.0, protocol 2.3), and
# [MS-WSMV] 2.2.4.10 ConfigType (MaxEnvelopeSizekb "SHOULD be 500 but MAY be 150"),
# https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-wsmv/932240de-3943-4ed3-a162-8b3c4de5a286
_CLR2 = "2.0.50727.5420"  # .NET 2.0 SP2 on Windows Server 2008 R2 SP1 (the recorded 2.1 session)
_CLR4 = "4.0.30319.42000"  # .NET 4.6 and later
# PSVersionTable.BuildVersion is the file version of System.Management.Automation.dll, which comes with
# the PowerShell (WMF) release: the OS's own for 2.0 (7600 RTM / 7601 SP1), then 3.0's, 4.0's and 5.1's.
_BUILD_V2 = {"7600": "6.1.7600.16385", "7601": "6.1.7601.17514"}
_BUILD_BY_PS = {"3": "6.2.9200.16384", "4": "6.3.9600.16384", "5": "10.0.14393.0"}


@dataclass(frozen=True, slots=True)
class Remoting:
    """What one simulated host says about itself in the PSRP handshake, and its WS-Man limits."""

    ps_version: str  # "2.0", "4.0", "5.1.14393.0"
    clr_version: str
    protocol: str  # PSRemotingProtocolVersion: "2.1", "2.2", "2.3"
    max_envelope_kb: int  # MaxEnvelopeSizekb
    build_version: str  # PSVersionTable.BuildVersion

    @property
    def wsman_stack(self) -> str:
        return "2.0" if self.protocol == "2.1" else "3.0"

    @property
    def max_envelope(self) -> int:
        return self.max_envelope_kb * 1024


def _protocol_for(ps: str) -> str:
    major = ps.split(".", 1)[0]
    return {"1": "2.1", "2": "2.1", "3": "2.2", "4": "2.2"}.get(major, "2.3")


def _os_build(host: SimHost) -> str:
    machine = getattr(host, "machine", None)
    if machine is not None:
        return str(getattr(machine, "os_build", "") or "")
    facts = getattr(host, "facts", None) or {}
    f = facts.get("os.current_build")
    return str(f.value) if f is not None and f.value is not None else ""


def remoting(host: SimHost) -> Remoting:
    """The host's remoting versions: from its machine model when it has one, else derived from its
    PowerShell version as each Windows ships it."""
    machine = getattr(host, "machine", None)
    ps = str(getattr(machine, "ps_version", "") or getattr(host, "ps_version", "") or "4.0")
    if "." not in ps:
        ps = f"{ps}.0"
    protocol = str(getattr(machine, "psrp_protocol", "") or _protocol_for(ps))
    clr = str(getattr(machine, "clr_version", "") or (_CLR2 if protocol == "2.1" else _CLR4))
    envelope = int(getattr(machine, "max_envelope_kb", 0) or (150 if protocol == "2.1" else 500))
    major = ps.split(".", 1)[0]
    if major in ("1", "2"):
        build_version = _BUILD_V2.get(_os_build(host), "6.1.7601.17514")
    elif major == "5" and ps.count(".") >= 3:
        build_version = f"10.0.{ps.split('.', 2)[2]}"  # 5.1.14393.0 is build 10.0.14393.0
    else:
        build_version = _BUILD_BY_PS.get(major, "10.0.14393.0")
    return Remoting(ps, clr, protocol, envelope, build_version)


_TABLE_ORDER = {
    "2.1": ("WSManStackVersion", "PSCompatibleVersions", "SerializationVersion", "BuildVersion", "PSVersion",
            "CLRVersion", "PSRemotingProtocolVersion"),
    "2.2": ("PSVersion", "PSCompatibleVersions", "BuildVersion", "CLRVersion", "WSManStackVersion",
            "PSRemotingProtocolVersion", "SerializationVersion"),
    "2.3": ("PSVersion", "PSEdition", "PSCompatibleVersions", "CLRVersion", "BuildVersion", "WSManStackVersion",
            "PSRemotingProtocolVersion", "SerializationVersion"),
}


def application_private_data(host: SimHost) -> dict[str, Any]:
    """APPLICATION_PRIVATE_DATA as the host's PowerShell sends it. PSCompatibleVersions lists every
    version up to the host's own. PowerShell 3.0/4.0 (protocol 2.2) give PSVersion as 2.0 there, the
    real version showing only in PSCompatibleVersions, and 4.0 adds its remote debugger's state: as
    recorded from a 2012 R2 host (PSCompatibleVersions 1.0-4.0, BuildVersion 6.3.9600.x, CLR 4.0)
    in pypsrp's test_psrp_run_protocol_version_2.2.yml. PSEdition came with 5.1."""
    return _private_data(remoting(host))


@functools.lru_cache(maxsize=64)
def _private_data(r: Remoting) -> dict[str, Any]:
    # one table per distinct set of versions: every host of one PowerShell sends the same (psrpcore
    # only reads it; its setdefault calls find the keys already there)
    ladder = ("1.0", "2.0", "3.0", "4.0", "5.0")
    compatible = [v for v in ladder if PSVersion(v) < PSVersion(r.ps_version)] + [r.ps_version]
    table: dict[str, Any] = {
        "PSVersion": PSVersion("2.0" if r.protocol == "2.2" else r.ps_version),
        "PSCompatibleVersions": [PSVersion(v) for v in compatible],
        "BuildVersion": PSVersion(r.build_version),
        "CLRVersion": PSVersion(r.clr_version),
        "WSManStackVersion": PSVersion(r.wsman_stack),
        "PSRemotingProtocolVersion": PSVersion(r.protocol),
        "SerializationVersion": PSVersion("1.1.0.1"),
    }
    if r.ps_version.startswith("5.1"):
        table["PSEdition"] = "Desktop"
    # in the order each version's hashtable gives its keys (as recorded; the order carries no meaning)
    order = _TABLE_ORDER.get(r.protocol, _TABLE_ORDER["2.3"])
    table = {k: table[k] for k in sorted(table, key=lambda k: order.index(k) if k in order else len(order))}
    if r.ps_version.startswith("4."):
        return {"DebugMode": 1, "DebugStop": False, "PSVersionTable": table, "DebugBreakpointCount": 0}
    return {"PSVersionTable": table}


def session_capability(host: SimHost) -> SessionCapability:
    """SESSION_CAPABILITY as the host sends it: its own protocol version; PSVersion is PSRP's own
    field, 2.0 on every Windows PowerShell (as recorded from 2.1, 2.2 and 2.3 hosts)."""
    return _capability(remoting(host).protocol)


@functools.lru_cache(maxsize=8)
def _capability(protocol: str) -> SessionCapability:
    return SessionCapability(
        PSVersion=PSVersion("2.0"),
        protocolversion=PSVersion(protocol),
        SerializationVersion=PSVersion("1.1.0.1"),
    )


@dataclass(frozen=True, slots=True)
class ReceiveResult:
    streams: tuple[tuple[str, bytes], ...]
    done: bool  # the command finished and all of its output is in this answer


class Shell:
    """One runspace pool of one host."""

    def __init__(
        self,
        host: SimHost,
        shell_id: str,
        resource_uri: str,
        owner: str,
        client_ip: str,
        idle_timeout_s: float,
    ) -> None:
        self.host = host
        self.id = shell_id
        self.resource_uri = resource_uri
        self.owner = owner
        self.client_ip = client_ip
        self.idle_timeout_s = idle_timeout_s
        self.created = time.monotonic()
        self.last_used = self.created
        versions = remoting(host)
        self.pool = CachingServerPool(_private_data(versions), versions)
        self.pool.our_capability = _capability(versions.protocol)
        try:
            # psrpcore queues its SESSION_CAPABILITY before it learns the pool id; seed it so the
            # message header carries the id the client chose (pypsrp uses it as the ShellId)
            self.pool.runspace_pool_id = uuid.UUID(shell_id)
        except ValueError:
            pass
        self.pipelines: dict[uuid.UUID, psrpcore.ServerPipeline] = {}
        self.command_ids: dict[uuid.UUID, uuid.UUID] = {}  # WS-Man CommandId -> PSRP pipeline id
        self.queues: dict[uuid.UUID | None, deque[tuple[str, bytes]]] = {}
        self._changed = asyncio.Event()
        self._timers: set[asyncio.TimerHandle] = set()

    # -- state -----------------------------------------------------------------------------------

    def pipeline_id(self, command_id: uuid.UUID) -> uuid.UUID:
        """The PSRP pipeline a WS-Man CommandId names (the same id, except on WinRM 2.0; a client that
        names the pipeline's own id is let through, as pypsrp's ctrl_c signal does)."""
        return self.command_ids.get(command_id, command_id)

    def touch(self) -> None:
        self.last_used = time.monotonic()

    def expired(self, now: float) -> bool:
        return now - self.last_used > self.idle_timeout_s

    def close(self) -> None:
        for t in self._timers:
            t.cancel()
        self._timers.clear()
        self.queues.clear()
        self._changed.set()

    # -- PSRP ------------------------------------------------------------------------------------

    def _feed(
        self,
        data: bytes,
        pipeline_id: uuid.UUID | None,
        stream: psrpcore.StreamType = psrpcore.StreamType.default,
    ) -> list[Any]:
        self.pool.receive_data(psrpcore.PSRPPayload(data, stream, pipeline_id))
        events = []
        while (ev := self.pool.next_event()) is not None:
            events.append(ev)
        return events

    def _drain(self, fragment: int) -> None:
        while (payload := self.pool.data_to_send(fragment)) is not None:
            name = PR_STDOUT if payload.stream_type == psrpcore.StreamType.prompt_response else STDOUT
            self.queues.setdefault(payload.pipeline_id, deque()).append((name, payload.data))
        self._changed.set()

    def open(self, creation_xml: bytes, fragment: int, broken_reason: str | None = None) -> None:
        """SESSION_CAPABILITY + INIT_RUNSPACEPOOL in; the pool's opening messages queued out."""
        self._feed(creation_xml, None)
        if broken_reason is not None:
            self.pool.set_broken(
                ErrorRecord(
                    Exception=NETException(Message=broken_reason),
                    CategoryInfo=ErrorCategoryInfo(),
                    FullyQualifiedErrorId="RemoteRunspaceStateBroken",
                )
            )
        self._drain(fragment)

    def command(
        self,
        command_id: uuid.UUID,
        arguments: bytes,
        fragment: int,
        answer: Callable[[scripts.PipelineRequest], scripts.ScriptAnswer],
        delay_s: float,
    ) -> int:
        """A CREATE_PIPELINE: start the pipeline and answer it, now or after ``delay_s``.
        Returns the number of pipelines started."""
        pipe = CachingServerPipeline(self.pool, command_id)  # must exist before CREATE_PIPELINE is fed
        self.pipelines[command_id] = pipe
        started = self._start(self._feed(arguments, command_id), fragment, answer, delay_s)
        self._drain(fragment)
        return started

    def _start(
        self,
        events: list[Any],
        fragment: int,
        answer: Callable[[scripts.PipelineRequest], scripts.ScriptAnswer],
        delay_s: float,
    ) -> int:
        """Start and answer each pipeline whose CREATE_PIPELINE is complete in ``events``."""
        started = 0
        for ev in events:
            if isinstance(ev, psrpcore.CreatePipelineEvent):
                pipe = self.pipelines.get(ev.pipeline_id)
                if pipe is None:
                    continue
                request = self.pool.pipeline_request(ev)
                pipe.start()
                started += 1
                if delay_s > 0:
                    self._later(delay_s, functools.partial(self._answer, pipe, answer, request, fragment))
                else:
                    self._finish(pipe, answer(request), fragment)
        return started

    def _later(self, delay_s: float, fn: Callable[[], None]) -> None:
        loop = asyncio.get_running_loop()
        handle: asyncio.TimerHandle | None = None

        def run() -> None:
            if handle is not None:
                self._timers.discard(handle)
            fn()

        handle = loop.call_later(delay_s, run)
        self._timers.add(handle)

    def _answer(
        self,
        pipe: psrpcore.ServerPipeline,
        answer: Callable[[scripts.PipelineRequest], scripts.ScriptAnswer],
        request: scripts.PipelineRequest,
        fragment: int,
    ) -> None:
        self._finish(pipe, answer(request), fragment)

    def _finish(self, pipe: psrpcore.ServerPipeline, result: scripts.ScriptAnswer, fragment: int) -> None:
        if pipe.state != PSInvocationState.Running:
            return  # stopped or closed meanwhile
        for obj in result.output:
            data = clixml.serialize(obj)
            if data is None:
                pipe.write_output(obj)
            else:
                self._queue_output(pipe, data)
        if result.error is not None:
            # a terminating error: PIPELINE_STATE Failed carrying the error record
            pipe._change_state(PSInvocationState.Failed, error=result.error)  # noqa: SLF001
        else:
            pipe.complete()
        self._drain(fragment)

    def _queue_output(self, pipe: psrpcore.ServerPipeline, clixml_data: bytes) -> None:
        """What ``pipe.write_output`` queues, from CLIXML already serialized (psrpcore 0.3.1's own
        message framing; only the serialization is ours)."""
        pool = self.pool
        message = create_message(
            False, PSRPMessageType.PipelineOutput, clixml_data, pool.runspace_pool_id, pipe.pipeline_id
        )
        pool._send_buffer.append(
            PSRPMessage(  # noqa: SLF001
                PSRPMessageType.PipelineOutput,
                bytearray(message),
                pool.runspace_pool_id,
                pipe.pipeline_id,
                pool._fragment_counter,
                psrpcore.StreamType.default,
            )
        )  # noqa: SLF001

    def send(
        self,
        streams: list[tuple[str, uuid.UUID | None, bytes]],
        fragment: int,
        answer: Callable[[scripts.PipelineRequest], scripts.ScriptAnswer],
        delay_s: float = 0.0,
    ) -> int:
        """Input for the pool or a pipeline; returns the number of pipelines started (the rest of a
        CREATE_PIPELINE that did not fit in the Command's envelope comes this way)."""
        started = 0
        for name, pipeline_id, data in streams:
            kind = psrpcore.StreamType.prompt_response if name == "pr" else psrpcore.StreamType.default
            started += self._start(self._feed(data, pipeline_id, kind), fragment, answer, delay_s)
        self._drain(fragment)
        return started

    def signal(self, command_id: uuid.UUID, terminate: bool, ctrl_c: bool, fragment: int) -> None:
        pipe = self.pipelines.get(command_id)
        if pipe is None:
            raise invalid_selectors("the command")
        if ctrl_c and pipe.state == PSInvocationState.Running:
            pipe.stop()
        if terminate or pipe.state != PSInvocationState.Running:
            if pipe.state == PSInvocationState.Running:
                pipe.stop()
            pipe.close()
            self.pipelines.pop(command_id, None)
            self.queues.pop(command_id, None)
            for alias in [k for k, v in self.command_ids.items() if v == command_id]:
                del self.command_ids[alias]
        self._drain(fragment)

    async def receive(
        self,
        command_id: uuid.UUID | None,
        timeout_s: float,
        fragment: int,
        client_gone: Callable[[], bool],
        on_gone: OnGone | None = None,
    ) -> ReceiveResult:
        """Long-poll for output like WinRM: answer as soon as something is queued, else fault with
        w:TimedOut after OperationTimeout. Never consume output for a client that went away, and never
        answer an empty 'Done' (pypsrp would wait forever for a pipeline state).

        ``on_gone`` registers a call for when the client's connection ends (and returns the call that
        unregisters it): the wait then wakes for output, for the client's going or at the deadline, and
        not before, so thousands of Receives waiting on slow hosts cost nothing while they wait.
        Without it the wait looks at ``client_gone`` every half second."""
        deadline = time.monotonic() + timeout_s
        unregister = on_gone(self._changed.set) if on_gone is not None else None
        poll_s = _POLL_S if unregister is None else None
        try:
            while True:
                # nothing below yields until the wait: a wake-up cannot fall between check and clear
                if client_gone():
                    raise ClientGone()
                queue = self.queues.get(command_id)
                if queue:
                    budget = fragment
                    items: list[tuple[str, bytes]] = []
                    while queue and (not items or budget >= len(queue[0][1])):
                        item = queue.popleft()
                        budget -= len(item[1])
                        items.append(item)
                    if not queue:
                        self.queues.pop(command_id, None)
                    pipe = self.pipelines.get(command_id) if command_id is not None else None
                    done = (
                        command_id is not None
                        and not queue
                        and (pipe is None or pipe.state != PSInvocationState.Running)
                    )
                    return ReceiveResult(tuple(items), done)
                if command_id is not None:
                    pipe = self.pipelines.get(command_id)
                    if pipe is None or pipe.state != PSInvocationState.Running:
                        raise WsmanFault(
                            2150858843,
                            "w:InvalidSelectors",
                            "The WS-Management service cannot process the request because the "
                            "command has completed and all of its output was delivered.",
                        )
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise timed_out()
                self._changed.clear()
                try:  # a timeout scope, not wait_for: no task per wait for thousands of pending Receives
                    async with asyncio.timeout(remaining if poll_s is None else min(remaining, poll_s)):
                        await self._changed.wait()
                except TimeoutError:
                    pass
        finally:
            if unregister is not None:
                unregister()
