"""Bad input gives one clear line and exit code 3, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner.cli import build_app


def invoke(args: list[str], env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(build_app(), args, env=env or {})
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.exit_code, result.output


@pytest.fixture
def inventory(tmp_path: Path) -> Path:
    path = tmp_path / "hosts.txt"
    path.write_text("A1 address=127.0.0.1 port=1\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(("args", "text"), [
    (["scan"], "say what to scan"),
    (["scan", "--inventory", "missing.txt"], "no such inventory file"),
    (["scan", "--inventory", "{inv}", "--auth", "basic", "--user", "u"], "Basic authentication"),
    (["scan", "--inventory", "{inv}", "--ca-file", "nope.pem", "--user", "u"], "--ca-file nope.pem: no such file"),
    (["scan", "--inventory", "{inv}", "--user", "u", "--read-timeout", "5", "--operation-timeout", "10"],
     "must be longer than the operation timeout"),
    (["scan", "--inventory", "{inv}", "--user", "u", "--exchange", "2010"], "unknown Exchange version"),
    (["scan", "--inventory", "{inv}", "--user", "u", "--concurrency", "5001"], "--concurrency"),
    (["scan", "--inventory", "{inv}", "--user", "u", "--no-such-option"], "No such option"),
    (["scan", "--inventory", "{inv}", "--user", "u", "-x", "2019", "--cu", "23"],
     "--cu for Exchange 2019 must be between 0 (RTM) and 15, not 23"),
    (["evaluate", "samples/facts/demo-facts.json", "-x", "2019", "--cu", "23"],
     "--cu for Exchange 2019 must be between 0 (RTM) and 15, not 23"),
    (["sweep", "--inventory", "{inv}", "--no-history", "-x", "2016", "--cu", "99"],
     "--cu for Exchange 2016 must be between 0 (RTM) and 23, not 99"),
    (["demo", "-x", "2010"], "unknown Exchange version '2010'"),
    (["show", "X", "--from", "missing.json"], "no such file"),
    (["evaluate", "{inv}"], "not valid JSON"),
])
def test_bad_input_is_one_line_and_exit_3(inventory: Path, args: list[str], text: str) -> None:
    code, output = invoke([a.replace("{inv}", str(inventory)) for a in args], env={"EXREADY_PASSWORD": "pw"})
    assert code == 3, output
    assert text in output
    assert "Traceback" not in output


def test_sweep_file_cu_out_of_range_names_the_key(tmp_path: Path, inventory: Path) -> None:
    config = tmp_path / "site.toml"
    config.write_text(f'exchange = 2019\ncu = 23\n[inventory]\nfile = "{inventory}"\n', encoding="utf-8")
    code, output = invoke(["sweep", "--config", str(config), "--no-history"], env={"EXREADY_PASSWORD": "pw"})
    assert code == 3, output
    assert f"{config}: top level cu: expected an integer from 0 to 15, got 23" in output
    assert len([line for line in output.splitlines() if line.strip()]) == 1


def test_no_password_is_a_clear_error(inventory: Path) -> None:
    code, output = invoke(["scan", "--inventory", str(inventory), "--user", "CORP\\svc"])
    assert code == 3
    assert "no password for CORP\\svc" in output and "EXREADY_PASSWORD" in output


def test_bad_inventory_line_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_text("A1\nB2 port=x\n", encoding="utf-8")
    code, output = invoke(["scan", "--inventory", str(path), "--user", "u"], env={"EXREADY_PASSWORD": "pw"})
    assert code == 3
    assert f"{path}:2: port 'x' is not a number" in output
    assert len([line for line in output.splitlines() if line.strip()]) == 1


def test_unreachable_host_keeps_its_row_and_exit_is_2(inventory: Path, tmp_path: Path) -> None:
    out = tmp_path / "m.csv"
    code, output = invoke(["scan", "--inventory", str(inventory), "--user", "u", "--csv", str(out),
                           "--connect-timeout", "1", "--deadline", "5"], env={"EXREADY_PASSWORD": "pw"})
    assert code == 2, output
    rows = out.read_text(encoding="utf-8").splitlines()
    assert len(rows) == 1 + 4
    assert all(",UNKNOWN," in r and "connection refused" in r for r in rows[1:])
    assert all("is WinRM listening on port 1?" in r for r in rows[1:])  # the port it tried, named


CLEARTEXT = "without --starttls would send the bind password in clear"


@pytest.mark.parametrize("command", ["inventory", "scan"])
def test_simple_bind_over_plain_ldap_is_refused_unless_asked_for(command: str) -> None:
    base = [command, "--ad", "ldap://127.0.0.1:1", "--ad-user", "svc@corp.test", "--ad-timeout", "0.5"]
    env = {"EXREADY_AD_PASSWORD": "pw", "EXREADY_PASSWORD": "pw"}
    code, output = invoke(base, env=env)
    assert code == 3, output
    assert output.strip() == ("exready: error: --ad ldap://127.0.0.1:1 " + CLEARTEXT + ": use ldaps://, --starttls "
                              "or --ad-auth ntlm/kerberos (or --ad-allow-cleartext-bind to accept it)")
    # said explicitly, or with StartTLS, or NTLM (the password never crosses): the DC is tried (closed port)
    for extra in (["--ad-allow-cleartext-bind"], ["--starttls"], ["--ad-auth", "ntlm", "--ad-user", "CORP\\svc"]):
        code, output = invoke([*base, *extra], env=env)
        assert code == 3 and CLEARTEXT not in output and "cannot connect to the DC" in output, output


def test_sweep_file_plain_ldap_simple_bind_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "site.toml"
    config.write_text('[inventory]\nad = "ldap://127.0.0.1:1"\nad_user = "svc@corp.test"\n', encoding="utf-8")
    code, output = invoke(["sweep", "--config", str(config), "--no-history"],
                          env={"EXREADY_AD_PASSWORD": "pw", "EXREADY_PASSWORD": "pw"})
    assert code == 3 and CLEARTEXT in output, output
    config.write_text(config.read_text(encoding="utf-8") + "ad_allow_cleartext_bind = true\n", encoding="utf-8")
    code, output = invoke(["sweep", "--config", str(config), "--no-history"],
                          env={"EXREADY_AD_PASSWORD": "pw", "EXREADY_PASSWORD": "pw"})
    assert code == 3 and CLEARTEXT not in output and "cannot connect to the DC" in output, output
