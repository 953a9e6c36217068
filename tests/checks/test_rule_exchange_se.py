"""Exchange Server Subscription Edition as a target: the plumbing (--exchange se, its only CU), the values SE
rules compare with, with their sources, and the SE-only rules on hand-built facts."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from rule_kit import ABSENT, catalog, judge

from scanner.checks.targets import make_target, normalize_version
from scanner.errors import UsageError
from scanner.facts.lifecycle import lifecycle, product_of
from scanner.facts.version import Version
from scanner.model.rule import SourceStatus
from scanner.model.verdict import Status

OS = {"os.product_type": "ServerNT", "os.edition_id": "ServerDatacenter", "os.caption": "Windows Server"}


def server(name: str, version: str, roles: int = 16439) -> dict[str, Any]:
    major, minor, build, rev = version.split(".")
    return {"name": name, "dn": f"CN={name},CN=Servers", "roles": roles, "version": version,
            "serial_number": f"Version {major}.{minor} (Build {30000 + int(build)}.{rev})"}


def org(*servers: dict[str, Any]) -> dict[str, Any]:
    return {"ad.exchange_org": {"name": "Contoso", "dn": "CN=Contoso", "object_version": 16763},
            "ad.exchange_servers": list(servers)}


# ---- target plumbing ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["se", "SE", "Se", " se "])
def test_se_is_typed_any_case_and_is_rtm_build_2562(typed: str) -> None:
    t = make_target(normalize_version(typed))
    assert (t.version, t.cu, t.label, str(t.build)) == ("SE", 0, "Exchange SE RTM", "15.2.2562.17")
    assert t.family == "2019"


def test_se_has_no_cu_yet() -> None:
    with pytest.raises(UsageError, match=r"--cu for Exchange SE must be between 0 \(RTM\) and 0, not 1"):
        make_target("SE", 1)


def test_se_values() -> None:
    t = make_target("SE")
    assert t.supported_builds == {17763: "Windows Server 2019", 20348: "Windows Server 2022",
                                  26100: "Windows Server 2025"}
    assert t.net_supported == ("4.8", "4.8.1") and t.net_minimum == ("4.8", 528040)
    levels = t.ad_levels
    assert (levels.schema_range_upper, levels.org_object_version, levels.meso_object_version) == (17003, 16763, 13243)


def test_se_runs_the_2019_rules_plus_its_own() -> None:
    se_rules = {r.id for r in catalog().rules_for("SE")}
    assert {r.id for r in catalog().rules_for("2019")} < se_rules
    assert se_rules - {r.id for r in catalog().rules_for("2019")} == {
        "ExreadySeExchange2013Block", "ExreadySeCoexistenceMinVersion", "ExreadySeInPlaceUpgrade",
        "ExreadyExchangeSupportStatus"}
    assert catalog().roles("SE") == ("Mailbox", "EdgeTransport", "ManagementTools")


@pytest.mark.parametrize("rule_id", ["ValidOSVersion", "MinimumFrameworkNotInstalled", "IISURLRewriteNotInstalled",
                                     "VC2013RedistDependencyRequirement", "VC2012RedistDependencyRequirement",
                                     "UcmaRedistMsi", "ExchangeAdSetupLevel", "ForestLevelNotWin2012R2",
                                     "IsServerCoreInstalled", "ExreadySeExchange2013Block",
                                     "ExreadySeCoexistenceMinVersion", "ExreadySeInPlaceUpgrade",
                                     "ExreadyExchangeSupportStatus"])
def test_every_se_value_names_its_source(rule_id: str) -> None:
    sources = catalog().rule(rule_id).meta.sources
    assert sources
    for s in sources:
        assert s.url.startswith("https://")
        if s.status is not SourceStatus.DOCUMENTED:
            assert s.note  # what is missing, inferred or contradictory is said, not guessed


def test_the_unpublished_coexistence_minimum_is_marked_as_such() -> None:
    (s,) = catalog().rule("ExreadySeCoexistenceMinVersion").meta.sources
    assert s.status is SourceStatus.UNDOCUMENTED and "not documented" in s.note


# ---- host rules on SE values ------------------------------------------------------------------------------

@pytest.mark.parametrize(("build", "status"), [(26100, Status.PASS), (20348, Status.PASS), (17763, Status.PASS),
                                               (14393, Status.FAIL), (9600, Status.FAIL)])
def test_valid_os_version_for_se(build: int, status: Status) -> None:
    v = judge("ValidOSVersion", {**OS, "os.current_build": str(build)}, version="SE")
    assert v.status is status, v.detail


def test_windows_server_2025_needs_2019_cu15_but_any_se() -> None:
    facts = {**OS, "os.current_build": "26100"}
    assert judge("ValidOSVersion", facts, version="SE").status is Status.PASS
    assert "Windows Server 2025 is supported by Exchange SE RTM" in judge("ValidOSVersion", facts, version="SE").detail


@pytest.mark.parametrize(("release", "status"), [(533325, Status.PASS), (528449, Status.PASS), (528040, Status.PASS),
                                                 (461814, Status.FAIL), (ABSENT, Status.FAIL)])
def test_dotnet_for_se(release: object, status: Status) -> None:
    assert judge("MinimumFrameworkNotInstalled", {"dotnet.release": release}, version="SE").status is status


@pytest.mark.parametrize(("version", "status"), [("7.2.2", Status.PASS), (ABSENT, Status.FAIL)])
def test_url_rewrite_is_required_from_se_rtm(version: object, status: Status) -> None:
    assert judge("IISURLRewriteNotInstalled", {"iis.url_rewrite_version": version}, version="SE").status is status


def test_se_supports_server_core() -> None:
    v = judge("IsServerCoreInstalled", {"os.installation_type": "Server Core"}, version="SE")
    assert v.status is Status.NOT_APPLICABLE and "Exchange SE supports Server Core" in v.detail


def test_ad_levels_for_se() -> None:
    prepared = {"ad.exchange_schema_version": 17003,
                "ad.exchange_org": {"name": "Contoso", "dn": "CN=Contoso", "object_version": 16763},
                "ad.domains": [{"dns_name": "contoso.test", "dn": "DC=contoso,DC=test", "mesos_object_version": 13243}]}
    assert judge("ExchangeAdSetupLevel", {}, org=prepared, version="SE").status is Status.PASS
    at_cu14 = {**prepared, "ad.exchange_org": {"name": "Contoso", "dn": "CN=Contoso", "object_version": 16762}}
    v = judge("ExchangeAdSetupLevel", {}, org=at_cu14, version="SE")
    assert v.status is Status.WARN and v.evidence["steps"] == ["/PrepareAD"]


# ---- coexistence --------------------------------------------------------------------------------------------

def test_exchange_2013_blocks_se() -> None:
    v = judge("ExreadySeExchange2013Block", {}, org=org(server("EX13", "15.0.1497.2"), server("EX19", "15.2.1748.10")),
              version="SE")
    assert v.status is Status.FAIL and "EX13" in v.detail and "EX19" not in v.detail


def test_exchange_2013_without_roles_does_not_block() -> None:
    v = judge("ExreadySeExchange2013Block", {}, org=org(server("EX13", "15.0.1497.2", roles=0)), version="SE")
    assert v.status is Status.PASS


@pytest.mark.parametrize(("servers", "status"), [
    ((server("EX16", "15.1.2507.6"), server("EX19", "15.2.1544.4")), Status.PASS),
    ((server("EX16", "15.1.2375.7"),), Status.WARN),  # 2016 CU22
    ((server("EX19", "15.2.1258.12"),), Status.WARN),  # 2019 CU13
    ((server("SE01", "15.2.2562.17"),), Status.NOT_APPLICABLE),
])
def test_supported_coexistence_with_se(servers: tuple[dict[str, Any], ...], status: Status) -> None:
    assert judge("ExreadySeCoexistenceMinVersion", {}, org=org(*servers), version="SE").status is status


def test_coexistence_with_an_unreadable_version_is_unknown() -> None:
    s = {**server("EX16", "15.1.2507.6"), "version": None, "serial_number": "Version 15.1"}
    assert judge("ExreadySeCoexistenceMinVersion", {}, org=org(s), version="SE").status is Status.UNKNOWN


# ---- in-place upgrade ---------------------------------------------------------------------------------------

def keys(version: str | None) -> list[dict[str, Any]]:
    return [] if version is None else [{"key": "MailboxRole", "unpacked_version": version,
                                        "configured_version": version}]


@pytest.mark.parametrize(("installed", "status", "path"), [
    (None, Status.PASS, "new installation"),
    ("15.2.1544.4", Status.PASS, "in-place upgrade"),
    ("15.2.1748.10", Status.PASS, "in-place upgrade"),
    ("15.2.2562.17", Status.PASS, "already SE"),
    ("15.2.1258.12", Status.FAIL, "update to CU14/CU15 first, or new server"),
    ("15.1.2507.6", Status.FAIL, "new server (legacy upgrade)"),
    ("15.0.1497.2", Status.FAIL, "new server (legacy upgrade)"),
])
def test_in_place_upgrade_verdict(installed: str | None, status: Status, path: str) -> None:
    v = judge("ExreadySeInPlaceUpgrade", {"exchange.v15.roles": keys(installed)}, version="SE")
    assert (v.status, v.evidence["path"]) == (status, path)


def test_in_place_upgrade_falls_back_on_the_ad_object() -> None:
    v = judge("ExreadySeInPlaceUpgrade", {"exchange.v15.roles": []}, org=org(server("EX01", "15.1.2507.6")),
              version="SE")
    assert v.status is Status.FAIL and v.evidence["installed_from"].startswith("AD server object")


# ---- support status -----------------------------------------------------------------------------------------

def test_product_and_support_from_the_build() -> None:
    day = date(2026, 1, 1)
    assert product_of(Version.parse("15.2.2562.17")) == "Exchange SE"
    assert product_of(Version.parse("15.2.1748.10")) == "Exchange 2019"
    assert [lifecycle(Version.parse(v), day).supported for v in  # type: ignore[union-attr]
            ("15.0.1497.2", "15.1.2507.6", "15.2.1748.10", "15.2.2562.17")] == [False, False, False, True]
    assert lifecycle(Version.parse("15.2.1748.10"), date(2025, 10, 14)).supported  # type: ignore[union-attr]


def test_support_status_lists_what_still_has_to_go() -> None:
    mixed = org(server("EX16", "15.1.2507.6"), server("SE01", "15.2.2562.17"))
    v = judge("ExreadyExchangeSupportStatus", {}, org=mixed, version="SE")
    assert v.status is Status.WARN and v.evidence["out_of_support"] == ["EX16 (Exchange 2016)"]
    v = judge("ExreadyExchangeSupportStatus", {}, org=org(server("SE01", "15.2.2562.17")), version="SE")
    assert v.status is Status.PASS


# ---- Upgrade mode: SE over 2019 CU14/CU15 ------------------------------------------------------------------

def test_an_in_place_upgrade_skips_the_install_mode_rules() -> None:
    facts = {"computer.name": "EX01", "exchange.v15.roles": keys("15.2.1748.10")}
    ad = org(server("EX01", "15.2.1748.10"))
    assert judge("MailboxRoleAlreadyExists", facts, org=ad, version="2019").status is Status.FAIL
    v = judge("MailboxRoleAlreadyExists", facts, org=ad, version="SE")
    assert v.status is Status.NOT_APPLICABLE and "Upgrade mode" in v.detail
    node = {**facts, "services.start": {"ClusSvc": 2}}  # a DAG member
    assert judge("ClusSvcInstalledRoleBlock", node, version="SE").status is Status.NOT_APPLICABLE
    assert judge("ClusSvcInstalledRoleBlock", node, version="2019").status is Status.FAIL


def test_install_mode_rules_still_run_where_se_is_not_an_in_place_upgrade() -> None:
    for installed in ("15.1.2507.6", "15.2.1258.12"):  # 2016 CU23, 2019 CU13: no in-place upgrade to SE
        facts = {"computer.name": "EX01", "exchange.v15.roles": keys(installed), "services.start": {"ClusSvc": 2}}
        assert judge("MailboxRoleAlreadyExists", facts, org=org(server("EX01", installed)),
                     version="SE").status is Status.FAIL
        assert judge("ClusSvcInstalledRoleBlock", facts, version="SE").status is Status.FAIL
