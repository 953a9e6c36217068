"""A failed run always says why, even with --quiet: a wrong password opens the authentication breaker, the
run exits 3, and stderr carries the reason in one line (the table is dropped, never the reason)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from scanner.cli import EXIT_RUN_FAILED, build_app
from scanner.simulator import SimulatorThread, build_site
from scanner.simulator.profiles import baseline_document

pytestmark = pytest.mark.simulator

PASSWORD = "Right-Pass-2026!"  # noqa: S105 - the simulated lab's account
WRONG = "not-the-password"  # noqa: S105
HOSTS = 6


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatorThread]:
    doc = {
        "name": "breaker-reason", "seed": 5, "domain": {"dns": "contoso.test", "netbios": "CONTOSO"},
        "credentials": {"username": "svc-scan", "password": PASSWORD},
        "defaults": {"schemes": ["http"], "auth": ["negotiate"]}, "baseline": baseline_document(),
        "ad_sites": [{"name": "Paris", "pattern": "B{n:02d}", "addresses": "127.46.1.0/24", "count": HOSTS}],
    }
    with SimulatorThread(build_site(doc), tmp_path_factory.mktemp("sim")) as running:
        yield running


FAST = ["--deadline", "6"]


def _reason_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("exready: error:")]


def test_scan_quiet_with_a_wrong_password_says_why_it_exits_3(sim: SimulatorThread, tmp_path: Path) -> None:
    inventory = sim.write_inventory(tmp_path / "inventory.csv")
    result = CliRunner().invoke(build_app(), [
        "scan", "--inventory", str(inventory), "--user", "CONTOSO\\svc-scan", "--auth-breaker", "2",
        "--concurrency", "2", "--no-progress", "--quiet", "--json", str(tmp_path / "r.json"), *FAST,
    ], env={"EXREADY_PASSWORD": WRONG, "EXREADY_LANG": "en"})
    assert result.exit_code == EXIT_RUN_FAILED, result.output
    assert result.stdout == ""  # --quiet: no table
    lines = _reason_lines(result)
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("exready: error: the authentication breaker stopped the run: 2 host(s) refused "
                               "the account (first: B0")
    assert lines[0].endswith(f"); {HOSTS - 2} host(s) not attempted, so that the account is not locked out")
    skipped = [h for h in json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["hosts"]
               if h["outcome"]["kind"] == "not_attempted"]
    assert len(skipped) == HOSTS - 2
    for host in skipped:  # said once: the kind says "not attempted", the reason says why
        assert host["outcome"]["reason"].startswith("authentication breaker (2 consecutive authentication "
                                                    "failures with CONTOSO\\svc-scan;")


def test_the_notes_say_not_attempted_once(sim: SimulatorThread, tmp_path: Path) -> None:
    inventory = sim.write_inventory(tmp_path / "inventory.csv")
    result = CliRunner().invoke(build_app(), [
        "scan", "--inventory", str(inventory), "--user", "CONTOSO\\svc-scan", "--auth-breaker", "2",
        "--concurrency", "2", "--no-progress", *FAST,
    ], env={"EXREADY_PASSWORD": WRONG, "EXREADY_LANG": "en"})
    assert result.exit_code == EXIT_RUN_FAILED, result.output
    assert "not_attempted: authentication breaker (2 consecutive" in result.stdout
    assert "not attempted: authentication breaker" not in result.stdout
    assert len(_reason_lines(result)) == 1  # and the reason after the table, on stderr


def test_sweep_quiet_with_a_wrong_password_says_why_in_french_too(sim: SimulatorThread, tmp_path: Path) -> None:
    inventory = sim.write_inventory(tmp_path / "inventory.csv")
    config = tmp_path / "sweep.toml"
    config.write_text(f'[inventory]\nfile = "{inventory.as_posix()}"\n[credentials]\nuser = "CONTOSO\\\\svc-scan"\n'
                      '[limits]\nauth_breaker = 2\nconcurrency = 2\ndeadline = 6\n', encoding="utf-8")
    result = CliRunner().invoke(build_app(), [
        "sweep", "--config", str(config), "--db", str(tmp_path / "h.db"),
        "--no-progress", "--quiet", "--lang", "fr",
    ], env={"EXREADY_PASSWORD": WRONG})
    assert result.exit_code == EXIT_RUN_FAILED, result.output
    assert result.stdout == ""
    assert "recorded as run" in result.stderr
    lines = _reason_lines(result)
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("exready: error: le disjoncteur d'authentification a arrêté l'analyse : 2 serveur(s) "
                               "ont refusé le compte (premier : B0")
