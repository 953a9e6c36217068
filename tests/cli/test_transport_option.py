"""``--transport lean|pypsrp`` and ``[winrm] transport``: read, checked, and carried to the sessions."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner.cli import build_app
from scanner.cli.scan_options import transport_settings
from scanner.credentials import Credentials, Secret
from scanner.errors import ConfigError, UsageError
from scanner.model.host import AuthMethod, Scheme
from scanner.sweep.config import load_config


def test_a_bad_transport_is_one_line_and_exit_3(tmp_path: Path) -> None:
    inventory = tmp_path / "hosts.txt"
    inventory.write_text("A1\n", encoding="utf-8")
    result = CliRunner().invoke(build_app(), ["scan", "-i", str(inventory), "--user", "u", "--transport", "fast"],
                                env={"EXREADY_PASSWORD": "pw"})
    assert result.exit_code == 3
    assert result.output.strip() == "exready: error: --transport 'fast': expected one of lean, pypsrp"


@pytest.mark.parametrize(("given", "expected"), [("lean", "lean"), ("pypsrp", "pypsrp"), ("PYPSRP", "pypsrp")])
def test_the_option_reaches_the_settings(given: str, expected: str) -> None:
    settings = transport_settings(Credentials("u", Secret("pw")), scheme=Scheme.HTTP, auth=AuthMethod.NTLM,
                                  ca_file=None, insecure=False, connect_timeout=1, read_timeout=30,
                                  operation_timeout=20, deadline=60, transport=given)
    assert settings.transport == expected


def test_the_sweep_file_names_the_transport(tmp_path: Path) -> None:
    config = tmp_path / "site.toml"
    config.write_text('[inventory]\nfile = "x.txt"\n', encoding="utf-8")
    assert load_config(config).winrm.transport == "lean"
    config.write_text('[inventory]\nfile = "x.txt"\n[winrm]\ntransport = "pypsrp"\n', encoding="utf-8")
    assert load_config(config).winrm.transport == "pypsrp"
    config.write_text('[inventory]\nfile = "x.txt"\n[winrm]\ntransport = "fast"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[winrm\] transport: expected one of 'lean', 'pypsrp'"):
        load_config(config)


def test_settings_refuse_an_unknown_transport() -> None:
    from scanner.transport.settings import TransportSettings

    with pytest.raises(UsageError):
        TransportSettings(credentials=Credentials("u", Secret("pw")), transport="threads")
