"""Small unit tests of the directory layer, without a DC: URL parsing, filters, sites, classification,
error mapping, CLI validation; discovery's paging and counting on ldap3's mock strategy."""

from __future__ import annotations

import socket
import sys
import time
from pathlib import Path
from typing import Any

import ldap3
import pytest
from typer.testing import CliRunner

from scanner.cli import EXIT_RUN_FAILED, build_app
from scanner.credentials import Credentials, Secret
from scanner.directory.connection import Deadline, DirectoryConnection, RootDse, raise_for_result
from scanner.directory.discovery import (
    ComputerRecord,
    ExclusionReason,
    decode_computer,
    discover,
    exclusion_reason,
)
from scanner.directory.filters import bit_and, eq
from scanner.directory.org import version_from_number, version_from_serial
from scanner.directory.settings import (
    AdAuth,
    BindSettings,
    DiscoverySettings,
    LdapSecurity,
    SearchScopeSpec,
    parse_dc_url,
)
from scanner.directory.sites import (
    SITE_NO_SUBNET,
    SITE_NOT_RESOLVED,
    SiteMap,
    parse_resolve_items,
    read_hosts_file,
    resolve_names,
)
from scanner.errors import DirectoryAuthError, DirectoryQueryError, DirectoryUnreachable, UsageError

SECRET = "S3cret-Never-Shown"  # noqa: S105 - checks that messages never carry the password


def bind_settings(
    url: str = "ldaps://dc1.corp.test", auth: AdAuth = AdAuth.SIMPLE, user: str = "svc@corp.test"
) -> BindSettings:
    return BindSettings(parse_dc_url(url), Credentials(user, Secret(SECRET)), auth=auth)


# ---- URLs and filters -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "starttls", "host", "port", "security"),
    [
        ("ldaps://dc1.corp.test", False, "dc1.corp.test", 636, LdapSecurity.LDAPS),
        ("dc1.corp.test", False, "dc1.corp.test", 636, LdapSecurity.LDAPS),
        ("LDAPS://dc1:3269", False, "dc1", 3269, LdapSecurity.LDAPS),
        ("ldap://dc1", True, "dc1", 389, LdapSecurity.STARTTLS),
        ("ldap://10.0.0.5:3268", False, "10.0.0.5", 3268, LdapSecurity.PLAIN),
        ("ldaps://[::1]:636", False, "::1", 636, LdapSecurity.LDAPS),
    ],
)
def test_dc_urls(url: str, starttls: bool, host: str, port: int, security: LdapSecurity) -> None:
    ep = parse_dc_url(url, starttls=starttls)
    assert (ep.host, ep.port, ep.security) == (host, port, security)


@pytest.mark.parametrize("url", ["", "http://dc1", "ldaps://dc1/DC=corp", "ldaps://u:p@dc1", "ldaps://dc1:99999"])
def test_bad_dc_urls(url: str) -> None:
    with pytest.raises(UsageError):
        parse_dc_url(url)


def test_starttls_needs_ldap_scheme() -> None:
    with pytest.raises(UsageError, match="--starttls goes with ldap://"):
        parse_dc_url("ldaps://dc1", starttls=True)


def test_filter_values_are_escaped() -> None:
    assert eq("cn", "a*(b)\\c") == "(cn=a\\2a\\28b\\29\\5cc)"
    assert eq("msExchDomainLink", "DC=x,DC=y") == "(msExchDomainLink=DC=x,DC=y)"
    assert bit_and("userAccountControl", 2) == "(userAccountControl:1.2.840.113556.1.4.803:=2)"


# ---- sites -------------------------------------------------------------------------------------------


def test_longest_prefix_subnet_wins() -> None:
    sites = SiteMap.build(
        [
            ("10.0.0.0/8", "Big"),
            ("10.1.0.0/16", "Paris"),
            ("10.1.2.0/24", "Paris-Lab"),
            ("2001:db8::/32", "V6"),
            ("not-a-subnet", "Broken"),
        ]
    )
    assert sites.site_of("10.1.2.9") == "Paris-Lab"
    assert sites.site_of("10.1.3.9") == "Paris"
    assert sites.site_of("10.9.9.9") == "Big"
    assert sites.site_of("192.168.1.1") is None
    assert sites.site_of("2001:db8::5") == "V6"
    assert sites.site_of("fe80::1%eth0") is None
    assert sites.site_of("garbage") is None


