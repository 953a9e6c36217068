"""A host's session as the runner sees it: transport, then parsing, ending in exactly one outcome."""

from __future__ import annotations

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
from scanner.transport.settings import TransportSettings
from scanner.transport.winrm import HostSession, RemoteVersions, ScriptChoice

Parser = Callable[[str, Sequence[Any]], HostFacts]


def collector_for(remote: RemoteVersions) -> str:
    """The collector for a host, in the dialect its handshake calls for: "ps2" (PowerShell 2.0 on
    CLR 2.0) for a 2.x PowerShell, or a protocol-2.1 host that did not say; "ps3" otherwise. The script is
    built once per process and dialect (build_collector_script caches it), so its CREATE_PIPELINE body is
    serialised once per dialect and protocol version too (transport.serializer)."""
    return build_collector_script(dialect_for(remote.powershell))


class CollectorSession(Session):
    def __init__(self, host: Host, settings: TransportSettings, script: ScriptChoice, parse: Parser,
                 tls_context: ssl.SSLContext | None = None, interner: Interner | None = None) -> None:
        self._host = host
        self._transport = HostSession(host, settings, script, tls_context)
        self._parse = parse
        self._interner = interner

    def abort(self) -> None:
        self._transport.abort()

    def on_accepted(self, callback: Callable[[], None]) -> None:
        self._transport.on_accepted(callback)

    def run_outcome(self) -> HostOutcome:
        started = time.monotonic()
        try:
            answer = self._transport.run()
        except (TransportError, CollectorError) as err:
            return HostOutcome(self._host, outcome_kind(err), str(err), duration_s=time.monotonic() - started)
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
