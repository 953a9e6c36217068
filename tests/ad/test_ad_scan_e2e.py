"""End to end: `exready scan --ad` reads the servers and the organisation from the Samba DC and scans
simulated hosts named and addressed like the discovered computers, over real WinRM. The AD-judged rules
fire where the directory says they should, and not elsewhere."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ldap3
import pytest
from ad_directory_data import HQ_SITE, LAB_SITE, READER, READER_PASSWORD
from ad_samba import SambaDC
from conftest import PopulatedDC
from typer.testing import CliRunner

from scanner.cli import EXIT_BLOCKED, build_app
from scanner.report.json_report import read_json_report, result_to_v1_json
from scanner.simulator import SimulatorThread, build_site
from scanner.simulator.profiles import baseline_document, seed_variants_document

pytestmark = [pytest.mark.samba, pytest.mark.simulator]

WINRM_PASSWORD = "Sim-Scan-Pass-4!"  # noqa: S105 - the simulated estate's account
SCANNED = ("BRSRV003", "HQSRV001", "HQSRV003", "HQSRV004")
# The simulated hosts: the addresses the test hosts file gives these computers, so discovery both
# places them in their AD site and makes them the addresses the transport connects to.
SIM_HOSTS = [
    {"name": "HQSRV001", "address": "127.10.0.2", "ad_site": HQ_SITE},  # AD: Cafe bit, nothing installed
    {"name": "HQSRV003", "address": "127.10.0.4", "ad_site": HQ_SITE, "variant": "caferole"},  # AD + local key
    {"name": "HQSRV004", "address": "127.10.0.5", "ad_site": HQ_SITE},  # no Exchange server object
    {"name": "BRSRV003", "address": "127.20.5.4", "ad_site": LAB_SITE},
]


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatorThread]:
    doc = {
        "name": "ad-e2e",
        "seed": 1,
        "domain": {"dns": "corp.example.test", "netbios": "CORP"},
        "credentials": {"username": "svc-scan", "password": WINRM_PASSWORD},
        "defaults": {"schemes": ["http"], "auth": ["negotiate", "basic"]},
        "baseline": baseline_document(),
        "variants": seed_variants_document(),
        "ad_sites": [{"name": HQ_SITE, "pattern": "X{n:02d}", "addresses": "127.10.0.0/24", "count": 0}],
        "hosts": SIM_HOSTS,
    }
    with SimulatorThread(build_site(doc), tmp_path_factory.mktemp("sim")) as running:
        yield running


def resolve_file(samba: PopulatedDC, path: Path) -> Path:
    path.write_text(
        "".join(f"{c.address} {c.fqdn}\n" for c in samba.population.computers if c.address), encoding="utf-8"
    )
    return path


def scan(
    dc: SambaDC, out: Path, *source: str, user: str = READER, password: str = READER_PASSWORD
) -> tuple[Any, dict[str, Any]]:
    result = CliRunner().invoke(
        build_app(),
        [
            "scan",
            *source,
            "--ad-user",
            f"{user}@{dc.dns_domain}",
            "--ad-ca-file",
            str(dc.ca_file),
            "--ad-tls-name",
            dc.tls_name,
            "--user",
            "CORP\\svc-scan",
            "--deadline",
            "20",
            "--connect-timeout",
            "3",
            "--json",
            str(out),
            "--no-progress",
        ],
        env={"EXREADY_AD_PASSWORD": password, "EXREADY_PASSWORD": WINRM_PASSWORD, "EXREADY_LANG": "en"},
    )
    assert out.exists(), result.output
    return result, result_to_v1_json(read_json_report(out))  # every verdict and cell in full


def verdicts(report: dict[str, Any], rule: str) -> dict[str, dict[str, Any]]:
    return {host: next(v for v in vs if v["rule_id"] == rule) for host, vs in report["verdicts"].items()}


def cell(report: dict[str, Any], host: str, role: str) -> dict[str, Any]:
    return next(c for c in report["cells"] if c["host"] == host and c["role"] == role)


def discovery_args(dc: SambaDC, hosts: Path) -> list[str]:
    names = [arg for n in SCANNED for arg in ("--name", n)]
    return ["--ad", f"ldaps://{dc.ip}", "--no-dns", "--resolve-file", str(hosts), *names]


def test_scan_ad_judges_the_org_rules_from_the_directory(
    samba: PopulatedDC, sim: SimulatorThread, tmp_path: Path
) -> None:
    result, report = scan(samba.dc, tmp_path / "r.json", *discovery_args(samba.dc, resolve_file(samba, tmp_path / "h")))
    assert result.exit_code == EXIT_BLOCKED, result.output
    hosts = {h["name"]: h for h in report["hosts"]}
    assert sorted(hosts) == sorted(SCANNED)
    assert all(h["outcome"]["kind"] == "ok" for h in hosts.values()), hosts
    assert (hosts["HQSRV001"]["site"], hosts["BRSRV003"]["site"]) == (HQ_SITE, LAB_SITE)
    assert report["facts"]["org"]["source"] == f"ldaps://{samba.dc.ip}:636"

    legacy = verdicts(report, "Exchange2000or2003PresentInOrg")
    assert {h: v["status"] for h, v in legacy.items()} == dict.fromkeys(SCANNED, "fail")
    assert legacy["HQSRV004"]["evidence"]["legacy_servers"] == ["EXOLD01 (6.5.7638.2)"]

    cafe = verdicts(report, "CafeRoleAlreadyExists")
    assert {h: v["status"] for h, v in cafe.items()} == {
        "HQSRV001": "fail",
        "HQSRV003": "fail",
        "HQSRV004": "pass",
        "BRSRV003": "pass",
    }
    assert cafe["HQSRV001"]["evidence"]["assessment"] == "stale_ad_object"
    assert cafe["HQSRV003"]["evidence"]["assessment"] == "installed"
    assert "CafeRoleAlreadyExists" in cell(report, "HQSRV001", "ClientAccess")["blocking"]
    assert "CafeRoleAlreadyExists" not in cell(report, "HQSRV004", "ClientAccess")["blocking"]

    mailbox = verdicts(report, "MailboxRoleAlreadyExists")  # only HQSRV003's AD object has the Mailbox bit
    assert {h: v["status"] for h, v in mailbox.items()} == {
        "HQSRV001": "pass",
        "HQSRV003": "fail",
        "HQSRV004": "pass",
        "BRSRV003": "pass",
    }

    rus = verdicts(report, "RusMissing")  # the only domain has its Recipient Update Service
    assert {v["status"] for v in rus.values()} == {"pass"}
    assert "RusMissing" not in cell(report, "HQSRV004", "Mailbox")["warnings"]


def test_rus_missing_fires_when_the_domain_loses_its_rus(
    samba: PopulatedDC, sim: SimulatorThread, tmp_path: Path
) -> None:
    dc = samba.dc
    admin = dc.connect()
    rus_dn = next(
        e["dn"]
        for e in admin.extend.standard.paged_search(
            dc.config_dn,
            "(objectClass=msExchAddressListService)",
            attributes=["msExchDomainLink"],
            paged_size=50,
            generator=False,
        )
        if e["type"] == "searchResEntry" and e["raw_attributes"].get("msExchDomainLink")
    )
    admin.modify(rus_dn, {"msExchDomainLink": [(ldap3.MODIFY_DELETE, [])]})
    assert admin.result["result"] == 0, admin.result
    try:
        result, report = scan(dc, tmp_path / "r.json", *discovery_args(dc, resolve_file(samba, tmp_path / "h")))
    finally:
        admin.modify(rus_dn, {"msExchDomainLink": [(ldap3.MODIFY_REPLACE, [dc.base_dn])]})
        admin.unbind()
    assert result.exit_code == EXIT_BLOCKED, result.output
    rus = verdicts(report, "RusMissing")
    assert {h: v["status"] for h, v in rus.items()} == dict.fromkeys(SCANNED, "warn")
    assert rus["HQSRV001"]["evidence"]["domains_without_rus"] == [dc.dns_domain]
    assert "RusMissing" in cell(report, "HQSRV004", "Mailbox")["warnings"]


def test_a_forest_without_exchange_has_no_org_wide_block(
    bare_dc: SambaDC, sim: SimulatorThread, tmp_path: Path
) -> None:
    inventory = sim.write_inventory(tmp_path / "inv.csv")
    # the bare forest has no reader account: bind as its administrator
    result, report = scan(
        bare_dc,
        tmp_path / "r.json",
        "--inventory",
        str(inventory),
        "--ad",
        f"ldaps://{bare_dc.ip}",
        user="Administrator",
        password=bare_dc.password,
    )
    # No org-wide block. Preparation is due (no Exchange schema yet) and the schema master is in the HQ
    # site, so only the branch server is blocked, by the site rules: it could not run /PrepareSchema, and
    # its site has no domain controller at all, so Setup could only use one from another site.
    assert result.exit_code == EXIT_BLOCKED, result.output
    blocked = {(c["host"], c["role"]): c["blocking"] for c in report["cells"] if c["blocking"]}
    assert blocked == {
        ("BRSRV003", "Mailbox"): ["NotInSchemaMasterSite", "DomainControllerIsOutOfSite"],
        ("BRSRV003", "ClientAccess"): ["NotInSchemaMasterSite", "DomainControllerIsOutOfSite"],
        ("BRSRV003", "ManagementTools"): ["DomainControllerIsOutOfSite"],
    }
    legacy = verdicts(report, "Exchange2000or2003PresentInOrg")
    assert {v["status"] for v in legacy.values()} == {"not_applicable"}
    assert {v["status"] for v in verdicts(report, "RusMissing").values()} == {"pass"}
    cafe = verdicts(report, "CafeRoleAlreadyExists")
    # no organisation, so no server object anywhere: Setup judges from AD only, like the four sibling rules
    assert cafe["HQSRV001"]["status"] == "not_applicable"
    assert cafe["HQSRV003"]["status"] == "not_applicable"
    setup_level = verdicts(report, "ExchangeAdSetupLevel")
    assert setup_level["HQSRV004"]["status"] == "warn"
    assert setup_level["HQSRV004"]["evidence"]["steps"][:2] == ["/PrepareSchema", "/PrepareAD"]