def test_resolve_items_and_hosts_file(tmp_path: Path) -> None:
    assert parse_resolve_items(["ex01=10.0.0.1", "ex02.corp.test=10.0.0.2"]) == {
        "EX01": "10.0.0.1",
        "EX02.CORP.TEST": "10.0.0.2",
    }
    with pytest.raises(UsageError, match="NAME=ADDRESS"):
        parse_resolve_items(["ex01"])
    with pytest.raises(UsageError, match="not an IP address"):
        parse_resolve_items(["ex01=somewhere"])
    hosts = tmp_path / "hosts"
    hosts.write_text("# comment\n10.0.0.1 ex01 ex01.corp.test\n\n10.0.0.2 ex02 # trailing\n", encoding="utf-8")
    assert read_hosts_file(hosts) == {"EX01": "10.0.0.1", "EX01.CORP.TEST": "10.0.0.1", "EX02": "10.0.0.2"}
    hosts.write_text("10.0.0.1\n", encoding="utf-8")
    with pytest.raises(UsageError, match=":1: expected"):
        read_hosts_file(hosts)


def test_dns_failures_and_slow_lookups_leave_the_address_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    def fake(name: str, *args: Any, **kwargs: Any) -> list[Any]:
        if name == "slow.test":
            time.sleep(2)
        if name != "ok.test":
            raise socket.gaierror("Name or service not known")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.9", 0))]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    started = time.monotonic()
    got = resolve_names(["ok.test", "bad.test", "slow.test"], timeout=0.2)
    assert got == {"ok.test": "127.0.0.9", "bad.test": None, "slow.test": None}
    assert time.monotonic() - started < 1.9  # the stuck lookup was abandoned, not waited for


# ---- classification ----------------------------------------------------------------------------------


def record(**kw: Any) -> ComputerRecord:
    base: dict[str, Any] = {
        "dn": "CN=X,DC=t",
        "name": "SRV1",
        "fqdn": "srv1.t",
        "os": "Windows Server 2019",
        "uac": 4096,
        "primary_group": 515,
        "last_logon": time.time(),
    }
    return ComputerRecord(**{**base, **kw})


def test_exclusion_reasons_in_order() -> None:
    now = time.time()
    s = DiscoverySettings(name_globs=("SRV*",), stale_days=30)
    assert exclusion_reason(record(), s, now) is None
    assert exclusion_reason(record(name="WKS1", os="Windows 11"), s, now) is ExclusionReason.NAME
    assert exclusion_reason(record(os="Windows 11 Enterprise", uac=4098), s, now) is ExclusionReason.WORKSTATION
    assert exclusion_reason(record(os=None), s, now) is ExclusionReason.NOT_WINDOWS
    assert exclusion_reason(record(os="Ubuntu"), s, now) is ExclusionReason.NOT_WINDOWS
    assert exclusion_reason(record(uac=4098, last_logon=None), s, now) is ExclusionReason.DISABLED
    assert exclusion_reason(record(last_logon=now - 31 * 86400), s, now) is ExclusionReason.STALE
    # never logged on: a pre-staged account, kept (discovery lists it as such), not called stale
    assert exclusion_reason(record(last_logon=None), s, now) is None
    assert exclusion_reason(record(last_logon=None), DiscoverySettings(), now) is None


def test_decode_computer_names_and_dc_flags() -> None:
    attrs = {
        "sAMAccountName": [b"ex01$"],
        "dNSHostName": [b"EX01.Corp.Test"],
        "userAccountControl": [b"532480"],
        "operatingSystem": [b"Windows Server 2016 Standard"],
        "lastLogonTimestamp": [b"133000000000000000"],
    }
    c = decode_computer("CN=EX01,OU=Domain Controllers,DC=corp,DC=test", attrs)
    assert (c.name, c.fqdn, c.is_dc) == ("EX01", "ex01.corp.test", True)
    assert c.last_logon is not None and abs(c.last_logon - (133000000000000000 / 1e7 - 11644473600)) < 1
    rodc = decode_computer("CN=RO1,DC=t", {"cn": [b"ro1"], "userAccountControl": [b"4096"], "primaryGroupID": [b"521"]})
    assert (rodc.name, rodc.is_dc, rodc.fqdn) == ("RO1", True, None)
    member = decode_computer("CN=M1,DC=t", {"dNSHostName": [b"m1.t"], "userAccountControl": [b"4096"]})
    assert (member.name, member.is_dc) == ("M1", False)


