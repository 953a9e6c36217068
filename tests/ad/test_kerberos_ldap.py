"""LDAP discovery with a Kerberos (SASL GSSAPI) bind to the Samba DC: over plain LDAP with the RFC 4752
security layer (sealed), and over LDAPS with channel bindings; from a ticket cache and from a password.
The DC runs "ldap server require strong auth = allow_sasl_over_tls": over plain LDAP it takes a SASL
bind only with signing or sealing, as a hardened AD does."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import ldap3
import pytest
from ad_directory_data import READER, READER_PASSWORD
from ad_kerberos import kinit, require_kerberos, write_krb5_conf
from ad_samba import SBIN_PATH, SambaDC
from conftest import PopulatedDC
from typer.testing import CliRunner

from scanner.cli import build_app
from scanner.credentials import NO_TICKET, Credentials, Secret
from scanner.directory.connection import open_directory
from scanner.directory.sasl_gssapi import SealedSocket
from scanner.directory.settings import AdAuth, AdSettings, BindSettings, DiscoverySettings, parse_dc_url
from scanner.errors import DirectoryAuthError
from scanner.inventory.ad import discover_hosts

pytestmark = pytest.mark.samba


@dataclass(frozen=True)
class LdapRealm:
    dc: SambaDC
    ticket: Path
    empty: Path


@pytest.fixture(scope="module")
def ldap_realm(samba: PopulatedDC, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LdapRealm]:
    require_kerberos()
    dc = samba.dc
    base = tmp_path_factory.mktemp("krb-ldap")
    # the DC's ldap/ principals: samba's dnsupdate service adds them, and the test DC runs without it
    done = subprocess.run(["samba_spnupdate", "-s", str(dc.directory / "etc" / "smb.conf")], capture_output=True,
                          env={**os.environ, "PATH": SBIN_PATH}, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    saved = {k: os.environ.get(k) for k in ("KRB5_CONFIG", "KRB5CCNAME")}
    os.environ["KRB5_CONFIG"] = str(write_krb5_conf(base / "krb5.conf", dc.ip))
    ticket = base / "reader.ccache"
    try:
        kinit(f"{READER}@{dc.dns_domain.upper()}", READER_PASSWORD, ticket)
        os.environ["KRB5CCNAME"] = f"FILE:{ticket}"
        yield LdapRealm(dc, ticket, base / "no-such-cache")
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def settings(dc: SambaDC, url: str, credentials: Credentials | None = None) -> BindSettings:
    return BindSettings(parse_dc_url(url), credentials or Credentials(None), auth=AdAuth.KERBEROS,
                        ca_file=dc.ca_file, tls_name=dc.tls_name, connect_timeout=5, receive_timeout=10)


def test_ldap3_alone_cannot_bind_with_kerberos_over_plain_ldap(ldap_realm: LdapRealm) -> None:
    """Why the security layer: ldap3's own GSSAPI bind negotiates none, and the DC wants one."""
    dc = ldap_realm.dc
    conn = ldap3.Connection(ldap3.Server(dc.ip, port=389, get_info=ldap3.NONE), authentication=ldap3.SASL,
                            sasl_mechanism=ldap3.KERBEROS, sasl_credentials=(dc.tls_name,), raise_exceptions=False)
    conn.open()
    try:
        assert not conn.bind()
        assert conn.result["description"] == "strongerAuthRequired", conn.result
    finally:
        conn.unbind()


def test_gssapi_bind_over_plain_ldap_is_sealed(ldap_realm: LdapRealm) -> None:
    directory = open_directory(settings(ldap_realm.dc, f"ldap://{ldap_realm.dc.ip}"))
    try:
        sock = directory.conn.socket
        assert isinstance(sock, SealedSocket) and sock._encrypt  # every message after the bind is sealed
        assert directory.root.default_nc == ldap_realm.dc.base_dn
    finally:
        directory.close()


@pytest.mark.parametrize("scheme", ["ldap", "ldaps"])
def test_discovery_with_a_gssapi_bind_finds_the_same_servers_as_a_simple_bind(
        ldap_realm: LdapRealm, scheme: str) -> None:
    dc = ldap_realm.dc
    kerberos = discover_hosts(AdSettings(settings(dc, f"{scheme}://{dc.ip}"), DiscoverySettings(use_dns=False)),
                              with_org_facts=False)
    simple = discover_hosts(AdSettings(
        BindSettings(parse_dc_url(f"ldaps://{dc.ip}"), Credentials(f"{READER}@{dc.dns_domain}",
                                                                  Secret(READER_PASSWORD)),
                     ca_file=dc.ca_file, tls_name=dc.tls_name), DiscoverySettings(use_dns=False)),
        with_org_facts=False)
    assert len(kerberos.hosts) == len(simple.hosts) > 100
    assert [h.name for h in kerberos.hosts] == [h.name for h in simple.hosts]


def test_gssapi_bind_from_a_password_without_kinit(ldap_realm: LdapRealm, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KRB5CCNAME", f"FILE:{ldap_realm.empty}")
    dc = ldap_realm.dc
    creds = Credentials(f"{READER}@{dc.dns_domain.upper()}", Secret(READER_PASSWORD))
    directory = open_directory(settings(dc, f"ldap://{dc.ip}", creds))
    try:
        assert directory.root.default_nc == dc.base_dn
    finally:
        directory.close()
    assert not ldap_realm.empty.exists()


def test_gssapi_bind_without_a_ticket_says_to_kinit(ldap_realm: LdapRealm, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KRB5CCNAME", f"FILE:{ldap_realm.empty}")
    with pytest.raises(DirectoryAuthError) as caught:
        open_directory(settings(ldap_realm.dc, f"ldap://{ldap_realm.dc.ip}"))
    assert NO_TICKET in str(caught.value)


def test_inventory_from_ad_with_kerberos_on_the_command_line(ldap_realm: LdapRealm, tmp_path: Path) -> None:
    dc = ldap_realm.dc
    out = tmp_path / "inv.csv"
    result = CliRunner().invoke(build_app(), [
        "inventory", "--ad", f"ldap://{dc.ip}", "--ad-auth", "kerberos", "--ad-tls-name", dc.tls_name,
        "--no-dns", "--ad-timeout", "5", "--output", str(out)], env={"EXREADY_LANG": "en"})
    assert result.exit_code == 0, result.output
    assert out.is_file() and len(out.read_text(encoding="utf-8").splitlines()) > 100
