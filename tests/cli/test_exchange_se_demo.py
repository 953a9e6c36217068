"""`exready demo --exchange se`: the demo estate judged for Exchange Server Subscription Edition."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner.cli import build_app

pytestmark = pytest.mark.simulator


def test_demo_for_exchange_se(tmp_path: Path) -> None:
    result = CliRunner().invoke(build_app(), ["demo", "--exchange", "se", "--out", str(tmp_path), "--no-progress",
                                              "--lang", "en"])
    assert result.exit_code == 0, result.output
    main, _, section = result.output.partition("With the simulated directory")
    rows = {line.split()[0]: line for line in main.splitlines() if line[:1].isalpha()}
    for host in ("LYO-W2025", "PAR-W2025-CORE", "LYO-W2022", "PAR-W2019"):
        assert rows[host].split()[2] == "READY*", rows[host]  # Windows Server 2019 to 2025: ready for SE
    for host in ("PAR-W2016", "PAR-W2012R2"):
        assert "BLOCKED: ValidOSVersion" in rows[host]
    for host in ("PAR-EX01", "LYO-EX01"):  # Exchange 2013 installed: no in-place upgrade to SE
        assert "BLOCKED: ExreadySeInPlaceUpgrade" in rows[host]
    assert rows["LYO-EX19"].split()[2] == "READY*"  # Exchange 2019 CU15 in a DAG: SE installs in place
    found = {line.split()[0]: line.split() for line in section.splitlines() if line.strip()}
    assert found["ExreadySeExchange2013Block"][1:3] == ["error", "fail"]
    assert found["ExreadyExchangeSupportStatus"][1:3] == ["warning", "warn"]
    assert "Exchange SE" in (tmp_path / "report.html").read_text(encoding="utf-8")