def test_serial_numbers_to_versions() -> None:
    assert version_from_serial("Version 15.0 (Build 31497.2)") == "15.0.1497.2"
    assert version_from_serial("Version 15.2 (Build 31118.7)") == "15.2.1118.7"
    assert version_from_serial("Version 8.3 (Build 83.6)") == "8.3.83.6"
    assert version_from_serial("Version 14.3 (Build 30123.4)") == "14.3.123.4"
    assert version_from_serial("Version 6.5 (Build 7638.2: Service Pack 2)") == "6.5.7638.2"
    assert version_from_serial("garbage") is None and version_from_serial(None) is None
    assert version_from_number(1941997017) == "15.0.1497"
    assert version_from_number(1912832083) == "8.3.83"
    assert version_from_number(12) is None


# ---- the error seam ----------------------------------------------------------------------------------

AD_DATA = "80090308: LdapErr: DSID-0C09041C, comment: AcceptSecurityContext error, data {}, v4563"


@pytest.mark.parametrize(
    ("result", "kind", "text"),
    [
        (
            {"result": 49, "description": "invalidCredentials", "message": AD_DATA.format("52e")},
            DirectoryAuthError,
            "invalid credentials for svc@corp.test",
        ),
        (
            {"result": 49, "description": "invalidCredentials", "message": AD_DATA.format("775")},
            DirectoryAuthError,
            "is locked out",
        ),
        (
            {"result": 49, "description": "invalidCredentials", "message": AD_DATA.format("532")},
            DirectoryAuthError,
            "password of svc@corp.test has expired",
        ),
        (
            {
                "result": 49,
                "description": "invalidCredentials",
                "message": "80090346: LdapErr: DSID-0C09058A, comment: AcceptSecurityContext error, "
                "data 80090346, v4563",
            },
            DirectoryAuthError,
            "channel binding (80090346)",
        ),
        (
            {
                "result": 8,
                "description": "strongerAuthRequired",
                "message": "00002028: LdapErr: DSID-0C090256, comment: The server requires binds to turn on integrity "
                "checking if SSL\\TLS are not already active on the connection, data 0, v4563",
            },
            DirectoryAuthError,
            "use ldaps:// (the default) or --starttls",
        ),
        ({"result": 32, "description": "noSuchObject", "message": ""}, DirectoryQueryError, "no such object"),
        ({"result": 10, "description": "referral", "message": ""}, DirectoryQueryError, "referred"),
        ({"result": 50, "description": "insufficientAccessRights", "message": ""}, DirectoryAuthError, "may not read"),
        (
            {
                "result": 1,
                "description": "operationsError",
                "message": "000004DC: LdapErr: DSID-0C090A5C, comment: In order to perform this operation a successful "
                "bind must be completed on the connection., data 0, v4563",
            },
            DirectoryAuthError,
            "authenticated bind",
        ),
        ({"result": 52, "description": "unavailable", "message": ""}, DirectoryUnreachable, "busy or unavailable"),
    ],
)
def test_result_codes_map_to_one_clear_error(result: dict[str, Any], kind: type[Exception], text: str) -> None:
    with pytest.raises(kind) as info:
        raise_for_result(result, bind_settings(), "binding", binding=True)
    message = str(info.value)
    assert text in message
    assert SECRET not in message and "\n" not in message


def test_success_is_not_an_error() -> None:
    raise_for_result({"result": 0, "description": "success"}, bind_settings(), "binding")


def test_deadline() -> None:
    Deadline(60).check("reading")
    with pytest.raises(DirectoryQueryError, match="within 0.001 s .*while reading the subnets"):
        d = Deadline(0.001)
        time.sleep(0.01)
        d.check("reading the subnets")


