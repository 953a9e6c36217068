"""The stop signals' handler, in this process: the first stops the scan, the second only says the
outputs are being written, the third abandons them and names the ones missing."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest
import typer

from scanner.cli import EXIT_INTERRUPTED, EXIT_TERMINATED
from scanner.cli.stopping import StopSignals

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="os.kill of a signal to this process")


def test_two_signals_leave_the_outputs_to_be_written(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    stops: list[str] = []
    before = signal.getsignal(signal.SIGINT)
    with StopSignals() as signals:
        signals.expect([tmp_path / "a.csv", tmp_path / "b.json"])
        signals.stop_with(lambda: stops.append("stop"))
        os.kill(os.getpid(), signal.SIGINT)
        signals.stop_with(None)
        os.kill(os.getpid(), signal.SIGINT)
        signals.wrote(tmp_path / "a.csv")
        signals.wrote(tmp_path / "b.json")
    assert stops == ["stop"]
    assert signals.first == "SIGINT" and signals.missing() == []
    err = capfd.readouterr().err
    assert "SIGINT: stopping" in err and "SIGINT again: writing the outputs first" in err
    assert signal.getsignal(signal.SIGINT) is before


@pytest.mark.parametrize(("first", "code"), [(signal.SIGINT, EXIT_INTERRUPTED), (signal.SIGTERM, EXIT_TERMINATED)])
def test_the_third_signal_abandons_the_outputs_and_names_the_missing_ones(
        tmp_path: Path, capfd: pytest.CaptureFixture[str], first: signal.Signals, code: int) -> None:
    written = tmp_path / "matrix.csv"
    missing = [tmp_path / "report.json", tmp_path / "report.html"]
    after_third: list[str] = []
    with pytest.raises(typer.Exit) as exit_info, StopSignals() as signals:
        signals.expect([written, *missing])
        os.kill(os.getpid(), first)
        signals.wrote(written)
        os.kill(os.getpid(), signal.SIGINT)
        os.kill(os.getpid(), signal.SIGINT)
        after_third.append("went on")  # never reached: the third signal stops the writing at once
    assert exit_info.value.exit_code == code
    assert after_third == []
    err = capfd.readouterr().err
    assert f"outputs not written: {missing[0]}, {missing[1]}" in err
    assert str(written) not in err.split("outputs not written:")[1]
