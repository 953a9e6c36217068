"""Fault profiles: what can go wrong with a simulated host, and where.

Each kind reproduces what the pypsrp client sees from a real Windows host in that situation:

=================== ==============================================================================
kind                behaviour (the exception pypsrp 0.9.1 raises)
=================== ==============================================================================
refuse              nothing listens on the port (requests ConnectionError, at once)
hang                accepts the connection, reads, never answers (ReadTimeout on the first request)
stall               never answers the WS-Man request of ``stage`` (ReadTimeout; on Receive pypsrp retries)
slow                the collector script takes ``delay_s`` seconds (success, long-poll TimedOut faults)
dribble             answers ``stage`` one byte every ``interval_s`` (read_timeout never fires);
                    with ``limit_s``, resets the connection after that long (ChunkedEncodingError)
always_401          every authentication attempt is refused with 401 (AuthenticationError); with
                    ``delay_s``, each refusal takes that long
tls_name_mismatch   the HTTPS certificate names another host (SSLError, certificate verify failed)
access_denied       WS-Man fault code 5 on ``stage`` (WSManFaultError)
shell_quota         WS-Man fault 2150859173, MaxShellsPerUser exceeded, on Create (WSManFaultError)
wsman_fault         any WS-Man fault: ``code``, ``subcode``, ``reason`` (WSManFaultError)
http_status         HTTP ``status`` with a non-SOAP body (WinRMTransportError)
garbage             non-HTTP bytes instead of an answer (ConnectionError at stage ``connect``;
                    an HTTP 200 whose body is not XML at a WS-Man stage: xml ParseError)
drop                connection reset while the client waits for ``stage`` (ConnectionError)
close               orderly close while the client waits for ``stage`` (ConnectionError)
truncate            half the body of ``stage``, then a reset (ChunkedEncodingError)
script_error        the collector's pipeline fails with an error record (had_errors, no output)
partial_facts       the collector answers, but some facts are missing or unreadable
psrp_broken         the runspace pool opens in the Broken state (InvalidPSRPOperation)
negative_chunk      a hostile peer: answers ``stage`` with a chunked reply whose chunk size is
                    ``chunk`` (default ``-1``), then streams ``size`` bytes (64 MiB) or until the
                    client goes
huge_answer         a hostile peer: the collector's answer carries an ``os.caption`` of ``size``
                    characters (default 30 MiB), sent as the host would, over many Receive replies
=================== ==============================================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scanner.errors import SimulatorError

# The WS-Man fault codes a real WinRM service puts in WSManFault/@Code (decimal).
ERROR_ACCESS_DENIED = 5
ERROR_WSMAN_OPERATION_TIMEDOUT = 2150858793  # 0x80338029, w:TimedOut; pypsrp polls again on it
ERROR_WSMAN_INVALID_SELECTORS = 2150858843  # 0x8033805B, unknown or expired ShellId
ERROR_WSMAN_ACTION_NOT_SUPPORTED = 2150858868  # 0x80338074
ERROR_WSMAN_QUOTA_MAX_SHELLS = 2150859173  # 0x803381A5, "maximum number of N concurrent shells"
ERROR_WSMAN_QUOTA_MAX_OPERATIONS = 2150859174  # 0x803381A6, "maximum number of N concurrent operations"

KINDS: frozenset[str] = frozenset(
    {
        "refuse",
        "hang",
        "stall",
        "slow",
        "dribble",
        "always_401",
        "tls_name_mismatch",
        "access_denied",
        "shell_quota",
        "wsman_fault",
        "http_status",
        "garbage",
        "drop",
        "close",
        "truncate",
        "script_error",
        "partial_facts",
        "psrp_broken",
        "negative_chunk",
        "huge_answer",
    }
)

# "connect" acts on the first HTTP request of a connection, before authentication.
STAGES: frozenset[str] = frozenset(
    {
        "connect",
        "create",
        "receive",
        "command",
        "send",
        "signal",
        "delete",
        "any",
    }
)

# Where a kind acts when the site file does not say.
_DEFAULT_STAGE: dict[str, str] = {
    "stall": "receive",
    "dribble": "receive",
    "access_denied": "create",
    "shell_quota": "create",
    "wsman_fault": "create",
    "http_status": "connect",
    "garbage": "connect",
    "drop": "receive",
    "close": "receive",
    "truncate": "receive",
    "negative_chunk": "receive",
}

# Kinds that only make sense at a WS-Man stage (they act on an answer the simulator built).
_NEEDS_WSMAN_STAGE = frozenset(
    {"stall", "dribble", "access_denied", "shell_quota", "wsman_fault", "drop", "close", "truncate",
     "negative_chunk"}
)
DEFAULT_FLOOD = 64 * 1024 * 1024  # negative_chunk: bytes streamed after the chunk size line
DEFAULT_HUGE_ANSWER = 30 * 1024 * 1024  # huge_answer: the reported incident's 30 MiB answer

DEFAULT_SCRIPT_ERROR = "Requested registry access is not allowed."
DEFAULT_PARTIAL_MISSING: tuple[str, ...] = ("hotfix.ids", "dotnet.release")
DEFAULT_PARTIAL_UNREADABLE: tuple[tuple[str, str], ...] = (
    ("ucma.version", "Requested registry access is not allowed."),
)


@dataclass(frozen=True, slots=True)
class FaultSpec:
    """One host's fault. ``nth``: the fault acts from the n-th request of ``stage`` on that host."""

    kind: str
    stage: str = "any"
    nth: int = 1
    delay_s: float = 0.0
    interval_s: float = 0.5
    limit_s: float | None = None  # dribble: give up (reset) after this long; None: trickle until the end
    code: int | None = None
    subcode: str | None = None
    reason: str | None = None
    status: int | None = None
    body: str | None = None
    message: str | None = None
    missing: tuple[str, ...] = field(default=())
    unreadable: tuple[tuple[str, str], ...] = field(default=())
    size: int | None = None  # negative_chunk: bytes streamed; huge_answer: characters of the fact
    chunk: str = "-1"  # negative_chunk: the chunk size line sent

    @property
    def label(self) -> str:
        """Short text for tables: the kind and, where it matters, the stage."""
        if self.kind in _NEEDS_WSMAN_STAGE or (
            self.kind in ("garbage", "http_status") and self.stage != "connect"
        ):
            return f"{self.kind}@{self.stage}"
        if self.kind == "slow":
            return f"slow {self.delay_s:g}s"
        if self.kind == "huge_answer":
            return f"huge_answer {self.size or DEFAULT_HUGE_ANSWER:,}"
        return self.kind

    def acts_at(self, stage: str, count: int) -> bool:
        return (self.stage == "any" or self.stage == stage) and count >= self.nth

    def wsman_fault(self) -> tuple[int, str, str]:
        """(code, subcode, reason) for the WS-Man fault kinds."""
        if self.kind == "access_denied":
            return ERROR_ACCESS_DENIED, "w:AccessDenied", self.reason or "Access is denied."
        if self.kind == "shell_quota":
            return quota_fault(5)  # Windows Server 2008 R2's default MaxShellsPerUser
        return (
            self.code if self.code is not None else ERROR_ACCESS_DENIED,
            self.subcode or "w:AccessDenied",
            self.reason or "Access is denied.",
        )


