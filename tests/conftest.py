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
