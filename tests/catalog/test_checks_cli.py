"""`exready checks list` and `exready checks explain` through typer's runner."""

from __future__ import annotations

import re

import pytest
from catalog_kit import catalog
from typer.testing import CliRunner

from scanner.checks.documented import DOCUMENTED_2013, DOCUMENTED_2016_2019
from scanner.cli import build_app


def run(*args: str, lang: str = "en") -> tuple[int, str]:
    result = CliRunner().invoke(build_app(), list(args), env={"EXREADY_LANG": lang})
    return result.exit_code, result.output


COUNTS = re.compile(r"Exchange (\d{4}|SE): (\d+) documented rules: (\d+) implemented, (\d+) out of reach, (\d+) "
                    r"unaccounted; plus (\d+) further Setup rules implemented \((\d+) rules judged in all\)")


def test_list_accounts_for_every_documented_rule_of_every_version() -> None:
    code, out = run("checks", "list")
    assert code == 0, out
    counts = {m.group(1): tuple(int(g) for g in m.groups()[1:]) for m in COUNTS.finditer(out)}
    assert set(counts) == {"2013", "2016", "2019", "SE"}
    for version, (documented, implemented, oor, missing, extra, total) in counts.items():
        assert documented == (92 if version == "2013" else 42)
        assert implemented + oor == documented and missing == 0
        assert total == implemented + extra == len(catalog().rules_for(version))
    for name in (*DOCUMENTED_2013, *DOCUMENTED_2016_2019):
        assert re.search(rf"^{name}\s", out, re.MULTILINE | re.IGNORECASE), f"{name} not listed"


def test_list_for_one_version_shows_roles_severity_and_reasons() -> None:
    code, out = run("checks", "list", "--exchange", "2016")
    assert code == 0, out
    assert "Exchange 2016: 42 documented rules" in out and "Exchange 2013:" not in out
    row = next(line for line in out.splitlines() if line.startswith("IISURLRewriteNotInstalled "))
    assert "error" in row and "Mailbox" in row and "implemented" in row
    row = next(line for line in out.splitlines() if line.startswith("MitigationsCloudEndpointUnreachable "))
    assert "warning" in row and "out of reach (needs a" in row and "network probe from the" in out
    roles_column = {line.split()[3].rstrip(",") for line in out.splitlines()[2:] if line[:1].isalpha()
                    and len(line.split()) > 4}
    assert "ClientAccess" not in roles_column  # 2016 has no Client Access role
    assert not re.search(r"^Exchange2013AnyOnExchange2010Server\s", out, re.MULTILINE)  # a 2013-only rule


def test_list_in_french() -> None:
    code, out = run("checks", "list", "-x", "2013", "--lang", "fr")
    assert code == 0, out
    assert "Exchange 2013 : 92 règles documentées" in out
    assert "hors de portée" in out and "implémentée" in out


def test_explain_an_implemented_rule() -> None:
    code, out = run("checks", "explain", "minimumframeworknotinstalled")
    assert code == 0, out
    assert out.startswith("MinimumFrameworkNotInstalled: ")
    assert r"HKLM\SOFTWARE\Microsoft\NET Framework Setup\NDP\v4\Full\Release" in out  # what it reads
    assert "dotnet.release" in out
    assert "Remediation (English):" in out and "Remediation (French):" in out
    assert "Installez la version du .NET Framework" in out
    assert "Help: https://" in out
    assert "Evidence it needs:" in out


def test_explain_an_out_of_reach_rule_in_french() -> None:
    code, out = run("checks", "explain", "CannotAccessAD", "--lang", "fr")
    assert code == 0, out
    assert "hors de portée" in out and "depuis le serveur" in out
    assert "Aide : https://" in out


def test_explain_an_installer_rule_names_the_input() -> None:
    code, out = run("checks", "explain", "SchemaUpdateRequired")
    assert code == 0, out
    assert "--installer-account" in out and "ad.exchange_schema_version" in out


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (("checks", "explain", "UcmaRedist"), "did you mean UcmaRedistMsi"),
        (("checks", "explain", "NoSuchRule"), "no rule named 'NoSuchRule'"),
        (("checks", "list", "--exchange", "2010"), "--exchange must be one of 2013, 2016, 2019"),
    ],
)
def test_bad_input_is_one_line_and_exit_3(args: tuple[str, ...], text: str) -> None:
    code, out = run(*args)
    assert code == 3
    assert text in out
    assert "Traceback" not in out
    assert len([line for line in out.splitlines() if line.strip()]) == 1