class WsmanFault(Exception):
    """A WS-Man fault to answer with (HTTP 500 and a SOAP s:Fault carrying f:WSManFault/@Code)."""

    def __init__(self, code: int, subcode: str, reason: str, *, receiver: bool = False) -> None:
        super().__init__(reason)
        self.code = code
        self.subcode = subcode
        self.reason = reason
        self.receiver = receiver


def invalid_selectors(what: str = "the shell") -> WsmanFault:
    return WsmanFault(
        ERROR_WSMAN_INVALID_SELECTORS,
        "w:InvalidSelectors",
        "The WS-Management service cannot process the request because the request contained "
        f"invalid selectors for the resource ({what} does not exist or has expired).",
    )


def timed_out() -> WsmanFault:
    return WsmanFault(
        ERROR_WSMAN_OPERATION_TIMEDOUT,
        "w:TimedOut",
        "The WS-Management service cannot complete the operation within the time specified "
        "in OperationTimeout.",
        receiver=True,
    )


def quota_fault(limit: int) -> tuple[int, str, str]:
    """The fault a Windows host answers to a Create over the user's MaxShellsPerUser quota."""
    return (
        ERROR_WSMAN_QUOTA_MAX_SHELLS,
        "w:QuotaLimit",
        "The WS-Management service cannot process the request. This user is allowed a maximum number of "
        f"{limit} concurrent shells, which has been exceeded. Close existing shells or raise the quota for "
        "this user.",
    )


