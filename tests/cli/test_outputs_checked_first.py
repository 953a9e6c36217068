"""Fail before the work: an output file that cannot be written is found before any host is scanned, in
one line, for every output option of scan and sweep."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner.cli import EXIT_RUN_FAILED, build_app
from scanner.cli.scanning import check_output_paths
from scanner.errors import UsageError


class NoScan(Exception):
    pass


@pytest.fixture(autouse=True)
def no_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    """A scan that starts fails the test: the check must come first."""
    def refuse(*args: object, **kwargs: object) -> None:
        raise NoScan("the scan started")
    monkeypatch.setattr("scanner.cli.scan.run_scan", refuse)
    monkeypatch.setattr("scanner.cli.sweep.run_scan", refuse)


def _inventory(tmp_path: Path) -> Path:
    path = tmp_path / "servers.txt"
    path.write_text("EX01\nEX02\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("option", ["--csv", "--json", "--html", "--findings-csv"])
def test_scan_refuses_an_output_in_a_missing_folder_before_scanning(tmp_path: Path, option: str) -> None:
    target = tmp_path / "nonexistent" / "dir" / "x.out"
    result = CliRunner().invoke(build_app(), [
        "scan", "--inventory", str(_inventory(tmp_path)), "--user", "u", option, str(target), "--no-progress",
    ], env={"EXREADY_PASSWORD": "p"})
    assert not isinstance(result.exception, NoScan)
    assert result.exit_code == EXIT_RUN_FAILED, result.output
    assert result.output.splitlines() == [f"exready: error: {option} {target}: {target.parent} no such folder"]


def test_scan_refuses_a_folder_as_an_output_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(build_app(), [
        "scan", "--inventory", str(_inventory(tmp_path)), "--user", "u", "--csv", str(tmp_path), "--no-progress",
    ], env={"EXREADY_PASSWORD": "p"})
    assert result.exit_code == EXIT_RUN_FAILED
    assert result.output.splitlines() == [f"exready: error: --csv {tmp_path}: is a folder; name a file"]


@pytest.mark.parametrize(("option", "key"), [("--csv", "csv"), ("--json", "json"), ("--html", "html"),
                                             ("--findings-csv", "findings_csv"), ("--log-json", "log_json")])
def test_sweep_refuses_a_folder_as_an_output_before_scanning(tmp_path: Path, option: str, key: str) -> None:
    target = tmp_path / "a-folder"
    target.mkdir()
    base = f'[inventory]\nfile = "{_inventory(tmp_path).as_posix()}"\n[credentials]\nuser = "u"\n'
    config = tmp_path / "sweep.toml"
    for args, toml, label in (([option, str(target)], base, option),
                              ([], base + f'[outputs]\n{key} = "{target.as_posix()}"\n', f"[outputs] {key}")):
        config.write_text(toml, encoding="utf-8")
        result = CliRunner().invoke(build_app(), [
            "sweep", "--config", str(config), "--no-history", "--no-progress", *args,
        ], env={"EXREADY_PASSWORD": "p"})
        assert not isinstance(result.exception, NoScan)
        assert result.exit_code == EXIT_RUN_FAILED, result.output
        assert result.output.splitlines() == [f"exready: error: {label} {target}: is a folder; name a file"]


def test_an_output_the_user_may_not_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("scanner.cli.scanning.os.access", lambda path, mode: False)  # as for a non-root user
    with pytest.raises(UsageError, match=r"^--html .*x.html: not writable by this user$"):
        check_output_paths({"--html": tmp_path / "x.html"})
    check_output_paths({"--html": None})


@pytest.mark.parametrize("where", ["under-a-file", "a-folder"])
def test_sweep_refuses_a_history_database_it_cannot_write_before_scanning(tmp_path: Path, where: str) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    db = blocker / "h.db" if where == "under-a-file" else tmp_path
    result = CliRunner().invoke(build_app(), [
        "sweep", "--inventory", str(_inventory(tmp_path)), "--user", "u", "--db", str(db), "--no-progress",
    ], env={"EXREADY_PASSWORD": "p"})
    assert not isinstance(result.exception, NoScan)
    assert result.exit_code == EXIT_RUN_FAILED, result.output
    assert len(result.output.splitlines()) == 1 and str(db) in result.output
