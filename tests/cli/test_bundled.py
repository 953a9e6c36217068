"""The simulator's sites ship with the package: commands take them by name, from any folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner.bundled import DEMO_DIRECTORY, DEMO_SITE, INVENTORIES_DIR, site_file, site_names
from scanner.cli import EXIT_RUN_FAILED, build_app
from scanner.errors import UsageError
from scanner.inventory.file import load_inventory


def test_the_bundled_files_are_inside_the_package() -> None:
    package = Path(__file__).resolve().parents[2] / "scanner"
    for path in (DEMO_SITE, DEMO_DIRECTORY, INVENTORIES_DIR / "servers.txt"):
        assert path.is_file() and path.is_relative_to(package), path
    assert site_names() == ("demo", "faults")


@pytest.mark.parametrize("given", ["demo", "demo.yaml", Path("faults")])
def test_a_bundled_site_by_name(given: str | Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # an empty folder: nothing of the checkout around
    assert site_file(given).parent == DEMO_SITE.parent
    assert site_file(given).stem == Path(given).name.removesuffix(".yaml")


def test_a_file_of_that_name_wins_over_the_bundled_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "demo.yaml").write_text("name: mine\n", encoding="utf-8")
    assert site_file("demo.yaml") == Path("demo.yaml")


def test_an_unknown_site_names_the_bundled_ones(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"no bundled site of that name \(bundled: demo, faults\)"):
        site_file(tmp_path / "nosuch.yaml")
    result = CliRunner().invoke(build_app(), ["simulate", "nosuch"])
    assert result.exit_code == EXIT_RUN_FAILED
    assert result.output.strip().splitlines() == [
        "exready: error: nosuch: no such site file, and no bundled site of that name (bundled: demo, faults)"]


def test_simulate_serves_a_bundled_site_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(build_app(), ["simulate", "faults", "--duration", "0.5", "--address-mode", "port",
                                              "--write-inventory", "hosts.csv"])
    assert result.exit_code == 0, result.output
    assert "site contoso-faults)" in result.output
    assert load_inventory(tmp_path / "hosts.csv").hosts


def test_the_example_inventories_are_package_data() -> None:
    assert [p.name for p in sorted(INVENTORIES_DIR.iterdir())] == ["servers.csv", "servers.txt", "servers.yaml"]