def test_bind_settings_validation(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="DOMAIN\\\\name"):
        bind_settings(auth=AdAuth.NTLM, user="svc@corp.test")
    with pytest.raises(UsageError, match="no such file"):
        BindSettings(parse_dc_url("dc1"), Credentials("u", Secret("p")), ca_file=tmp_path / "missing.pem")
    with pytest.raises(UsageError, match="needs --ad-user"):
        BindSettings(parse_dc_url("dc1"), Credentials(None, None))
    assert BindSettings(parse_dc_url("dc1"), Credentials(None, None), auth=AdAuth.KERBEROS).auth is AdAuth.KERBEROS
    assert SECRET not in repr(bind_settings())
    with pytest.raises(UsageError, match="page size"):
        DiscoverySettings(page_size=5000)


# ---- discovery on ldap3's mock strategy (paging, counting, sites) -------------------------------------

BASE = "DC=corp,DC=test"
CONFIG = f"CN=Configuration,{BASE}"


def mock_directory(computers: list[tuple[str, dict[str, Any]]]) -> DirectoryConnection:
    server = ldap3.Server("mock-dc", get_info=ldap3.NONE)
    conn = ldap3.Connection(server, user=f"CN=svc,{BASE}", password=SECRET, client_strategy=ldap3.MOCK_SYNC)
    conn.strategy.add_entry(f"CN=svc,{BASE}", {"userPassword": SECRET, "objectClass": "user"})
    for dn, attrs in computers:
        conn.strategy.add_entry(dn, {"objectCategory": "computer", "objectClass": "computer", **attrs})
    subnets = f"CN=Subnets,CN=Sites,{CONFIG}"
    conn.strategy.add_entry(subnets, {"objectClass": "subnetContainer"})
    for cidr, site in (("10.1.0.0/16", "Paris"), ("10.1.5.0/24", "Paris-Lab")):
        conn.strategy.add_entry(
            f"CN={cidr},{subnets}", {"objectClass": "subnet", "cn": cidr, "siteObject": f"CN={site},CN=Sites,{CONFIG}"}
        )
    conn.bind()
    return DirectoryConnection(
        conn=conn, settings=bind_settings(), root=RootDse(BASE, CONFIG, f"CN=Schema,{CONFIG}", BASE)
    )


def computer(
    name: str,
    ou: str = "OU=Servers",
    os_name: str = "Windows Server 2019 Standard",
    uac: int = 4096,
    logon_days: int | None = 1,
) -> tuple[str, dict[str, Any]]:
    attrs: dict[str, Any] = {
        "cn": name,
        "sAMAccountName": f"{name}$",
        "dNSHostName": f"{name.lower()}.corp.test",
        "operatingSystem": os_name,
        "userAccountControl": str(uac),
    }
    if logon_days is not None:
        attrs["lastLogonTimestamp"] = str(int((time.time() - logon_days * 86400 + 11644473600) * 1e7))
    return f"CN={name},{ou},{BASE}", attrs


def test_mock_discovery_pages_counts_and_places() -> None:
    directory = mock_directory(
        [
            computer("EX01"),
            computer("EX02"),
            computer("EX03"),
            computer("EX04", logon_days=200),
            computer("EX05", uac=4098),
            computer("WS01", os_name="Windows 10 Enterprise"),
            computer("LNX1", os_name="Ubuntu"),
            computer("APP1"),
            computer("EX01", ou="OU=Other"),
        ]
    )
    settings = DiscoverySettings(
        name_globs=("EX*", "LNX*", "WS*"),
        stale_days=90,
        page_size=2,
        use_dns=False,
        resolve={"EX01": "10.1.5.7", "EX02.CORP.TEST": "10.1.9.9", "EX03": "192.0.2.1"},
    )
    result = discover(directory, settings)
    assert [h.name for h in result.hosts] == ["EX01", "EX02", "EX03"]
    assert result.seen == 9
    assert result.exclusion_counts == {
        ExclusionReason.NAME: 1,
        ExclusionReason.NOT_WINDOWS: 1,
        ExclusionReason.WORKSTATION: 1,
        ExclusionReason.DISABLED: 1,
        ExclusionReason.STALE: 1,
        ExclusionReason.DUPLICATE: 1,
    }
    sites = {h.name: (h.site, h.address) for h in result.hosts}
    assert sites == {"EX01": ("Paris-Lab", "10.1.5.7"), "EX02": ("Paris", "10.1.9.9"), "EX03": (None, "192.0.2.1")}
    assert result.site_notes == {"EX03": SITE_NO_SUBNET}


