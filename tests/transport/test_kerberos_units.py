"""Kerberos pieces that need no KDC: the service principal a host is named by, user names as Kerberos
spells them, the line each GSSAPI/krb5 failure code gives, the CLI's credential options, and a
simulated host that refuses NTLM (the end-to-end runs against the Samba KDC are tests/ad/test_kerberos_*)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner.cli import build_app
from scanner.credentials import (
    EXPIRED,
    KDC_UNREACHABLE,
    NO_TICKET,
    NTLM_REFUSED,
    SKEW,
    Credentials,
    Secret,
    explain_kerberos,
)
from scanner.errors import AuthFailed
from scanner.model.host import AuthMethod, Host
from scanner.simulator import SimulatorThread, build_site
from scanner.transport.kerberos import kerberos_principal, service_principal
from scanner.transport.settings import TransportSettings
from scanner.transport.winrm import HostSession


def test_the_service_is_named_by_the_fqdn_whatever_address_is_connected_to() -> None:
    spn = service_principal(Host("EX01", fqdn="EX01.Corp.Example.", address="10.0.0.5"))
    assert spn is not None and str(spn) == "HTTP/ex01.corp.example"
    assert str(service_principal(Host("EX01", address="ex01.corp.example"))) == "HTTP/ex01.corp.example"
    assert service_principal(Host("EX01", address="10.0.0.5")) is None  # a ticket never names an address
    assert service_principal(Host("EX01", address="::1")) is None


def test_user_names_as_kerberos_spells_them() -> None:
    assert kerberos_principal("svc@corp.example") == "svc@CORP.EXAMPLE"
    assert kerberos_principal("CORP\\svc") == "svc"  # the default realm's
    assert kerberos_principal("svc") == "svc"


class FakeGssError(Exception):
    def __init__(self, major: int, minor: int) -> None:
        super().__init__(f"Major ({major}): ..., Minor ({minor}): ...")
        self.maj_code, self.min_code = major, minor


class Wrapped(Exception):
    """pyspnego's SpnegoError keeps the GSSAPI error as base_error."""

    def __init__(self, base: BaseException) -> None:
        super().__init__("SpnegoError")
        self.base_error = base


UNSPECIFIED = 851968  # GSS_S_FAILURE


@pytest.mark.parametrize(("major", "minor", "line"), [
    (UNSPECIFIED, 2529638944, EXPIRED),  # KRB5KRB_AP_ERR_TKT_EXPIRED
    (720896, 0x100, EXPIRED),  # GSS_S_CREDENTIALS_EXPIRED
    (UNSPECIFIED, 2529638949, SKEW),  # KRB5KRB_AP_ERR_SKEW
    (UNSPECIFIED, 2529639068, KDC_UNREACHABLE),  # KRB5_KDC_UNREACH
    (458752, 2529639053, NO_TICKET),  # GSS_S_NO_CRED, KRB5_CC_NOTFOUND
    (458752, 2529639107, NO_TICKET),  # KRB5_FCC_NOFILE
    (UNSPECIFIED, 2529638919, "the KDC knows no service principal HTTP/ex01.corp.example"),
])
def test_each_kerberos_failure_code_has_its_line(major: int, minor: int, line: str) -> None:
    spn = service_principal(Host("EX01", fqdn="ex01.corp.example", address="10.0.0.5"))
    for exc in (FakeGssError(major, minor), Wrapped(FakeGssError(major, minor))):
        said = explain_kerberos(exc, "during connect", spn)
        assert said is not None and line in said and said.endswith("(during connect)")


def test_a_krb5_library_error_and_a_message_alone_are_read_too() -> None:
    class Krb5Error(Exception):
        err_code = -1765328228  # KRB5_KDC_UNREACH, signed as python-krb5 gives it

    assert KDC_UNREACHABLE in (explain_kerberos(Krb5Error("Cannot contact any KDC"), "x") or "")
    text = Exception("SpnegoError (1): Major (851968): Unspecified, Minor (2529638949): Clock skew too great")
    assert SKEW in (explain_kerberos(text, "x") or "")
    assert explain_kerberos(Exception("no codes here"), "x") is None


