"""Discovery, organisation facts and bind errors against a real Samba AD DC on loopback."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest
from ad_directory_data import (
    BRANCH_SITE,
    HQ_SITE,
    LAB_SITE,
    LOCKED,
    MESO_OBJECT_VERSION,
    ORG_NAME,
    ORG_OBJECT_VERSION,
    READER,
    READER_PASSWORD,
    SCHEMA_RANGE_UPPER,
)
from ad_samba import SambaDC, closed_loopback_port
from conftest import PopulatedDC
from typer.testing import CliRunner

from scanner.cli import EXIT_RUN_FAILED, build_app
from scanner.credentials import Credentials, Secret
from scanner.directory.connection import Deadline, open_directory
from scanner.directory.discovery import ExclusionReason
from scanner.directory.settings import (
    AdSettings,
    BindSettings,
    DiscoverySettings,
    SearchScopeSpec,
    parse_dc_url,
)
from scanner.errors import DirectoryQueryError, DirectoryUnreachable
from scanner.facts.serial import facts_from_json
from scanner.inventory.ad import discover_hosts
from scanner.model.facts import FactStatus

pytestmark = pytest.mark.samba


def hosts_file(samba: PopulatedDC, path: Path) -> Path:
    lines = [f"{c.address} {c.fqdn}" for c in samba.population.computers if c.address]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def bind(
    dc: SambaDC, url: str | None = None, user: str = READER, password: str = READER_PASSWORD, starttls: bool = False
) -> BindSettings:
    return BindSettings(
        parse_dc_url(url or f"ldaps://{dc.ip}", starttls=starttls),
        Credentials(f"{user}@{dc.dns_domain}", Secret(password)),
        ca_file=dc.ca_file,
        tls_name=dc.tls_name,
        connect_timeout=5,
        receive_timeout=10,
    )


def cli(
    dc: SambaDC,
    *args: str,
    password: str = READER_PASSWORD,
    user: str = READER,
    url: str | None = None,
    tls: bool = True,
) -> Any:
    base = ["inventory", "--ad", url or f"ldaps://{dc.ip}", "--ad-user", f"{user}@{dc.dns_domain}", "--ad-timeout", "3"]
    if tls:
        base += ["--ad-ca-file", str(dc.ca_file), "--ad-tls-name", dc.tls_name]
    return CliRunner().invoke(build_app(), [*base, *args], env={"EXREADY_AD_PASSWORD": password, "EXREADY_LANG": "en"})


def one_line_error(result: Any) -> str:
    """The CLI's failure contract: exit 3, exactly one line on stderr, no traceback."""
    assert result.exit_code == EXIT_RUN_FAILED, result.output
    err = result.stderr.strip()
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in result.output and "Traceback" not in err
    assert err.startswith("exready: error: ")
    return err


# ---- discovery through the CLI ---------------------------------------------------------------------


