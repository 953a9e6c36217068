"""Helpers shared by the simulator tests (a plain module: fixtures live in conftest.py)."""

from __future__ import annotations

import json
from typing import Any

from pypsrp.wsman import WSMan

from scanner.simulator import SimHost, SimulatorProcess, SimulatorThread

USER = "svc-test"
PASSWORD = "Test-Lab-Pass-1!"  # noqa: S105 - the simulated lab's account
COLLECTOR = "# exready-collector 1\n$facts = @{}\n"


def answer_of(output: list[Any]) -> dict[str, Any]:
    """The collector's answer as pypsrp returns it, one JSON string, decoded."""
    assert len(output) == 1, output
    assert isinstance(output[0], str), type(output[0])
    table: dict[str, Any] = json.loads(output[0])
    return table


def fast(**overrides: Any) -> dict[str, Any]:
    """Small client timeouts, so a fault costs a second or two."""
    return {
        "connection_timeout": 2,
        "read_timeout": 2,
        "operation_timeout": 1,
        "reconnection_backoff": 0.1,
        **overrides,
    }


def wsman_for(
    sim: SimulatorThread | SimulatorProcess,
    host: SimHost,
    *,
    ssl: bool = False,
    auth: str = "negotiate",
    username: str = USER,
    password: str = PASSWORD,
    **kwargs: Any,
) -> WSMan:
    port = host.https_port if ssl else host.http_port
    options = fast(**kwargs)
    wsman = WSMan(host.address, port=port, ssl=ssl, auth=auth, username=username, password=password, **options)
    return verify_fqdn(wsman, host) if ssl else wsman


def verify_fqdn(wsman: WSMan, host: SimHost) -> WSMan:
    """Connect to the host's address, but check its certificate against its FQDN and ask for it by SNI, as
    exready does: a simulated certificate, like a real WinRM one, names the FQDN only (pypsrp by itself
    would check the address)."""
    transport: Any = wsman.transport
    session = transport._build_session()  # pypsrp builds it on the first request otherwise
    session.get_adapter("https://").poolmanager.connection_pool_kw["server_hostname"] = host.fqdn
    transport.session = session
    return wsman
