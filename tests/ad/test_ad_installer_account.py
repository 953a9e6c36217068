"""The installer account's groups (--installer-account) and the catalog's extra organisation facts, read from
the real Samba AD DC of tests/ad/conftest.py with the ordinary reader account, as a scan would."""

from __future__ import annotations

from typing import Any

import pytest
from ad_directory_data import READER, READER_PASSWORD
from ad_samba import SambaDC

from scanner.credentials import Credentials, Secret
from scanner.directory.catalog_org import read_catalog_org_facts
from scanner.directory.connection import open_directory
from scanner.directory.installer import read_installer_facts
from scanner.directory.settings import BindSettings, parse_dc_url
from scanner.model.facts import FactStatus

pytestmark = pytest.mark.samba


def reader_bind(dc: SambaDC) -> BindSettings:
    return BindSettings(parse_dc_url(f"ldaps://{dc.ip}"), Credentials(f"{READER}@{dc.dns_domain}",
                                                                       Secret(READER_PASSWORD)),
                        ca_file=dc.ca_file, tls_name=dc.tls_name, connect_timeout=5, receive_timeout=10)


def test_administrator_is_schema_enterprise_and_domain_admin(samba: Any) -> None:
    dc = samba.dc
    with open_directory(reader_bind(dc)) as directory:
        fact = read_installer_facts(directory, f"{dc.netbios_domain}\\Administrator").facts["installer.account"]
    assert fact.status is FactStatus.PRESENT, fact.error
    acct = fact.value
    assert acct["found"] and acct["domain"] == dc.dns_domain
    assert acct["sid"].startswith("S-1-5-21-") and acct["sid"].endswith("-500")
    # tokenGroups, computed by the DC: the well-known groups of a freshly provisioned forest
    assert acct["schema_admins"] and acct["enterprise_admins"]
    assert acct["domain_admin_of"] == [dc.dns_domain]


def test_an_ordinary_user_by_upn_has_no_privileged_group(samba: Any) -> None:
    dc = samba.dc
    with open_directory(reader_bind(dc)) as directory:
        acct = read_installer_facts(directory, f"{READER}@{dc.dns_domain}").facts["installer.account"].value
    assert acct["found"] and acct["groups"]  # Domain Users at least
    assert any(g.endswith("-513") for g in acct["groups"])
    assert not acct["schema_admins"] and not acct["enterprise_admins"] and acct["domain_admin_of"] == []


def test_an_account_no_domain_knows_is_reported_not_found(samba: Any) -> None:
    with open_directory(reader_bind(samba.dc)) as directory:
        acct = read_installer_facts(directory, "EX01\\Administrator").facts["installer.account"].value
    assert acct["found"] is False and acct["prefix"] == "EX01"


def test_catalog_org_facts_from_the_dc(samba: Any) -> None:
    with open_directory(reader_bind(samba.dc)) as directory:
        facts = read_catalog_org_facts(directory)
    assert facts["ad.adc_connectors"].value == []
    modes = facts["ad.domain_modes"].value
    assert [m["domain"] for m in modes] == [samba.dc.dns_domain] and modes[0]["mixed"] == 0
    assert facts["ad.rodcs"].value == []  # one writable DC
    master = facts["ad.schema_master_os"]
    assert master.status is FactStatus.PRESENT and master.value["dns_host_name"]
    for name, fact in facts.items():
        assert fact.status is not FactStatus.UNREADABLE or fact.error, name
