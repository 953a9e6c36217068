"""One simulated host per fault kind the simulator injects (several stages for some), with the outcome
a user must see for it: shared by the scale tests and the test that compares the two transport paths."""

from __future__ import annotations

from typing import Any

from scanner.model.outcome import OutcomeKind

FAULTS: dict[str, tuple[Any, dict[str, Any], OutcomeKind]] = {
    "F-REFUSE": ("refuse", {}, OutcomeKind.UNREACHABLE),
    "F-HANG": ("hang", {}, OutcomeKind.TIMEOUT),
    "F-STALL-RX": ({"kind": "stall", "stage": "receive", "nth": 2}, {}, OutcomeKind.TIMEOUT),
    "F-STALL-CREATE": ({"kind": "stall", "stage": "create"}, {}, OutcomeKind.TIMEOUT),
    "F-SLOW": ({"kind": "slow", "delay_s": 1.5}, {}, OutcomeKind.OK),
    "F-DRIBBLE": ({"kind": "dribble", "stage": "receive", "nth": 2, "interval_s": 0.5}, {}, OutcomeKind.TIMEOUT),
    "F-401": ("always_401", {}, OutcomeKind.AUTH_FAILED),
    "F-TLS": ("tls_name_mismatch", {"schemes": ["https"], "auth": ["basic"]}, OutcomeKind.TLS_ERROR),
    "F-DENIED": ("access_denied", {}, OutcomeKind.REMOTE_FAULT),
    "F-QUOTA": ("shell_quota", {}, OutcomeKind.REMOTE_FAULT),
    "F-WSMAN": ({"kind": "wsman_fault", "stage": "command", "code": 2150858843, "subcode": "w:InvalidSelectors",
                 "reason": "The request contained invalid selectors for the resource."}, {},
                OutcomeKind.REMOTE_FAULT),
    "F-HTTP503": ({"kind": "http_status", "stage": "connect", "status": 503}, {}, OutcomeKind.REMOTE_FAULT),
    "F-GARBAGE": ("garbage", {}, OutcomeKind.REMOTE_FAULT),
    "F-GARBAGE-RX": ({"kind": "garbage", "stage": "receive", "nth": 2}, {}, OutcomeKind.REMOTE_FAULT),
    "F-DROP": ({"kind": "drop", "stage": "receive", "nth": 2}, {}, OutcomeKind.REMOTE_FAULT),
    "F-CLOSE": ({"kind": "close", "stage": "receive", "nth": 2}, {}, OutcomeKind.REMOTE_FAULT),
    "F-TRUNC": ({"kind": "truncate", "stage": "receive", "nth": 2}, {}, OutcomeKind.REMOTE_FAULT),
    "F-SCRIPTERR": ({"kind": "script_error", "message": "Requested registry access is not allowed."}, {},
                    OutcomeKind.PROBE_ERROR),
    "F-PARTIAL": ({"kind": "partial_facts", "missing": ["hotfix.ids"]}, {}, OutcomeKind.OK),
    "F-BROKEN": ("psrp_broken", {}, OutcomeKind.REMOTE_FAULT),
}