def test_kerberos_needs_a_name_not_only_an_address() -> None:
    settings = TransportSettings(credentials=Credentials(None), auth=AuthMethod.KERBEROS)
    with pytest.raises(AuthFailed, match="Kerberos needs the host's name"):
        HostSession(Host("EX01", address="127.0.0.1", port=1), settings, "x").run()


def test_credentials_show_the_keytab_and_cache_never_a_password() -> None:
    c = Credentials("svc@CORP.EXAMPLE", None, keytab=Path("/etc/svc.keytab"))
    assert c.label == "svc@CORP.EXAMPLE (keytab /etc/svc.keytab)"
    cache = Credentials(None, None, ccache=Path("/var/lib/exready/cc"))
    assert cache.label == "(Kerberos ticket cache /var/lib/exready/cc)"
    assert "S3cret" not in repr(Credentials("svc", Secret("S3cret")))


@pytest.mark.parametrize(("args", "message"), [
    (["--keytab", "{kt}", "--ccache", "{kt}"], "--keytab and --ccache exclude each other"),
    (["--keytab", "/nonexistent/svc.keytab"], "--keytab /nonexistent/svc.keytab: no such file"),
    (["--ccache", "{kt}", "--auth", "ntlm", "--user", "x"], "--keytab and --ccache are Kerberos credentials"),
])
def test_kerberos_credential_options_are_checked(tmp_path: Path, args: list[str], message: str) -> None:
    kt = tmp_path / "svc.keytab"
    kt.write_bytes(b"\x05\x02")
    inventory = tmp_path / "inv.txt"
    inventory.write_text("ex01.corp.example\n", encoding="utf-8")
    result = CliRunner().invoke(build_app(), ["scan", "--inventory", str(inventory),
                                              *[a.format(kt=kt) for a in args]], env={"EXREADY_LANG": "en"})
    assert result.exit_code != 0
    assert message in result.output


# --- a host that refuses NTLM, without a KDC --------------------------------------------------------------

@pytest.fixture(scope="module")
def refusing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatorThread]:
    doc = {
        "name": "no-ntlm", "seed": 1, "domain": {"dns": "corp.example", "netbios": "CORP"},
        "credentials": {"username": "svc", "password": "Pw-1234!"},
        "defaults": {"schemes": ["http"], "auth": ["negotiate"]},
        "ad_sites": [{"name": "HQ", "pattern": "X{n:02d}", "addresses": "127.63.1.0/24", "count": 0}],
        "hosts": [{"name": "NONTLM", "address": "127.63.2.1", "refuse_ntlm": True},
                  {"name": "NTLMOK", "address": "127.63.2.2"}],
    }
    with SimulatorThread(build_site(doc), tmp_path_factory.mktemp("sim")) as sim:
        yield sim


def _session(sim: SimulatorThread, name: str) -> HostSession:
    h = sim.host(name)
    host = Host(h.name, fqdn=h.fqdn, address=h.address, port=h.http_port)
    settings = TransportSettings(credentials=Credentials("CORP\\svc", Secret("Pw-1234!")), deadline=20)
    return HostSession(host, settings, "Get-Date")


def test_a_host_refusing_ntlm_says_so_when_there_is_no_kerberos_credential(refusing: SimulatorThread) -> None:
    with pytest.raises(AuthFailed) as caught:
        _session(refusing, "NONTLM").run()
    assert NTLM_REFUSED in str(caught.value)
    assert refusing.stats().hosts["NONTLM"].auth_ok == 0


def test_the_same_account_authenticates_where_ntlm_is_allowed(refusing: SimulatorThread) -> None:
    try:
        _session(refusing, "NTLMOK").run()
    except AuthFailed as exc:
        pytest.fail(f"NTLM should be accepted: {exc}")
    except Exception:  # noqa: S110 - the script itself may fail; authentication is what is checked
        pass
    assert refusing.stats().hosts["NTLMOK"].auth_ok >= 1
