"""The documented exit codes, most severe first."""

from __future__ import annotations

import pickle

import pytest

from scanner.cli.scanning import exit_code
from scanner.credentials import Credentials, Secret
from scanner.model.matrix import Cell, CellStatus
from scanner.model.run import RunInfo, ScanResult


def result(*statuses: CellStatus, interrupted: bool = False, breaker: bool = False) -> ScanResult:
    info = RunInfo(run_id="r", started_at="", finished_at="", exchange_version="2013", inventory_source="t",
                   tool_version="0", interrupted=interrupted, breaker_opened=breaker)
    cells = tuple(Cell(host=f"H{i}", role="Mailbox", status=s) for i, s in enumerate(statuses))
    return ScanResult(info=info, roles=("Mailbox",), outcomes=(), verdicts={}, cells=cells)


@pytest.mark.parametrize(("res", "signal", "code"), [
    (result(CellStatus.READY, CellStatus.READY_WITH_WARNINGS), None, 0),
    (result(CellStatus.READY, CellStatus.BLOCKED), None, 1),
    (result(CellStatus.BLOCKED, CellStatus.UNKNOWN), None, 2),
    (result(CellStatus.UNKNOWN, breaker=True), None, 3),
    (result(CellStatus.BLOCKED, interrupted=True), None, 130),
    (result(CellStatus.READY, interrupted=True), "SIGINT", 130),
    (result(CellStatus.READY, interrupted=True), "SIGTERM", 143),
])
def test_exit_code(res: ScanResult, signal: str | None, code: int) -> None:
    assert exit_code(res, signal) == code


def test_secret_never_prints_or_pickles() -> None:
    creds = Credentials("CORP\\svc", Secret("hunter2"))
    assert "hunter2" not in repr(creds) and "hunter2" not in str(creds.password)
    assert creds.password is not None and creds.password.reveal() == "hunter2"
    with pytest.raises(TypeError):
        pickle.dumps(creds.password)
