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
)

from scanner.simulator import clixml, scripts
from scanner.simulator.faults import WsmanFault, invalid_selectors, timed_out
from scanner.simulator.profiles import SimHost

STDOUT = "stdout"
PR_STDOUT = "pr_stdout"
_POLL_S = 0.5  # how often a pending Receive looks whether its client went away


class ClientGone(Exception):
    """The client closed its connection while a Receive was pending: leave the output queued."""


def fragment_size(max_envelope: int) -> int:
    """Bytes of PSRP data that fit one Receive answer of MaxEnvelopeSize (base64 and SOAP overhead)."""
    return max(22, (max_envelope - 4096) * 3 // 4)


def _build_version(host: SimHost) -> str:
    build = ""
    f = host.facts.get("os.current_build")
    if f is not None and f.value is not None:
        build = str(f.value)
    known = {
        "7600": "6.1.7600.16385",
        "7601": "6.1.7601.17514",
        "9200": "6.2.9200.16384",
        "9600": "6.3.9600.16384",
    }
    return known.get(build, f"10.0.{build}.1" if build.isdigit() else "6.3.9600.16384")


def application_private_data(host: SimHost) -> dict[str, Any]:
    ps = host.ps_version if host.ps_version.count(".") >= 1 else f"{host.ps_version}.0"
    compatible = [v for v in ("1.0", "2.0", "3.0", "4.0", "5.0", "5.1") if v <= ps[:3]]
    return {
        "PSVersionTable": {
            "PSVersion": PSVersion(ps),
            "PSEdition": "Desktop",
            "PSCompatibleVersions": [PSVersion(v) for v in compatible or ["1.0", "2.0"]],
            "BuildVersion": PSVersion(_build_version(host)),
            "CLRVersion": PSVersion("4.0.30319.42000"),
            "WSManStackVersion": PSVersion("3.0"),
            "PSRemotingProtocolVersion": PSVersion("2.2"),
            "SerializationVersion": PSVersion("1.1.0.1"),
        }
    }


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
        self.pool = psrpcore.ServerRunspacePool(application_private_data=application_private_data(host))
        try:
            # psrpcore queues its SESSION_CAPABILITY before it learns the pool id; seed it so the
            # message header carries the id the client chose (pypsrp uses it as the ShellId)
            self.pool.runspace_pool_id = uuid.UUID(shell_id)
        except ValueError:
            pass
        self.pipelines: dict[uuid.UUID, psrpcore.ServerPipeline] = {}
        self.queues: dict[uuid.UUID | None, deque[tuple[str, bytes]]] = {}
        self._changed = asyncio.Event()
        self._timers: set[asyncio.TimerHandle] = set()

    # -- state -----------------------------------------------------------------------------------

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
        pipe = psrpcore.ServerPipeline(self.pool, command_id)  # must exist before CREATE_PIPELINE is fed
        self.pipelines[command_id] = pipe
        started = 0
        for ev in self._feed(arguments, command_id):
            if isinstance(ev, psrpcore.CreatePipelineEvent):
                request = scripts.pipeline_request(ev.pipeline.commands)
                pipe.start()
                started += 1
                if delay_s > 0:
                    self._later(delay_s, functools.partial(self._answer, pipe, answer, request, fragment))
                else:
                    self._finish(pipe, answer(request), fragment)
        self._drain(fragment)
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

    def send(self, streams: list[tuple[str, uuid.UUID | None, bytes]], fragment: int) -> None:
        for name, pipeline_id, data in streams:
            kind = psrpcore.StreamType.prompt_response if name == "pr" else psrpcore.StreamType.default
            self._feed(data, pipeline_id, kind)
        self._drain(fragment)

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
        self._drain(fragment)

    async def receive(
        self, command_id: uuid.UUID | None, timeout_s: float, fragment: int, client_gone: Callable[[], bool]
    ) -> ReceiveResult:
        """Long-poll for output like WinRM: answer as soon as something is queued, else fault with
        w:TimedOut after OperationTimeout. Never consume output for a client that went away, and never
        answer an empty 'Done' (pypsrp would wait forever for a pipeline state)."""
        deadline = time.monotonic() + timeout_s
        while True:
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
            try:
                await asyncio.wait_for(self._changed.wait(), min(remaining, _POLL_S))
            except TimeoutError:
                pass
