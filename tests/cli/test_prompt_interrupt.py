"""Ctrl-C at the password prompt exits 130 (interrupted), as documented, with no traceback."""

from __future__ import annotations

import types
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner.cli import EXIT_INTERRUPTED, EXIT_RUN_FAILED, build_app


class _Terminal:
    def isatty(self) -> bool:
        return True


def _prompt_raises(monkeypatch: pytest.MonkeyPatch, exc: BaseException) -> None:
    def getpass(prompt: str = "") -> str:
        raise exc
    monkeypatch.setattr("scanner.credentials.getpass.getpass", getpass)
    monkeypatch.setattr("scanner.credentials.sys", types.SimpleNamespace(stdin=_Terminal()))
    monkeypatch.delenv("EXREADY_PASSWORD", raising=False)


def _scan(tmp_path: Path) -> list[str]:
    inventory = tmp_path / "servers.txt"
    inventory.write_text("EX01\n", encoding="utf-8")
    return ["scan", "--inventory", str(inventory), "--user", "CORP\\svc", "--no-progress"]


def test_ctrl_c_at_the_password_prompt_exits_130(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _prompt_raises(monkeypatch, KeyboardInterrupt())
    result = CliRunner().invoke(build_app(), _scan(tmp_path))
    assert result.exit_code == EXIT_INTERRUPTED, result.output
    assert "exready: interrupted" in result.output and "Traceback" not in result.output
    assert not isinstance(result.exception, KeyboardInterrupt)


def test_end_of_input_at_the_prompt_is_no_password(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _prompt_raises(monkeypatch, EOFError())
    result = CliRunner().invoke(build_app(), _scan(tmp_path))
    assert result.exit_code == EXIT_RUN_FAILED
    assert result.output.strip() == "exready: error: no password given"
