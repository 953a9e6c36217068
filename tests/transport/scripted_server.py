"""What the transport tests' scripted HTTP peer says (the ``scripted`` fixture in tests/conftest.py
serves one connection on loopback): a well-formed reply, a hostile one, silence."""

from __future__ import annotations

import socket
from collections.abc import Callable

Script = Callable[[socket.socket], None]
Serve = Callable[[Script], tuple[str, int]]


def read_request(conn: socket.socket) -> bytes | None:
    """Read one request (head and Content-Length body); its head, or None when the client went first."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(rest) < length:
        more = conn.recv(65536)
        if not more:
            return None
        rest += more
    return head


def replying(*replies: bytes) -> Script:
    """Answer each request with the next of ``replies``; stop when the client goes."""
    def script(conn: socket.socket) -> None:
        for reply in replies:
            if read_request(conn) is None:
                return
            conn.sendall(reply)
    return script
