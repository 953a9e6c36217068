"""Suite-wide rules: under CI (CI=true), a test that needs Samba or Chromium, or the wheel-install test, may
not skip."""

from __future__ import annotations

import os
from collections.abc import Generator

import pytest

_MUST_RUN_IN_CI = ("samba", "browser", "install")


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