_FIELDS = {
    "kind",
    "stage",
    "nth",
    "delay_s",
    "interval_s",
    "code",
    "subcode",
    "reason",
    "status",
    "body",
    "message",
    "limit_s",
    "missing",
    "unreadable",
    "size",
    "chunk",
}


def parse_fault(raw: Any, where: str) -> FaultSpec | None:
    """A fault from a site file: a kind name, or a mapping with ``kind`` and its parameters."""
    if raw is None:
        return None
    if isinstance(raw, str):
        raw = {"kind": raw}
    if not isinstance(raw, Mapping):
        raise SimulatorError(f"{where}: a fault is a kind name or a mapping, not {type(raw).__name__}")
    unknown = set(raw) - _FIELDS
    if unknown:
        raise SimulatorError(f"{where}: unknown fault field(s) {', '.join(sorted(map(str, unknown)))}")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise SimulatorError(f"{where}: unknown fault kind {kind!r} (known: {', '.join(sorted(KINDS))})")
    stage = str(raw.get("stage", _DEFAULT_STAGE.get(kind, "any")))
    if stage not in STAGES:
        raise SimulatorError(f"{where}: unknown fault stage {stage!r} (known: {', '.join(sorted(STAGES))})")
    if kind in _NEEDS_WSMAN_STAGE and stage in ("connect", "any"):
        raise SimulatorError(f"{where}: fault {kind} needs a WS-Man stage (create, receive, command, ...)")
    try:
        nth = int(raw.get("nth", 1))
        delay_s = float(raw.get("delay_s", 3.0 if kind == "slow" else 0.0))
        interval_s = float(raw.get("interval_s", 0.5))
        limit_s = float(raw["limit_s"]) if raw.get("limit_s") is not None else None
        code = int(raw["code"]) if raw.get("code") is not None else None
        status = int(raw.get("status", 503 if stage == "connect" else 500)) if kind == "http_status" else None
        size = int(raw["size"]) if raw.get("size") is not None else None
    except (TypeError, ValueError) as exc:
        raise SimulatorError(f"{where}: bad fault parameter ({exc})") from None
    if nth < 1 or delay_s < 0 or interval_s <= 0 or (size is not None and size < 0):
        raise SimulatorError(f"{where}: nth must be >= 1, delay_s >= 0, interval_s > 0 and size >= 0")
    chunk = str(raw.get("chunk", "-1"))
    if not chunk or any(c in chunk for c in "\r\n"):
        raise SimulatorError(f"{where}: chunk is one line of text")
    missing: tuple[str, ...] = ()
    unreadable: tuple[tuple[str, str], ...] = ()
    if kind == "partial_facts":
        raw_missing = raw.get("missing", list(DEFAULT_PARTIAL_MISSING))
        raw_unreadable = raw.get("unreadable", dict(DEFAULT_PARTIAL_UNREADABLE))
        if not isinstance(raw_missing, list) or not isinstance(raw_unreadable, Mapping):
            raise SimulatorError(
                f"{where}: partial_facts takes missing: [names] and unreadable: {{name: error}}"
            )
        missing = tuple(str(m) for m in raw_missing)
        unreadable = tuple((str(k), str(v)) for k, v in raw_unreadable.items())
    return FaultSpec(
        kind=str(kind),
        stage=stage,
        nth=nth,
        delay_s=delay_s,
        interval_s=interval_s,
        limit_s=limit_s,
        code=code,
        subcode=_opt_str(raw.get("subcode")),
        reason=_opt_str(raw.get("reason")),
        status=status,
        body=_opt_str(raw.get("body")),
        message=_opt_str(raw.get("message")),
        missing=missing,
        unreadable=unreadable,
        size=size,
        chunk=chunk,
    )


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)
