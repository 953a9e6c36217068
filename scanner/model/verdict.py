"""The judgement of one rule on one host: exactly one per (host, rule) pair."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    PASS = "pass"  # noqa: S105 - a verdict, not a password
    FAIL = "fail"
    WARN = "warn"
    NOT_APPLICABLE = "not_applicable"
    UNKNOWN = "unknown"


class UnknownReason(StrEnum):
    UNREACHABLE = "unreachable"
    AUTH_FAILED = "auth_failed"
    TIMEOUT = "timeout"
    TLS_ERROR = "tls_error"
    REMOTE_FAULT = "remote_fault"
    PROBE_ERROR = "probe_error"
    NOT_ATTEMPTED = "not_attempted"
    INTERRUPTED = "interrupted"
    FACT_MISSING = "fact_missing"  # the collector did not say
    FACT_UNREADABLE = "fact_unreadable"  # the collector said it could not read it
    NEEDS_AD = "needs_active_directory"
    NEEDS_INPUT = "needs_input"  # e.g. the installer account was not named
    RULE_ERROR = "rule_error"  # the rule itself raised: a bug in exready; the detail names the rule, the log the error


@dataclass(frozen=True, slots=True)
class Verdict:
    rule_id: str
    host: str
    status: Status
    detail: str = ""  # one line in English; facts, not prose (the catalog holds the prose)
    evidence: Mapping[str, Any] = field(default_factory=dict)
    reason: UnknownReason | None = None  # set exactly when status is UNKNOWN
