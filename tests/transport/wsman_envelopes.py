"""WS-Man envelopes as pypsrp builds them, captured without a network: what the lean channel's tests
and bench/lean_channel.py send before the asyncio conversation exists (a Create of a PowerShell
runspace pool, and the Delete of the shell it made)."""

from __future__ import annotations

import re
from typing import Any

from pypsrp.powershell import RunspacePool
from pypsrp.wsman import SelectorSet, WSMan

_RESOURCE = "http://schemas.microsoft.com/powershell/Microsoft.PowerShell"
_SHELL_ID = re.compile(rb"<(?:\w+:)?ShellId>([^<]{1,64})</(?:\w+:)?ShellId>")


class _Captured(Exception):
    pass


class _Capture:
    """What pypsrp's WSMan calls as its transport: keeps the envelope and stops the call there."""

    endpoint = "http://sim:5985/wsman"

    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def send(self, message: bytes, **_: Any) -> bytes:
        self.sent.append(message)
        raise _Captured

    def close(self) -> None:
        pass


def _wsman() -> tuple[WSMan, _Capture]:
    wsman = WSMan("sim", port=5985, username="u", password="p", ssl=False, auth="negotiate")  # noqa: S106
    capture = _Capture()
    wsman.transport = capture  # type: ignore[assignment]
    return wsman, capture


def create_envelope() -> bytes:
    """The Create that opens a runspace pool (its creationXml carries the first PSRP fragments)."""
    wsman, capture = _wsman()
    try:
        RunspacePool(wsman).open()
    except _Captured:
        pass
    return capture.sent[0]


def delete_envelope(shell_id: str) -> bytes:
    """The Delete of the shell ``shell_id``."""
    wsman, capture = _wsman()
    selectors = SelectorSet()
    selectors.add_option("ShellId", shell_id)
    try:
        wsman.delete(_RESOURCE, selector_set=selectors)
    except _Captured:
        pass
    return capture.sent[0]


def shell_id_of(create_response: bytes) -> str:
    match = _SHELL_ID.search(create_response)
    if match is None:
        raise AssertionError(f"no ShellId in {create_response[:200]!r}")
    return match.group(1).decode("ascii")
