"""Suite-wide rules: under CI (CI=true), a test that needs Samba, Chromium or PostgreSQL, or the
wheel-install test, may not skip. The throw-away PostgreSQL cluster (tests/pg_cluster.py) is shared by
the session; each test that asks for ``pg_url`` gets a new database in it."""

from __future__ import annotations

import itertools
import os
import socket
import threading
from collections.abc import Callable, Generator, Iterator
from typing import Any

import pytest

_MUST_RUN_IN_CI = ("samba", "browser", "install", "postgres")
_databases = itertools.count(1)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Any]:
    """A PostgreSQL cluster on 127.0.0.1 for the whole session (skips when the server is missing)."""
    import pg_cluster as pg

    if pg.find_bindir() is None:
        pytest.skip("PostgreSQL server binaries are not installed (bash tests/run installs them)")
    with pg.cluster() as cluster:
        yield cluster


@pytest.fixture
def pg_url(pg_cluster: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    """A new, empty database; its URL has no password: the account's is in $EXREADY_DB_PASSWORD."""
    import pg_cluster as pg

    monkeypatch.setenv("EXREADY_DB_PASSWORD", pg.PASSWORD)
    url: str = pg_cluster.create_database(f"t{next(_databases)}")
    return url


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:  # a test that uses the cluster needs PostgreSQL, whichever fixture brings it
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("location") if callspec is not None else None  # tests/history
        if "pg_cluster" in getattr(item, "fixturenames", ()) or backend == "postgresql":
            item.add_marker(pytest.mark.postgres)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, None, None]:
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI", "").lower() != "true" or not report.skipped:
        return
    needed = [m for m in _MUST_RUN_IN_CI if item.get_closest_marker(m) is not None]
    if needed:
        report.outcome = "failed"
        report.longrepr = f"CI=true: a test that needs {', '.join(needed)} was skipped ({report.longrepr!r})"


# How many cases each fuzz test ran, shown in the terminal summary (pytest -q included).
_FUZZ_CASES = pytest.StashKey[dict[str, int]]()


@pytest.fixture
def fuzz_cases(request: pytest.FixtureRequest) -> dict[str, int]:
    """A fuzz test records here how many cases it ran."""
    return request.config.stash.setdefault(_FUZZ_CASES, {})


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int,
                            config: pytest.Config) -> None:
    cases = config.stash.get(_FUZZ_CASES, {})
    if cases:
        terminalreporter.write_line("fuzz: " + "; ".join(f"{name}: {n:,} cases" for name, n in sorted(cases.items())))


@pytest.fixture
def scripted() -> Iterator[Callable[[Callable[[socket.socket], None]], tuple[str, int]]]:
    """A one-connection server on loopback running a script against the accepted socket (the transport
    tests' hostile and well-formed HTTP peers; tests/transport/scripted_server.py has the scripts)."""
    started: list[tuple[socket.socket, threading.Thread]] = []

    def start(script: Callable[[socket.socket], None]) -> tuple[str, int]:
        srv = socket.create_server(("127.0.0.1", 0))

        def run() -> None:
            try:
                conn, _ = srv.accept()
                with conn:
                    script(conn)
            except OSError:
                pass  # the client hung up on a reply it refused, or never came (the server is closed)

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        started.append((srv, thread))
        host, port = srv.getsockname()[:2]
        return str(host), int(port)

    yield start
    for srv, thread in started:
        srv.close()
        thread.join(timeout=10)
