"""How a host's scan ended. Every inventory host ends with exactly one outcome."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from scanner.model.facts import HostFacts
from scanner.model.host import Host


class OutcomeKind(StrEnum):
    OK = "ok"  # the collector answered; facts are there
    UNREACHABLE = "unreachable"
    AUTH_FAILED = "auth_failed"
    TIMEOUT = "timeout"
    TLS_ERROR = "tls_error"
    REMOTE_FAULT = "remote_fault"  # WS-Man fault, HTTP error status, broken runspace
    PROBE_ERROR = "probe_error"  # the collector ran but its answer could not be used
    NOT_ATTEMPTED = "not_attempted"  # e.g. the authentication breaker opened
    INTERRUPTED = "interrupted"  # Ctrl-C / SIGTERM before the host finished


@dataclass(frozen=True, slots=True)
class HostOutcome:
    host: Host
    kind: OutcomeKind
    reason: str = ""  # one line, no secrets
    facts: HostFacts | None = None
    auth_mechanism: str | None = None  # what was negotiated: ntlm, kerberos, basic, ...
    duration_s: float = 0.0
    # what the host's PSRP handshake said: its PowerShell version and protocol version (None: the
    # session did not get that far)
    ps_version: str | None = None
    psrp_protocol: str | None = None

    @property
    def ok(self) -> bool:
        return self.kind is OutcomeKind.OK