def test_inventory_lists_servers_sites_and_exclusions(samba: PopulatedDC, tmp_path: Path) -> None:
    result = cli(
        samba.dc,
        "--no-dns",
        "--resolve-file",
        str(hosts_file(samba, tmp_path / "hosts")),
        "--json",
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    hosts = {h["name"]: h for h in doc["hosts"]}
    # 200 computers + the provisioned DC1; see ad_directory_data.build_population for the arithmetic
    assert doc["seen"] == 201
    # the default cutoff (90 days) leaves out the stale servers; the 3 never logged on are kept and named
    assert doc["excluded"] == {"not_windows": 11, "workstation": 30, "disabled": 20, "stale": 8}
    assert len(hosts) == 132
    assert doc["never_logged_on"] == ["HQSRV100", "HQSRV101", "HQSRV102"]
    assert hosts["HQSRV001"]["site"] == HQ_SITE
    assert hosts["HQSRV001"]["fqdn"] == "hqsrv001.corp.example.test"
    assert hosts["HQSRV001"]["source"] == "CN=HQSRV001,OU=Servers,DC=corp,DC=example,DC=test"
    assert hosts["BRSRV003"]["site"] == LAB_SITE  # 127.20.5.4: the /24 wins over the /16
    assert hosts["BRSRV015"]["site"] == BRANCH_SITE
    assert hosts["BRSRV015"]["address"] == "127.20.0.16"
    assert hosts["DC2"]["is_dc"] is True and hosts["DC2"]["site"] == HQ_SITE
    assert hosts["DC3"]["is_dc"] is True and hosts["DC3"]["site"] == BRANCH_SITE
    assert not any(h["is_dc"] for n, h in hosts.items() if not n.startswith("DC"))
    assert hosts["HQSRV105"]["site"] is None
    assert doc["site_notes"] == {
        "HQSRV105": "site unknown: name did not resolve",
        "HQSRV106": "site unknown: name did not resolve",
    }
    excluded = {e["name"]: e["reason"] for e in doc["excluded_hosts"]}
    assert excluded["WKS001"] == "workstation" and excluded["LNX010"] == "not_windows"
    assert excluded["HQSRV011"] == "disabled" and excluded["HQSRV013"] == "stale"
    assert "HQSRV100" in hosts and "HQSRV100" not in excluded  # never logged on: pre-staged, kept
    assert "HQSRV014" in hosts


def test_inventory_table_shows_reasons_and_the_organisation(samba: PopulatedDC) -> None:
    result = cli(samba.dc, "--no-dns", "--stale-days", "90")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "132 host(s) to scan" in out
    assert "Left out: 69" in out
    for reason, count in (
        (ExclusionReason.WORKSTATION, 30),
        (ExclusionReason.DISABLED, 20),
        (ExclusionReason.STALE, 8),
        (ExclusionReason.NOT_WINDOWS, 11),
    ):
        assert f"{count:>5}  {reason.value}" in out
    assert f"Exchange organisation: {ORG_NAME} (objectVersion {ORG_OBJECT_VERSION})" in out
    assert ("Kept, never logged on (pre-staged account, or the machine never joined): 3: HQSRV100, HQSRV101, "
            "HQSRV102") in out
    assert "Site unknown for 132 host(s):" in out  # --no-dns and no addresses given


def test_ou_scope_name_globs_and_csv_output(samba: PopulatedDC, tmp_path: Path) -> None:
    branch = f"OU=Branch,{samba.dc.base_dn}"
    result = cli(
        samba.dc,
        "--no-dns",
        "--ou",
        branch,
        "--name",
        "brsrv00?",
        "--name",
        "BRSRV04*",
        "--json",
        "--output",
        str(tmp_path / "inv.csv"),
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["seen"] == 40 and doc["bases"] == [branch]
    assert sorted(h["name"] for h in doc["hosts"]) == [f"BRSRV{i:03d}" for i in range(1, 10)]
    # BRSRV040 matches a pattern but is disabled; the other 30 are outside the patterns
    assert doc["excluded"] == {"name": 30, "disabled": 1}
    from scanner.inventory.file import load_inventory

    inv = load_inventory(tmp_path / "inv.csv")
    assert [h.name for h in inv.hosts] == [f"BRSRV{i:03d}" for i in range(1, 10)]


def test_without_staleness_cutoff_stale_servers_are_kept(samba: PopulatedDC) -> None:
    settings = AdSettings(bind(samba.dc), DiscoverySettings(use_dns=False, page_size=25))
    inv = discover_hosts(settings, with_org_facts=False)
    assert len(inv.hosts) == 140
    assert ExclusionReason.STALE not in inv.exclusions
    assert inv.org.facts == {}


def test_small_pages_give_the_same_answer(samba: PopulatedDC) -> None:
    small = discover_hosts(
        AdSettings(bind(samba.dc), DiscoverySettings(use_dns=False, page_size=7)), with_org_facts=False
    )
    large = discover_hosts(
        AdSettings(bind(samba.dc), DiscoverySettings(use_dns=False, page_size=1000)), with_org_facts=False
    )
    assert small.hosts == large.hosts and small.discovery.seen == large.discovery.seen == 201


def test_overlapping_bases_count_each_computer_once(samba: PopulatedDC) -> None:
    dc = samba.dc
    bases = (SearchScopeSpec(dc.base_dn, True), SearchScopeSpec(f"OU=Servers,{dc.base_dn}", True))
    inv = discover_hosts(AdSettings(bind(dc), DiscoverySettings(bases=bases, use_dns=False)), with_org_facts=False)
    assert inv.discovery.seen == 201


def test_a_connection_lost_between_pages_is_a_directory_error(samba: PopulatedDC) -> None:
    with open_directory(bind(samba.dc)) as directory:
        pages = directory.paged(samba.dc.base_dn, "(objectCategory=computer)", ["cn"], page_size=20)
        first = [next(pages) for _ in range(20)]
        assert len(first) == 20
        directory.conn.socket.shutdown(socket.SHUT_RDWR)
        with pytest.raises(DirectoryUnreachable):
            list(pages)


def test_the_deadline_bounds_the_discovery(samba: PopulatedDC) -> None:
    with pytest.raises(DirectoryQueryError, match="did not finish within"):
        with open_directory(bind(samba.dc), Deadline(0.000001)):
            pass


def test_a_missing_search_base_says_so(samba: PopulatedDC) -> None:
    err = one_line_error(cli(samba.dc, "--no-dns", "--base", f"OU=Nowhere (old),{samba.dc.base_dn}"))
    assert "no such object" in err and "OU=Nowhere (old)" in err


# ---- organisation facts --------------------------------------------------------------------------------


def test_org_facts_read_from_the_directory(samba: PopulatedDC) -> None:
    dc = samba.dc
    org = discover_hosts(AdSettings(bind(dc), DiscoverySettings(use_dns=False))).org
    facts = org.facts
    assert org.source == f"ldaps://{dc.ip}:636"
    assert facts["ad.forest"].value == {
        "dns_name": dc.dns_domain,
        "dn": dc.base_dn,
        "functional_level": 4,
        "schema_master": dc.tls_name,
        "schema_master_site": HQ_SITE,
    }
    assert facts["ad.domains"].value == [
        {
            "dns_name": dc.dns_domain,
            "dn": dc.base_dn,
            "netbios": "CORP",
            "functional_level": 4,
            "mesos_object_version": MESO_OBJECT_VERSION,
        }
    ]
    assert facts["ad.exchange_schema_version"].value == SCHEMA_RANGE_UPPER
    assert facts["ad.exchange_org"].value["name"] == ORG_NAME
    assert facts["ad.exchange_org"].value["object_version"] == ORG_OBJECT_VERSION
    servers = {s["name"]: s for s in facts["ad.exchange_servers"].value}
    assert set(servers) == {"HQSRV001", "HQSRV002", "HQSRV003", "EXOLD01"}
    assert (servers["HQSRV001"]["roles"], servers["HQSRV001"]["version"]) == (16385, "15.0.1497.2")
    assert (servers["HQSRV003"]["roles"], servers["HQSRV003"]["version"]) == (16439, "15.0.1473.3")
    assert servers["EXOLD01"]["serial_number"].startswith("Version 6.5")
    assert (servers["EXOLD01"]["roles"], servers["EXOLD01"]["version"]) == (0, "6.5.7638.2")
    assert "CN=First Administrative Group" in servers["EXOLD01"]["dn"]
    rus = {r["name"]: r["domain_link"] for r in facts["ad.rus"].value}
    assert rus == {
        "Recipient Update Service (Enterprise Configuration)": None,
        "Recipient Update Service (CORP)": dc.base_dn,
    }
    computers = {c["name"]: c for c in facts["ad.computers"].value}
    assert len(computers) == 140 and computers["DC2"]["is_dc"] is True


def test_org_facts_saved_and_read_back_offline(samba: PopulatedDC, tmp_path: Path) -> None:
    saved = tmp_path / "org.json"
    result = cli(samba.dc, "--no-dns", "--org-facts", str(saved))
    assert result.exit_code == 0, result.output
    doc = facts_from_json(json.loads(saved.read_text(encoding="utf-8")))
    assert doc.org.source == f"ldaps://{samba.dc.ip}:636"
    assert doc.org.facts["ad.exchange_schema_version"].value == SCHEMA_RANGE_UPPER
    assert len(doc.org.facts["ad.exchange_servers"].value) == 4


def test_a_forest_without_the_exchange_schema(bare_dc: SambaDC) -> None:
    settings = AdSettings(
        bind(bare_dc, user="Administrator", password=bare_dc.password), DiscoverySettings(use_dns=False)
    )
    inv = discover_hosts(settings)
    facts = inv.org.facts
    assert facts["ad.exchange_schema_version"].status is FactStatus.ABSENT
    assert facts["ad.exchange_org"].status is FactStatus.ABSENT
    assert facts["ad.exchange_servers"].value == [] and facts["ad.rus"].value == []
    assert facts["ad.domains"].value[0]["mesos_object_version"] is None
    assert facts["ad.forest"].status is FactStatus.PRESENT
    result = cli(bare_dc, "--no-dns", user="Administrator", password=bare_dc.password)
    assert result.exit_code == 0, result.output
    assert "No Exchange organisation in this forest (schema rangeUpper: none)" in result.stdout


# ---- binding and its errors --------------------------------------------------------------------------


def test_starttls_bind_works(samba: PopulatedDC) -> None:
    result = cli(samba.dc, "--no-dns", "--starttls", "--json", url=f"ldap://{samba.dc.ip}")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["source"] == f"ldap://{samba.dc.ip}:389"


WRONG_PASSWORD = "Not-The-Password-1"  # noqa: S105 - a deliberately wrong password


def test_bad_password_is_one_line(samba: PopulatedDC) -> None:
    err = one_line_error(cli(samba.dc, "--no-dns", password=WRONG_PASSWORD))
    assert f"invalid credentials for {READER}@{samba.dc.dns_domain}" in err
    assert "EXREADY_AD_PASSWORD" in err and WRONG_PASSWORD not in err


def test_locked_out_account_is_one_line(samba: PopulatedDC) -> None:
    err = one_line_error(cli(samba.dc, "--no-dns", user=LOCKED))
    assert "is locked out" in err and READER_PASSWORD not in err


def test_unreachable_dc_is_one_line(samba: PopulatedDC) -> None:
    port = closed_loopback_port()
    err = one_line_error(cli(samba.dc, "--no-dns", url=f"ldaps://127.0.0.1:{port}"))
    assert f"cannot connect to the DC at ldaps://127.0.0.1:{port}" in err
    assert "check the name, the port" in err


def test_dc_refusing_plain_simple_binds_is_one_line(samba: PopulatedDC) -> None:
    err = one_line_error(cli(samba.dc, "--no-dns", "--ad-allow-cleartext-bind", url=f"ldap://{samba.dc.ip}",
                             tls=False))
    assert "strongerAuthRequired" in err and "use ldaps://" in err and "--starttls" in err


def test_unverifiable_certificate_is_one_line(samba: PopulatedDC) -> None:
    err = one_line_error(cli(samba.dc, "--no-dns", tls=False))
    assert "could not be verified" in err and "--ad-ca-file" in err


def test_certificate_name_mismatch_is_one_line(samba: PopulatedDC) -> None:
    result = CliRunner().invoke(
        build_app(),
        [
            "inventory",
            "--ad",
            f"ldaps://{samba.dc.ip}",
            "--ad-user",
            f"{READER}@{samba.dc.dns_domain}",
            "--ad-ca-file",
            str(samba.dc.ca_file),
            "--no-dns",
        ],
        env={"EXREADY_AD_PASSWORD": READER_PASSWORD},
    )
    err = one_line_error(result)
    assert "could not be verified" in err and "name in the DC's certificate" in err


def test_skipping_verification_is_explicit(samba: PopulatedDC) -> None:
    result = cli(samba.dc, "--no-dns", "--ad-insecure-skip-tls-verify", "--json", tls=False)
    assert result.exit_code == 0, result.output


def test_ntlm_against_a_dc_without_the_microsoft_ntlm_bind(samba: PopulatedDC) -> None:
    result = CliRunner().invoke(
        build_app(),
        [
            "inventory",
            "--ad",
            f"ldaps://{samba.dc.ip}",
            "--ad-user",
            f"CORP\\{READER}",
            "--ad-auth",
            "ntlm",
            "--ad-ca-file",
            str(samba.dc.ca_file),
            "--ad-tls-name",
            samba.dc.tls_name,
            "--no-dns",
        ],
        env={"EXREADY_AD_PASSWORD": READER_PASSWORD},
    )
    err = one_line_error(result)
    assert "NTLM bind" in err and "--ad-auth simple" in err


def test_org_facts_for_a_file_inventory_match_its_hosts_in_ad(samba: PopulatedDC) -> None:
    from scanner.inventory.ad import read_org
    from scanner.model.host import Host

    hosts = [
        Host("HQSRV001", address="127.10.0.2"),
        Host("DC2"),
        Host("BRSRV015", address="127.20.0.16"),
        Host("NOTINAD"),
        Host("WKS*)(CN=*"),
    ]  # the last one only matches if the filter is not escaped
    org = read_org(AdSettings(bind(samba.dc), DiscoverySettings(use_dns=False)), hosts)
    computers = {c["name"]: c for c in org.facts["ad.computers"].value}
    assert set(computers) == {"HQSRV001", "DC2", "BRSRV015"}
    assert (computers["HQSRV001"]["site"], computers["HQSRV001"]["is_dc"]) == (HQ_SITE, False)
    assert computers["HQSRV001"]["dn"] == f"CN=HQSRV001,OU=Servers,{samba.dc.base_dn}"
    assert (computers["BRSRV015"]["site"], computers["DC2"]["is_dc"]) == (BRANCH_SITE, True)
    assert org.facts["ad.exchange_org"].value["name"] == ORG_NAME


def test_stale_days_zero_keeps_the_stale_servers(samba: PopulatedDC) -> None:
    result = cli(samba.dc, "--no-dns", "--stale-days", "0", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert "stale" not in doc["excluded"] and len(doc["hosts"]) == 140
