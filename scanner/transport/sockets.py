"""Sockets a host's session opened, so a deadline can cut them from another thread.

pypsrp's read timeout bounds one socket read, not a reply: a host that trickles a byte at a time,
or stalls mid-Receive while pypsrp retries, can hold a worker thread for minutes. ``asyncio`` cannot
stop a thread, but shutting the thread's sockets down makes its blocked ``recv`` return at once, and
pypsrp then raises, so the thread ends. Each worker thread registers a ``SocketWatch``; the HTTP
connection classes below report every socket they open to the watch of the thread that opens it.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from typing import Any

import requests
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool


class SocketWatch:
    """The sockets of one host's session; ``abort`` shuts them all down, now and later."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._aborted = False
        # Called once, from the session's thread, when the host first accepts the credential (the
        # authentication breaker learns it then, not seconds later when the collector has answered).
        self.on_accepted: Callable[[], None] | None = None
        self._accepted = False

    def accepted(self) -> None:
        if self._accepted:
            return
        self._accepted = True
        callback = self.on_accepted
        if callback is not None:
            callback()

    @property
    def aborted(self) -> bool:
        return self._aborted

    def add(self, sock: socket.socket) -> None:
        with self._lock:
            if self._aborted:
                _shut(sock)
            else:
                self._sockets.append(sock)

    def abort(self) -> None:
        with self._lock:
            self._aborted = True
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            _shut(sock)


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed


class _ThreadWatch(threading.local):
    watch: SocketWatch | None = None


_thread_watch = _ThreadWatch()


def watching(watch: SocketWatch | None) -> None:
    """Make ``watch`` receive the sockets this thread opens from now on (None: stop)."""
    _thread_watch.watch = watch


class _Watched:
    def _new_conn(self) -> socket.socket:
        sock: socket.socket = super()._new_conn()  # type: ignore[misc]
        watch = _thread_watch.watch
        if watch is not None:
            watch.add(sock)
        return sock


class _WatchedHTTPConnection(_Watched, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_Watched, HTTPSConnection):
    pass


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


def watch_session(session: requests.Session) -> None:
    """Make every connection of ``session`` report its socket to the opening thread's watch."""
    for prefix in ("http://", "https://"):
        adapter: Any = session.get_adapter(prefix)
        adapter.poolmanager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}
