from __future__ import annotations

import os
import sys
import tomllib
from pathlib import Path

import pytest

from scanner.cli import EXIT_BLOCKED, EXIT_INTERRUPTED, EXIT_OK, EXIT_RUN_FAILED, EXIT_UNKNOWN
from scanner.errors import ConfigError, CredentialError
from scanner.sweep.config import CredentialSource, FailOn, example_config, load_config
from scanner.sweep.password_file import read_password_file
from scanner.sweep.policy import apply_fail_on

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "site.toml"
    path.write_text(text, encoding="utf-8")
    return path


MINIMAL = '[inventory]\nfile = "servers.txt"\n'


def test_minimal_config_has_the_documented_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, MINIMAL))
    assert config.inventory_file == tmp_path / "servers.txt"
    assert config.exchange == "2019"
    assert config.fail_on is FailOn.BLOCKED
    assert config.credentials.source is CredentialSource.KERBEROS
    assert (config.limits.concurrency, config.limits.deadline, config.limits.auth_breaker) == (0, 120.0, 5)  # 0: auto
    assert config.limits.workers == 0  # one per core from 200 hosts
    assert config.history.enabled and config.history.db is None and config.history.lock_wait == 0
    assert config.outputs.csv is None


def test_the_example_config_is_valid_and_complete(tmp_path: Path) -> None:
    path = write(tmp_path, example_config())
    config = load_config(path)
    assert config.credentials.user == "CORP\\svc-exready"
    assert config.credentials.source is CredentialSource.ENV
    assert config.outputs.csv_dialect == "excel-fr"
    assert (
        config.output_path(config.outputs.csv, "R1", "2026-11-21")
        == tmp_path / "out" / "matrix-2026-11-21.csv"
    )
    assert config.output_path(config.outputs.log_json, "R1", "d") == tmp_path / "out" / "events.jsonl"
    # every section of the example is a section the loader knows
    assert set(tomllib.loads(example_config())) >= {"inventory", "credentials", "winrm", "limits", "outputs"}


