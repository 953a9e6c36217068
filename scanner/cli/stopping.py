"""Ctrl-C and SIGTERM from the start of a scan until its outputs are written.

The first signal stops the scan: no new host starts, hosts in flight get a short grace, and every
output is still written with the unfinished hosts marked interrupted. People press Ctrl-C again
when a stop seems slow; the reports are what the stop was waiting for, so a second signal only says
they are being written. A third abandons them, and says which outputs are missing.

The handlers stay in place until the outputs are out: an event-loop handler alone would be gone
once the scan's loop ends, and a late Ctrl-C would then abort the report writing without a word.
Plain ``signal.signal`` handlers work the same on POSIX and Windows (which has no
``loop.add_signal_handler``); during the scan they hand the stop to the loop thread-safely.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

import typer

from scanner.exitcodes import EXIT_INTERRUPTED, EXIT_TERMINATED

ABANDON_AT = 3  # the signal that abandons the outputs


class OutputsAbandoned(KeyboardInterrupt):
    """Raised in the main thread by the signal that abandons the outputs. A KeyboardInterrupt, so that
    ``except Exception`` blocks let it through and the event loop re-raises it as it does Ctrl-C."""


def _names() -> list[str]:
    # Windows has SIGTERM in the signal module (raised by the C runtime, not sent by other processes),
    # so installing a handler for it is harmless there; a platform without it is skipped.
    return [name for name in ("SIGINT", "SIGTERM") if hasattr(signal, name)]


def _say(line: str) -> None:
    """One line on stderr from a signal handler: straight to the descriptor, because the handler may
    interrupt the main thread in the middle of a buffered write to stderr (a reentrant write fails)."""
    data = (line + "\n").encode("utf-8", "replace")
    try:
        os.write(sys.stderr.fileno(), data)
    except (OSError, ValueError, AttributeError):  # no descriptor (a test runner's capture)
        typer.echo(line, err=True)


class StopSignals:
    """Handles SIGINT and SIGTERM while installed (a context manager)::

        with StopSignals() as signals:
            signals.expect([report, matrix])
            run = run_scan(request, catalog, signals=signals)
            write_outputs(run.result, outputs, signals)

    On the third signal the ``with`` ends with exit code 130 (143 if the first was SIGTERM) after one
    line naming the outputs not written."""

    def __init__(self) -> None:
        self.received: list[str] = []
        self._on_stop: Callable[[], None] | None = None
        self._outputs: list[Path] = []
        self._written: set[Path] = set()
        self._previous: dict[int, Any] = {}

    # -- what the command tells it ----------------------------------------------------------------

    @property
    def first(self) -> str | None:
        """The first signal received ("SIGINT" / "SIGTERM"), or None."""
        return self.received[0] if self.received else None

    def stop_with(self, on_stop: Callable[[], None] | None) -> None:
        """What the first signal does while the scan runs (None once it is over). Called at once if
        a signal came before the scan started."""
        self._on_stop = on_stop
        if on_stop is not None and self.received:
            on_stop()

    def expect(self, paths: Iterable[Path | None]) -> None:
        for path in paths:
            if path is not None and path not in self._outputs:
                self._outputs.append(path)

    def wrote(self, path: Path | None) -> None:
        if path is not None:
            self._written.add(path)

    def missing(self) -> list[Path]:
        return [p for p in self._outputs if p not in self._written]

    # -- the handlers -----------------------------------------------------------------------------

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        self.received.append(name)
        count = len(self.received)
        if count >= ABANDON_AT:
            if self._on_stop is None:  # writing the outputs: stop there (atomic writers drop their temp files)
                raise OutputsAbandoned(name)
            # Still scanning: an exception raised into the event loop would leave sessions running in
            # threads that the interpreter then waits for at exit. Leave now: what each host has
            # recorded in the history stays (the run reads as abandoned, and --resume finishes it), and
            # worker processes exit when their pipe closes.
            _say(self._abandoned_line(name))
            os._exit(self._code())
        if count == 1:
            if self._on_stop is not None:
                _say(f"exready: {name}: stopping; hosts in flight get a short grace, then the outputs are "
                     "written")
                self._on_stop()
            else:
                _say(f"exready: {name}: writing the outputs first; signal twice more to abandon them")
        else:
            _say(f"exready: {name} again: writing the outputs first; one more signal abandons them")

    def __enter__(self) -> StopSignals:
        # Only the main thread may install handlers (a test may run a command in another thread).
        if threading.current_thread() is threading.main_thread():
            for name in _names():
                signum = getattr(signal, name)
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        for signum, old in self._previous.items():
            signal.signal(signum, old)
        self._previous.clear()
        if isinstance(ev, OutputsAbandoned):
            typer.echo(self._abandoned_line(ev.args[0] if ev.args else "signal"), err=True)
            raise typer.Exit(self._code()) from None

    def _abandoned_line(self, name: str) -> str:
        missing = self.missing()
        what = ", ".join(str(p) for p in missing) if missing else "none (every output was written)"
        return f"exready: {name} a third time: stopped at once; outputs not written: {what}"

    def _code(self) -> int:
        return EXIT_TERMINATED if self.first == "SIGTERM" else EXIT_INTERRUPTED