def test_mock_discovery_one_level_ou_and_unresolved_names() -> None:
    directory = mock_directory([computer("EX01"), computer("EX02", ou="OU=Sub,OU=Servers")])
    settings = DiscoverySettings(bases=(SearchScopeSpec(f"OU=Servers,{BASE}", subtree=False),), use_dns=False)
    result = discover(directory, settings)
    assert [h.name for h in result.hosts] == ["EX01"]
    assert result.site_notes == {"EX01": SITE_NOT_RESOLVED}


# ---- CLI validation: one line, exit 3, before any network ---------------------------------------------


@pytest.mark.parametrize(
    ("args", "env", "text"),
    [
        (["inventory"], {}, "needs --ad URL"),
        (["inventory", "--ad", "dc1", "--inventory", "x.txt"], {}, "either --ad or --inventory"),
        (["inventory", "--ad", "dc1"], {}, "needs --ad-user"),
        (["inventory", "--ad", "dc1", "--ad-user", "u"], {"EXREADY_AD_PASSWORD": ""}, "EXREADY_AD_PASSWORD"),
        (
            ["inventory", "--ad", "ldaps://dc1", "--starttls", "--ad-user", "u"],
            {"EXREADY_AD_PASSWORD": "p"},
            "--starttls goes with ldap://",
        ),
        (
            ["inventory", "--ad", "dc1", "--ad-user", "u", "--base", "not a dn"],
            {"EXREADY_AD_PASSWORD": "p"},
            "not a distinguished name",
        ),
        (
            ["inventory", "--ad", "dc1", "--ad-user", "u", "--resolve", "ex01"],
            {"EXREADY_AD_PASSWORD": "p"},
            "NAME=ADDRESS",
        ),
        (
            ["inventory", "--ad", "dc1", "--ad-user", "u", "--ad-auth", "ntlm"],
            {"EXREADY_AD_PASSWORD": "p"},
            "DOMAIN\\name",
        ),
        (
            ["inventory", "--ad", "dc1", "--ad-user", "u", "--ad-insecure-skip-verify-tls", "--ad-ca-file", "x.pem"],
            {"EXREADY_AD_PASSWORD": "p"},
            "contradict",
        ),
        (
            ["inventory", "--ad", "dc1", "--ad-user", "u", "--stale-days", "-1"],
            {"EXREADY_AD_PASSWORD": "p"},
            "--stale-days",
        ),
    ],
)
def test_cli_rejects_bad_input_in_one_line(args: list[str], env: dict[str, str], text: str) -> None:
    result = CliRunner().invoke(build_app(), args, env=env)
    assert result.exit_code == EXIT_RUN_FAILED, result.output
    assert text in result.output
    assert "Traceback" not in result.output


def test_cli_says_kerberos_needs_its_extra_when_gssapi_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "gssapi", None)  # as if the 'kerberos' extra were not installed
    result = CliRunner().invoke(build_app(), ["inventory", "--ad", "dc1", "--ad-auth", "kerberos"])
    assert result.exit_code == EXIT_RUN_FAILED, result.output
    assert "'kerberos' extra" in result.output
    assert "Traceback" not in result.output


def test_cli_lists_an_inventory_file(tmp_path: Path) -> None:
    inv = tmp_path / "hosts.txt"
    inv.write_text("ex01.corp.test address=127.0.0.5 site=Paris\nex02\n", encoding="utf-8")
    result = CliRunner().invoke(build_app(), ["inventory", "--inventory", str(inv), "--json"])
    assert result.exit_code == 0, result.output
    assert '"name": "EX01"' in result.stdout and '"site": "Paris"' in result.stdout
