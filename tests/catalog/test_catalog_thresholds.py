"""Edge cases of the catalog's numbers: per-CU .NET and Windows support, exact version thresholds, and the
--exchange/--cu target itself."""

from __future__ import annotations

import pytest
from catalog_cases import ADMIN, FOREST, GREENFIELD, Case, baseline_facts
from catalog_kit import judge_case, judge_facts

from scanner.checks.targets import NET_RELEASES, latest_cu, make_target, parse_cu
from scanner.errors import UsageError
from scanner.model.verdict import Status


@pytest.mark.parametrize(
    ("version", "cu", "release", "status"),
    [
        ("2013", 23, 461808, Status.PASS),  # 4.7.2 exactly
        ("2013", 23, 461807, Status.FAIL),
        ("2013", 21, 461308, Status.PASS),  # 4.7.1 suffices for CU21
        ("2013", 15, 378675, Status.PASS),
        ("2016", 14, 461808, Status.PASS),
        ("2016", 15, 461814, Status.FAIL),  # CU15+ needs 4.8
        ("2016", 23, 528040, Status.PASS),
        ("2019", 3, 461808, Status.PASS),
        ("2019", 4, 461814, Status.FAIL),
        ("2019", 15, 528049, Status.PASS),
    ],
)
def test_dotnet_minimum_follows_the_cu(version: str, cu: int, release: int, status: Status) -> None:
    v = judge_case("MinimumFrameworkNotInstalled", Case(facts={"dotnet.release": release}, version=version, cu=cu))
    assert v.status is status, v.detail


@pytest.mark.parametrize(
    ("version", "cu", "build", "status"),
    [
        ("2013", 3, "9600", Status.FAIL),  # 2012 R2 needs 2013 SP1 (CU4)
        ("2013", 4, "9600", Status.PASS),
        ("2013", 23, "7601", Status.PASS),
        ("2013", 23, "7600", Status.FAIL),  # 2008 R2 without SP1
        ("2013", 23, "14393", Status.FAIL),  # never Windows Server 2016 for 2013
        ("2016", 2, "14393", Status.FAIL),  # WS2016 from 2016 CU3
        ("2016", 3, "14393", Status.PASS),
        ("2016", 23, "17763", Status.FAIL),
        ("2019", 11, "20348", Status.FAIL),  # WS2022 from 2019 CU12
        ("2019", 12, "20348", Status.PASS),
        ("2019", 15, "26100", Status.PASS),
        ("2019", 14, "26100", Status.FAIL),
        ("2019", 15, "9600", Status.FAIL),
    ],
)
def test_windows_support_follows_the_cu(version: str, cu: int, build: str, status: Status) -> None:
    facts = {"os.current_build": build, "os.edition_id": "ServerDatacenter"}
    v = judge_case("ValidOSVersion", Case(facts=facts, version=version, cu=cu))
    assert v.status is status, v.detail


def test_2008r2_foundation_edition_is_refused() -> None:
    facts = {"os.current_build": "7601", "os.edition_id": "ServerFoundation"}
    assert judge_case("ValidOSVersion", Case(facts=facts)).status is Status.FAIL
    facts["os.edition_id"] = "ServerEnterpriseCore"
    assert judge_case("ValidOSVersion", Case(facts=facts)).status is Status.PASS


@pytest.mark.parametrize(("version", "cu", "status"), [("2016", 21, Status.NOT_APPLICABLE), ("2016", 22, Status.FAIL),
                                                       ("2019", 10, Status.NOT_APPLICABLE), ("2019", 11, Status.FAIL)])
def test_url_rewrite_from_the_september_2021_cus(version: str, cu: int, status: Status) -> None:
    case = Case(facts={"iis.url_rewrite_version": "<absent>"}, version=version, cu=cu)
    assert judge_case("IISURLRewriteNotInstalled", case).status is status


@pytest.mark.parametrize(("ubr", "status"), [(575, Status.FAIL), (576, Status.PASS), (6452, Status.PASS)])
def test_kb3206632_is_build_14393_576(ubr: int, status: Status) -> None:
    case = Case(facts={"os.current_build": "14393", "os.ubr": ubr}, version="2016")
    assert judge_case("Win2k16LSARollupUpdateNotInstalled", case).status is status


@pytest.mark.parametrize(("version", "status"), [("12.0.21005.1", Status.PASS), ("12.0.21005", Status.FAIL),
                                                 ("12.0.30501.0", Status.PASS), ("11.0.61030.0", Status.FAIL)])
def test_vc2013_runtime_threshold(version: str, status: Status) -> None:
    case = Case(facts={"file.msvcr120_dll": {"path": "C:\\Windows\\System32\\msvcr120.dll", "version": version}})
    assert judge_case("VC2013RedistDependencyRequirement", case).status is status


def test_execution_policy_other_than_restricted_warns() -> None:
    user = {"account": "CONTOSO\\exsetup", "policy": None}
    machine = {"enable_scripts": 1, "execution_policy": "RemoteSigned"}
    v = judge_case("PowerShellExecutionPolicyCheckSet",
                   Case(facts={"policy.gpo_machine": machine, "policy.gpo_user": user}, installer=ADMIN))
    assert v.status is Status.WARN


def test_a_saved_machine_policy_without_the_user_scope_is_not_a_pass() -> None:
    # a document saved by a collector before 1.2.0: the resolved machine scope, no policy.gpo_* facts
    saved = {k: v for k, v in baseline_facts().items() if not k.startswith("policy.gpo_")}
    v = judge_facts("PowerShellExecutionPolicyCheckSet", {**saved, "policy.execution_policy": "RemoteSigned"}, Case())
    assert v.status is Status.UNKNOWN and "RemoteSigned" in v.detail


def test_schema_master_site_from_the_forest_fact() -> None:
    forest = {**FOREST, "schema_master_site": "Lyon-DR"}
    v = judge_case("NotInSchemaMasterSite", Case(org={**GREENFIELD, "ad.forest": forest, "ad.computers": []}))
    assert v.status is Status.FAIL and v.evidence["schema_master_site"] == "Lyon-DR"
    v = judge_case("NotInSchemaMasterSite",
                   Case(org={**GREENFIELD, "ad.forest": forest}, facts={"computer.ad_site": "Lyon-DR"}))
    assert v.status is Status.PASS


def test_targets_default_to_the_latest_cu_and_refuse_bad_input() -> None:
    assert make_target("2013").label == "Exchange 2013 CU23"
    assert make_target("2019").cu == latest_cu("2019") == 15
    assert make_target("2016", 0).label == "Exchange 2016 RTM"
    assert make_target("2013", 23).version_number == 1941997017  # 15.0.1497, as AD encodes it
    assert make_target("2016", 19).version_number == 1942063232  # 15.1.2176, seen in a 2016 setup log
    assert make_target("2013", 23).net_minimum == ("4.7.2", NET_RELEASES["4.7.2"])
    assert [parse_cu(t) for t in ("23", "CU23", "cu4", "RTM", "SP1")] == [23, 23, 4, 0, 4]
    with pytest.raises(UsageError, match="between 0 .RTM. and 23"):
        make_target("2013", 24)
    with pytest.raises(UsageError, match="2013, 2016, 2019"):
        make_target("2010")
    with pytest.raises(UsageError):
        parse_cu("latest")