def test_full_config(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path,
            """
exchange = 2016
cu = 23
fail_on = "unknown"
[inventory]
ad = "ldaps://dc1.corp.example"
ad_user = "svc@corp.example"
base = ["OU=Servers,DC=corp,DC=example"]
name = "EX*"
stale_days = 30
[credentials]
user = "CORP\\\\svc"
source = "file"
password_file = "/etc/exready/pw"
[winrm]
scheme = "https"
auth = "Kerberos"
ca_file = "ca.pem"
[limits]
concurrency = 64
deadline = 90.5
[outputs]
dir = "/srv/out"
html = "r-{run_id}.html"
lang = "fr"
[history]
db = "h.sqlite3"
lock_wait = 600
""",
        )
    )
    assert (config.exchange, config.cu, config.fail_on) == ("2016", 23, FailOn.UNKNOWN)
    assert config.ad is not None and config.ad.base == ("OU=Servers,DC=corp,DC=example",)
    assert config.ad.name == ("EX*",) and config.ad.stale_days == 30
    assert config.credentials.password_file == Path("/etc/exready/pw")
    assert (config.winrm.scheme, config.winrm.auth, config.winrm.ca_file) == (
        "https",
        "kerberos",
        tmp_path / "ca.pem",
    )
    assert (config.limits.concurrency, config.limits.deadline) == (64, 90.5)
    assert config.output_path(config.outputs.html, "R9", "d") == Path("/srv/out/r-R9.html")
    assert config.history.db == tmp_path / "h.sqlite3" and config.history.lock_wait == 600


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            MINIMAL + "[limits]\nconcurrency = 5001\n",
            r"\[limits\] concurrency: expected an integer from 0 to 5000, got 5001",
        ),
        (MINIMAL + '[limits]\nconcurrency = "many"\n', r"\[limits\] concurrency: expected an integer"),
        (MINIMAL + "[limits]\nworkers = 65\n", r"\[limits\] workers: expected an integer from 0 to 64, got 65"),
        (
            MINIMAL + "[limits]\nconcurency = 4\n",
            r"\[limits\] concurency: unknown key \(known keys here: auth_breaker",
        ),
        (MINIMAL + "[output]\ncsv = 'x'\n", r"top level output: unknown key"),
        (
            "fail_on = 'sometimes'\n" + MINIMAL,
            r"top level fail_on: expected one of 'blocked', 'unknown', 'never'",
        ),
        ("exchange = 2010\n" + MINIMAL, r"exchange: expected one of 2013, 2016, 2019, SE, got 2010"),
        (MINIMAL + "[winrm]\nscheme = 'ftp'\n", r"\[winrm\] scheme"),
        (MINIMAL + "[outputs]\ncsv = 'm-{host}.csv'\n", r"only \{run_id\} and \{date\}"),
        (MINIMAL + "[history]\nlock_wait = -1\n", r"\[history\] lock_wait"),
        (MINIMAL + "[credentials]\nsource = 'env'\n", r"\[credentials\] source = 'env' needs user"),
        (MINIMAL + "[credentials]\nuser = 'u'\nsource = 'file'\n", r"needs password_file"),
        ("[inventory]\n", r"\[inventory\] needs file"),
        ("[inventory]\nfile = 'a'\nad = 'ldaps://dc'\nad_user = 'u'\n", r"exclude each other"),
        ("[inventory]\nad = 'ldaps://dc'\n", r"ad_auth = 'simple' needs ad_user"),
        ("[inventory\nfile = 'a'\n", r"not valid TOML"),
        ("inventory = 3\n", r"\[inventory\] must be a table"),
    ],
)
def test_bad_key_or_value_names_the_key_and_the_file(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as err:
        load_config(path)
    assert str(err.value).startswith(str(path)) or str(path) in str(err.value)
    assert "\n" not in str(err.value)


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the sweep configuration"):
        load_config(tmp_path / "none.toml")


@posix_only
def test_password_file_must_be_private(tmp_path: Path) -> None:
    path = tmp_path / "pw"
    path.write_text("s3cret-Pa55\n", encoding="utf-8")
    path.chmod(0o644)
    with pytest.raises(CredentialError, match=r"mode 644\); only its owner may read it: chmod 600") as err:
        read_password_file(path)
    assert "s3cret" not in str(err.value)
    path.chmod(0o640)
    with pytest.raises(CredentialError, match="mode 640"):
        read_password_file(path)
    path.chmod(0o600)
    assert read_password_file(path).reveal() == "s3cret-Pa55"
    path.chmod(0o400)
    assert read_password_file(path).reveal() == "s3cret-Pa55"
    assert "s3cret" not in repr(read_password_file(path))


def test_password_file_problems(tmp_path: Path) -> None:
    with pytest.raises(CredentialError, match="cannot read the password file"):
        read_password_file(tmp_path / "none")
    with pytest.raises(CredentialError, match="not a regular file"):
        read_password_file(tmp_path)
    empty = tmp_path / "empty"
    empty.write_text("\n", encoding="utf-8")
    if hasattr(os, "getuid"):
        empty.chmod(0o600)
    with pytest.raises(CredentialError, match="is empty"):
        read_password_file(empty)


@pytest.mark.parametrize(
    ("code", "fail_on", "expected"),
    [
        (EXIT_BLOCKED, FailOn.BLOCKED, EXIT_BLOCKED),
        (EXIT_UNKNOWN, FailOn.BLOCKED, EXIT_UNKNOWN),
        (EXIT_BLOCKED, FailOn.UNKNOWN, EXIT_OK),
        (EXIT_UNKNOWN, FailOn.UNKNOWN, EXIT_UNKNOWN),
        (EXIT_BLOCKED, FailOn.NEVER, EXIT_OK),
        (EXIT_UNKNOWN, FailOn.NEVER, EXIT_OK),
        (EXIT_RUN_FAILED, FailOn.NEVER, EXIT_RUN_FAILED),
        (EXIT_INTERRUPTED, FailOn.NEVER, EXIT_INTERRUPTED),
        (EXIT_OK, FailOn.BLOCKED, EXIT_OK),
    ],
)
def test_fail_on_policy(code: int, fail_on: FailOn, expected: int) -> None:
    assert apply_fail_on(code, fail_on) == expected


@pytest.mark.parametrize("typed", ['"se"', '"SE"', '"Se"'])
def test_exchange_se_in_a_sweep_file(tmp_path: Path, typed: str) -> None:
    config = load_config(write(tmp_path, f"exchange = {typed}\ncu = 0\n" + MINIMAL))
    assert (config.exchange, config.cu) == ("SE", 0)


def test_exchange_se_has_no_cu_1_yet(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cu"):
        load_config(write(tmp_path, 'exchange = "se"\ncu = 1\n' + MINIMAL))
