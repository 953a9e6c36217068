"""A long-poll Receive waits as long as the user's read timeout, not pypsrp's OperationTimeout + 2 s.

A loaded Windows server sends its w:TimedOut a little after the operation timeout; with only 2 s of
slack, 62 of 300 slow simulated hosts (answer times 15-57 s, operation timeout 10 s) ended
"read timed out" although every one of them answered."""

from __future__ import annotations

from typing import Any

from scanner.transport.http import Reply, WinRMHttpTransport
from scanner.transport.sockets import SocketWatch


class _Connection:
    connected = True

    def __init__(self) -> None:
        self.timeouts: list[float] = []

    def post(self, path: str, headers: list[tuple[str, str]], body: bytes, timeout: float) -> Reply:
        self.timeouts.append(timeout)
        return Reply(200, {"content-type": "application/soap+xml;charset=UTF-8"}, b"<ok/>")


def _transport(read_timeout: float) -> tuple[WinRMHttpTransport, _Connection]:
    transport = WinRMHttpTransport("127.0.0.1", 5986, https=True, path="wsman", auth="basic", username="u",
                                   password="p",  # noqa: S106 - no host sees it
                                   tls=None, connection_timeout=5.0, read_timeout=read_timeout,
                                   watch=SocketWatch())
    conn = _Connection()
    transport._conn = conn  # type: ignore[assignment]  # the socket is not what is tested here
    return transport, conn


def test_a_receive_waits_for_the_users_read_timeout() -> None:
    transport, conn = _transport(read_timeout=30.0)
    transport.send(b"<receive/>", retries_on_read_timeout=5, timeout=12)  # what pypsrp asks: 10 s + 2
    assert conn.timeouts == [30.0]


def test_a_longer_wait_asked_by_pypsrp_is_kept() -> None:
    transport, conn = _transport(read_timeout=30.0)
    args: dict[str, Any] = {"timeout": (5.0, 62.0)}
    transport.send(b"<receive/>", **args)
    transport.send(b"<other/>")
    assert conn.timeouts == [62.0, 30.0]