KNOWN = re.compile(r"Known Setup rules: (\d+) \(DC (\d+), LOG (\d+), D13 (\d+), D16 (\d+)\): (\d+) implemented, "
                   r"(\d+) out of reach, (\d+) not applicable, (\d+) unaccounted\.")


def test_list_accounts_for_every_known_setup_rule_by_source_and_version() -> None:
    code, out = run("checks", "list")
    assert code == 0, out
    m = KNOWN.search(out)
    assert m is not None, out[-2000:]
    total, dc, log, d13, d16, implemented, oor, na, missing = (int(g) for g in m.groups())
    assert (dc, d13, d16) == (205, 92, 42) and log > 150
    assert implemented + oor + na == total and missing == 0
    for version in ("2013", "2016", "2019", "SE"):
        assert re.search(rf"^Exchange {version} Setup runs \d+ of them: \d+ implemented", out, re.MULTILINE)
    row = next(line for line in out.splitlines() if line.startswith("LangPackInstalled "))
    assert "not applicable" in row and "DC, LOG" in row
    row = next(line for line in out.splitlines() if line.startswith("AllServersOfHigherVersionRule "))
    assert "implemented" in row
    row = next(line for line in out.splitlines() if line.startswith("ExreadyWmf4Prerequisite "))
    assert "exready's own" in row


def test_known_counts_in_french() -> None:
    code, out = run("checks", "list", "-x", "2016", "--lang", "fr")
    assert code == 0, out
    assert "Règles connues du programme d'installation : " in out and "0 non couvertes." in out
    assert "Le programme d'installation d'Exchange 2016 en exécute " in out


def test_explain_a_rule_that_does_not_apply() -> None:
    code, out = run("checks", "explain", "langpackinstalled")
    assert code == 0, out
    assert out.startswith("LangPackInstalled") and "not applicable" in out and "language packs" in out
    assert "Known from: DC, LOG" in out
    code, out = run("checks", "explain", "RemoteRegException")
    assert code == 0 and "Known from: DC, LOG" in out


def test_explain_names_the_source_of_a_rule_that_is_not_setups() -> None:
    code, out = run("checks", "explain", "ExreadyWmf4Prerequisite")
    assert code == 0, out
    assert "not a Setup rule" in out and "prerequisites documentation" in out
    assert "Known from: exready's own" in out and "(Setup rule)" not in out
    assert "ps.clr_version" in out and "ps.version" in out


def test_list_for_exchange_se_accounts_for_every_rule() -> None:
    code, out = run("checks", "list", "--exchange", "se")
    assert code == 0, out
    assert "Exchange SE: 42 documented rules: 38 implemented, 4 out of reach, 0 unaccounted" in out
    assert f"({len(catalog().rules_for('SE'))} rules judged in all)" in out and "Exchange 2019:" not in out
    m = re.search(r"^Exchange SE Setup runs (\d+) of them: (\d+) implemented, (\d+) out of reach, "
                  r"(\d+) not applicable, (\d+) judged for another version only", out, re.MULTILINE)
    assert m is not None, out[-1500:]
    runs, implemented, oor, na, other = (int(g) for g in m.groups())
    assert implemented + oor + na + other == runs
    for rule in ("ExreadySeExchange2013Block", "ExreadySeCoexistenceMinVersion", "ExreadySeInPlaceUpgrade",
                 "ExreadyExchangeSupportStatus"):
        row = next(line for line in out.splitlines() if line.startswith(rule + " "))
        assert "SE" in row and "implemented" in row and "exready's own" in row


def test_explain_shows_where_the_se_values_come_from() -> None:
    code, out = run("checks", "explain", "ValidOSVersion")
    assert code == 0, out
    assert "Exchange: 2013, 2016, 2019, SE" in out and "Where its values come from:" in out
    assert "Windows Server 2025 is build 26100" in out and "[inferred]" in out
    code, out = run("checks", "explain", "ExreadySeCoexistenceMinVersion", lang="fr")
    assert code == 0 and "D'où viennent ses valeurs" in out and "[undocumented]" in out
