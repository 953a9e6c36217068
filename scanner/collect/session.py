"""A host's session as the runner sees it: transport, then parsing, ending in exactly one outcome."""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Callable, Sequence
from typing import Any

from scanner.collect.runner import Session
from scanner.errors import CollectorError, TransportError
from scanner.model.facts import HostFacts
from scanner.model.host import Host
from scanner.model.intern import Interner
from scanner.model.outcome import HostOutcome, OutcomeKind
from scanner.probes.collector import build_collector_script, dialect_for
from scanner.transport.failures import outcome_kind
from scanner.transport.lean_session import ChannelFactory, LeanHostSession, default_channel, lean_applies
from scanner.transport.settings import TransportSettings
from scanner.transport.winrm import HostSession, RawAnswer, RemoteVersions, ScriptChoice

Parser = Callable[[str, Sequence[Any]], HostFacts]


def collector_for(remote: RemoteVersions) -> str:
    """The collector for a host, in the dialect its handshake calls for: "ps2" (PowerShell 2.0 on
    CLR 2.0) for a 2.x PowerShell, or a protocol-2.1 host that did not say; "ps3" otherwise. The script is
    built once per process and dialect (build_collector_script caches it), so its CREATE_PIPELINE body is
    serialised once per dialect and protocol version too (transport.serializer)."""
    return build_collector_script(dialect_for(remote.powershell))


class CollectorSession(Session):
    """One host's collector run and its parsing. On the lean path (``lean_applies``) it also offers
    ``start_async``: the runner then awaits a task of its own loop instead of a thread."""

    def __init__(self, host: Host, settings: TransportSettings, script: ScriptChoice, parse: Parser,
                 tls_context: ssl.SSLContext | None = None, interner: Interner | None = None,
                 channel_factory: ChannelFactory = default_channel) -> None:
        self._host = host
        self._transport: HostSession | LeanHostSession
        if lean_applies(host, settings):
            self._transport = LeanHostSession(host, settings, script, tls_context, channel_factory)
        else:
            self._transport = HostSession(host, settings, script, tls_context)
        self._parse = parse
        self._interner = interner
        self._deadline = settings.deadline
        self._task: asyncio.Task[HostOutcome] | None = None
        self._aborted = False
        if isinstance(self._transport, LeanHostSession):
            # the runner awaits this instead of running ``run_outcome`` in a thread (pypsrp's path has none)
            self.start_async = self._start_async

    @property
    def lean(self) -> bool:
        return isinstance(self._transport, LeanHostSession)

    def abort(self) -> None:
        """Cut the session. On the lean path, call it from the loop that runs the session."""
        self._aborted = True
        self._transport.abort()
        if self._task is not None:
            # the channel is cut, so the pending request fails at once; cancelling also ends a task
            # that awaits anything else
            self._task.cancel()

    def on_accepted(self, callback: Callable[[], None]) -> None:
        self._transport.on_accepted(callback)

    def run_outcome(self) -> HostOutcome:
        started = time.monotonic()
        transport = self._transport
        try:
            if isinstance(transport, LeanHostSession):
                answer = asyncio.run(transport.run())  # a caller without a loop (tests, a thread)
            else:
                answer = transport.run()
        except (TransportError, CollectorError) as err:
            return HostOutcome(self._host, outcome_kind(err), str(err), duration_s=time.monotonic() - started)
        return self._outcome(answer)

    def _start_async(self) -> asyncio.Task[HostOutcome]:
        self._task = asyncio.get_running_loop().create_task(self.run_outcome_async())
        return self._task

    async def run_outcome_async(self) -> HostOutcome:
        transport = self._transport
        assert isinstance(transport, LeanHostSession)  # noqa: S101 - only offered on the lean path
        started = time.monotonic()
        try:
            answer = await transport.run()
        except (TransportError, CollectorError) as err:
            return HostOutcome(self._host, outcome_kind(err), str(err), duration_s=time.monotonic() - started)
        except asyncio.CancelledError:
            if not self._aborted:
                raise
            # cut by abort(): the outcome a cut thread's session gives (HostSession maps it the same way)
            return HostOutcome(self._host, OutcomeKind.TIMEOUT,
                               f"no complete answer within the {self._deadline:g} s deadline (during "
                               f"{transport.stage})", duration_s=time.monotonic() - started)
        return self._outcome(answer)

    def _outcome(self, answer: RawAnswer) -> HostOutcome:
        try:
            facts = self._parse(self._host.name, answer.output)
        except (CollectorError, TransportError) as err:  # TransportError: an answer past its size cap
            return HostOutcome(self._host, outcome_kind(err), str(err),
                               auth_mechanism=answer.auth_mechanism, duration_s=answer.elapsed_s,
                               ps_version=answer.remote.powershell, psrp_protocol=answer.remote.protocol)
        if self._interner is not None:
            self._interner.facts(facts)
        return HostOutcome(self._host, OutcomeKind.OK, "", facts=facts,
                           auth_mechanism=answer.auth_mechanism, duration_s=answer.elapsed_s,
                           ps_version=answer.remote.powershell, psrp_protocol=answer.remote.protocol)
