"""The staleness cutoff AD discovery applies: 90 days unless told otherwise, 0 to turn it off, the same
for inventory, scan and a sweep file."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner.cli import build_app
from scanner.directory.settings import AdSettings
from scanner.errors import UsageError


class _Stop(UsageError):
    pass


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> list[AdSettings]:
    """Capture the settings discovery would run with, and stop there (no DC in these tests)."""
    captured: list[AdSettings] = []

    def fake(settings: AdSettings, **_: object) -> object:
        captured.append(settings)
        raise _Stop("stopped before reading AD")

    # the command modules first, so they hold the real function when the patches are undone
    import scanner.cli.inventory
    import scanner.cli.scan
    import scanner.inventory.ad

    for module in (scanner.inventory.ad, scanner.cli.inventory, scanner.cli.scan):
        monkeypatch.setattr(module, "discover_hosts", fake)
    return captured


def run(*args: str) -> int:
    result = CliRunner().invoke(build_app(), list(args),
                                env={"EXREADY_AD_PASSWORD": "pw", "EXREADY_PASSWORD": "pw"})
    assert "stopped before reading AD" in result.output, result.output
    return result.exit_code


@pytest.mark.parametrize("command", ["inventory", "scan"])
def test_stale_cutoff_defaults_to_90_days_and_0_turns_it_off(seen: list[AdSettings], command: str) -> None:
    base = [command, "--ad", "ldaps://dc1.corp.test", "--ad-user", "svc@corp.test"]
    run(*base)
    run(*base, "--stale-days", "30")
    run(*base, "--stale-days", "0")
    assert [s.discovery.stale_days for s in seen] == [90, 30, None]


def test_sweep_file_stale_days_default_and_off(seen: list[AdSettings], tmp_path: Path) -> None:
    config = tmp_path / "site.toml"
    ad = '[inventory]\nad = "ldaps://dc1.corp.test"\nad_user = "svc@corp.test"\n'
    for extra in ("", "stale_days = 0\n"):
        config.write_text(ad + extra, encoding="utf-8")
        run("sweep", "--config", str(config), "--no-history")
    assert [s.discovery.stale_days for s in seen] == [90, None]
