from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner.cli import build_app


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(build_app(), ["sweep", "--no-progress", *args])
    return result.exit_code, result.output


@pytest.fixture
def ad_config(tmp_path: Path) -> Path:
    path = tmp_path / "site.toml"
    path.write_text(
        '[inventory]\nad = "ldaps://127.0.0.1:1"\nad_user = "svc@corp.example"\nad_timeout = 2\n'
        '[history]\ndb = "h.sqlite3"\n',
        encoding="utf-8",
    )
    return path


def test_ad_inventory_without_password_names_the_keys(
    ad_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EXREADY_AD_PASSWORD", raising=False)
    code, out = run("--config", str(ad_config))
    assert code == 3
    assert "EXREADY_AD_PASSWORD is not set" in out and str(ad_config) in out and "ad_password_file" in out


def test_unreachable_dc_is_one_line(ad_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXREADY_AD_PASSWORD", "not-a-real-password")
    code, out = run("--config", str(ad_config))
    assert code == 3
    assert "cannot connect to the DC at ldaps://127.0.0.1:1" in out
    assert "not-a-real-password" not in out and "Traceback" not in out


def test_winrm_password_variable_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "inv.txt").write_text("EX01\n", encoding="utf-8")
    config = tmp_path / "site.toml"
    config.write_text(
        '[inventory]\nfile = "inv.txt"\n[credentials]\nuser = "CORP\\\\svc"\npassword_env = "NIGHTLY_PW"\n'
        "[history]\nenabled = false\n",
        encoding="utf-8",
    )
    monkeypatch.delenv("NIGHTLY_PW", raising=False)
    code, out = run("--config", str(config))
    assert code == 3
    assert "no password for CORP\\svc: the environment variable NIGHTLY_PW is not set" in out


def test_bad_config_and_resume_without_history(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[inventory]\nfile = "x"\n[limits]\nconcurrency = "lots"\n', encoding="utf-8")
    code, out = run("--config", str(bad))
    assert code == 3 and f"{bad}: [limits] concurrency: expected an integer" in out
    code, out = run("--inventory", str(tmp_path / "x"), "--no-history", "--resume", "last")
    assert code == 3 and "--resume needs the history database" in out


def test_example_config_is_printed(tmp_path: Path) -> None:
    code, out = run("--example-config")
    assert code == 0 and out.startswith("# exready sweep configuration") and "[history]" in out
