"""Running the simulator in the foreground until Ctrl-C, SIGTERM, a duration, or the end of stdin."""

from __future__ import annotations

import asyncio
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType

from scanner.simulator.server import FleetServer


async def serve_until_stopped(
    server: FleetServer,
    *,
    duration_s: float | None = None,
    stop_on_stdin_eof: bool = False,
    on_ready: Callable[[FleetServer], None] | None = None,
) -> str:
    """Start ``server``, call ``on_ready``, serve, close. Returns why it stopped: "duration",
    "interrupt" (Ctrl-C), "terminate" (SIGTERM) or "stdin"."""
    loop = asyncio.get_running_loop()
    stopped: asyncio.Future[str] = loop.create_future()

    def stop(reason: str) -> None:
        if not stopped.done():
            stopped.set_result(reason)

    restore = _install_signal_handlers(loop, stop)
    try:
        await server.start()
        try:
            if on_ready is not None:
                on_ready(server)
            if duration_s:
                loop.call_later(duration_s, stop, "duration")
            if stop_on_stdin_eof:
                _watch_stdin(loop, stop)
            return await stopped
        finally:
            await server.close()
    finally:
        restore()


def _install_signal_handlers(
    loop: asyncio.AbstractEventLoop, stop: Callable[[str], None]
) -> Callable[[], None]:
    installed: list[signal.Signals] = []
    previous: dict[signal.Signals, object] = {}
    wanted = [(signal.SIGINT, "interrupt")]
    if hasattr(signal, "SIGTERM"):
        wanted.append((signal.SIGTERM, "terminate"))
    for sig, reason in wanted:
        try:
            loop.add_signal_handler(sig, stop, reason)
            installed.append(sig)
        except (NotImplementedError, RuntimeError, ValueError):
            # Windows' event loops have no add_signal_handler; a plain handler hops to the loop
            try:
                previous[sig] = signal.signal(sig, _threadsafe_handler(loop, stop, reason))
            except (ValueError, OSError):  # not the main thread
                pass

    def restore() -> None:
        for sig in installed:
            loop.remove_signal_handler(sig)
        for sig, handler in previous.items():
            signal.signal(sig, handler)  # type: ignore[arg-type]

    return restore


def _threadsafe_handler(
    loop: asyncio.AbstractEventLoop, stop: Callable[[str], None], reason: str
) -> Callable[[int, FrameType | None], None]:
    def handler(_signum: int, _frame: FrameType | None) -> None:
        loop.call_soon_threadsafe(stop, reason)

    return handler


def _watch_stdin(loop: asyncio.AbstractEventLoop, stop: Callable[[str], None]) -> None:
    def read() -> None:
        try:
            while sys.stdin.readline():
                pass
        except (OSError, ValueError):
            pass
        loop.call_soon_threadsafe(stop, "stdin")

    threading.Thread(target=read, name="simulator-stdin", daemon=True).start()
