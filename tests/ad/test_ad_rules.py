"""The rules judged from Active Directory facts, on hand-built facts, through the engine's run_rule."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from scanner.checks import RuleContext, load_catalog
from scanner.evaluate import run_rule
from scanner.model.facts import Fact, FactStatus, HostFacts, OrgFacts
from scanner.model.host import Host
from scanner.model.verdict import Status, UnknownReason, Verdict

ORG_DN = "CN=Contoso,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=corp,DC=example,DC=test"
ABSENT = object()


class Unreadable:
    def __init__(self, error: str = "insufficientAccessRights") -> None:
        self.error = error


def _fact(name: str, spec: Any) -> Fact:
    if spec is ABSENT:
        return Fact(name, FactStatus.ABSENT)
    if isinstance(spec, Unreadable):
        return Fact(name, FactStatus.UNREADABLE, error=spec.error)
    return Fact(name, FactStatus.PRESENT, spec)


def judge(
    rule_id: str,
    org: Mapping[str, Any] | None,
    host: Mapping[str, Any] | None = None,
    version: str = "2013",
    cu: int | None = None,
    name: str = "EX01",
) -> Verdict:
    rule = load_catalog().rule(rule_id)
    host_facts = HostFacts(name, {n: _fact(n, v) for n, v in (host or {}).items()}, "test")
    ctx = RuleContext(
        rule_id=rule_id,
        host=Host(name),
        host_facts=host_facts,
        org=OrgFacts({n: _fact(n, v) for n, v in (org or {}).items()}, "ldaps://dc.test"),
        exchange_version=version,
        cu=cu,
    )
    return run_rule(rule, ctx)


def server(name: str, serial: str, roles: int = 0, version: str | None = None) -> dict[str, Any]:
    from scanner.directory.org import version_from_serial

    return {
        "name": name,
        "dn": f"CN={name},CN=Servers,CN=AG,CN=Administrative Groups,{ORG_DN}",
        "serial_number": serial,
        "roles": roles,
        "version": version if version is not None else version_from_serial(serial),
        "version_number": None,
    }


ORG = {"name": "Contoso", "dn": ORG_DN, "object_version": 16133}
E2013_CAS = server("EX01", "Version 15.0 (Build 31497.2)", 16385)
E2013_MBX = server("EX02", "Version 15.0 (Build 31497.2)", 54)
E2003 = server("OLDEX", "Version 6.5 (Build 7638.2: Service Pack 2)")


def org_with(*servers: dict[str, Any]) -> dict[str, Any]:
    return {"ad.exchange_org": ORG, "ad.exchange_servers": list(servers)}


# ---- Exchange2000or2003PresentInOrg ------------------------------------------------------------------


def test_legacy_server_fails() -> None:
    v = judge("Exchange2000or2003PresentInOrg", org_with(E2013_MBX, E2003))
    assert v.status is Status.FAIL
    assert v.evidence["legacy_servers"] == ["OLDEX (6.5.7638.2)"]


def test_no_legacy_server_passes() -> None:
    v = judge("Exchange2000or2003PresentInOrg", org_with(E2013_MBX, E2013_CAS))
    assert v.status is Status.PASS and v.evidence["legacy_servers"] == []


def test_no_org_is_not_applicable() -> None:
    v = judge("Exchange2000or2003PresentInOrg", {"ad.exchange_org": ABSENT, "ad.exchange_servers": []})
    assert v.status is Status.NOT_APPLICABLE


def test_without_ad_is_unknown_needs_ad() -> None:
    v = judge("Exchange2000or2003PresentInOrg", None)
    assert v.status is Status.UNKNOWN and v.reason is UnknownReason.NEEDS_AD


def test_unreadable_servers_are_unknown() -> None:
    v = judge("Exchange2000or2003PresentInOrg", {"ad.exchange_org": ORG, "ad.exchange_servers": Unreadable()})
    assert v.status is Status.UNKNOWN and v.reason is UnknownReason.FACT_UNREADABLE


# ---- the role-already-exists family ------------------------------------------------------------------

ROLE_RULES = [
    ("MailboxRoleAlreadyExists", 2, "MailboxRole"),
    ("ClientAccessRoleAlreadyExists", 4, "ClientAccessRole"),
    ("UnifiedMessagingRoleAlreadyExists", 16, "UnifiedMessagingRole"),
    ("BridgeheadRoleAlreadyExists", 32, "HubTransportRole"),
]


def v15(key: str, configured: str | None = "15.0.1497.2") -> list[dict[str, Any]]:
    return [
        {
            "key": key,
            "action": None,
            "watermark": None,
            "unpacked_version": configured,
            "configured_version": configured,
        }
    ]


@pytest.mark.parametrize(("rule", "bit", "key"), ROLE_RULES)
def test_role_bit_and_local_key_is_an_installation(rule: str, bit: int, key: str) -> None:
    v = judge(
        rule,
        org_with(server("EX01", "Version 15.0 (Build 31497.2)", bit)),
        {"computer.name": "EX01", "exchange.v15.roles": v15(key)},
    )
    assert v.status is Status.FAIL
    assert v.evidence["assessment"] == "installed"


@pytest.mark.parametrize(("rule", "bit", "key"), ROLE_RULES)
def test_role_bit_without_local_key_is_a_stale_object(rule: str, bit: int, key: str) -> None:
    v = judge(
        rule,
        org_with(server("EX01", "Version 15.0 (Build 31497.2)", 0xFFFF)),
        {"computer.name": "ex01", "exchange.v15.roles": ABSENT},
    )
    assert v.status is Status.FAIL
    assert v.evidence["assessment"] == "stale_ad_object"
    assert "stale" in v.detail


@pytest.mark.parametrize(("rule", "bit", "key"), ROLE_RULES)
def test_other_bits_pass(rule: str, bit: int, key: str) -> None:
    v = judge(
        rule,
        org_with(server("EX01", "Version 15.0 (Build 31497.2)", 0xFFFF & ~bit)),
        {"computer.name": "EX01", "exchange.v15.roles": ABSENT},
    )
    assert v.status is Status.PASS
    assert v.evidence["ad_server"]["roles"] == 0xFFFF & ~bit


def test_no_server_object_for_this_computer_passes() -> None:
    v = judge(
        "MailboxRoleAlreadyExists",
        org_with(E2013_MBX),
        {"computer.name": "EX09", "exchange.v15.roles": []},
        name="EX09",
    )
    assert v.status is Status.PASS and "no Exchange server object named EX09" in v.detail


def test_role_rule_without_org_is_not_applicable() -> None:
    v = judge(
        "MailboxRoleAlreadyExists",
        {"ad.exchange_org": ABSENT, "ad.exchange_servers": []},
        {"computer.name": "EX01", "exchange.v15.roles": ABSENT},
    )
    assert v.status is Status.NOT_APPLICABLE


def test_role_rule_without_ad_is_unknown_unless_installed_locally() -> None:
    unknown = judge("MailboxRoleAlreadyExists", None, {"computer.name": "EX01", "exchange.v15.roles": ABSENT})
    assert unknown.status is Status.UNKNOWN and unknown.reason is UnknownReason.NEEDS_AD
    installed = judge(
        "MailboxRoleAlreadyExists", None, {"computer.name": "EX01", "exchange.v15.roles": v15("MailboxRole")}
    )
    assert installed.status is Status.FAIL and "AD not read" in installed.detail


def test_role_rule_with_unreadable_local_keys_still_fails_on_the_ad_object() -> None:
    v = judge(
        "MailboxRoleAlreadyExists",
        org_with(E2013_MBX),
        {"computer.name": "EX02", "exchange.v15.roles": Unreadable("Access is denied")},
        name="EX02",
    )
    assert v.status is Status.FAIL and v.evidence["assessment"] == "ad_only"


# ---- ForestLevelNotWin2003Native ----------------------------------------------------------------------


def forest(level: int | None) -> dict[str, Any]:
    return {
        "ad.forest": {
            "dns_name": "corp.example.test",
            "dn": "DC=corp,DC=example,DC=test",
            "functional_level": level,
            "schema_master": "dc1.corp.example.test",
        }
    }


@pytest.mark.parametrize(
    ("level", "status"),
    [(0, Status.FAIL), (1, Status.FAIL), (2, Status.PASS), (4, Status.PASS), (7, Status.PASS)],
)
def test_forest_level(level: int, status: Status) -> None:
    assert judge("ForestLevelNotWin2003Native", forest(level)).status is status


def test_forest_level_missing_is_unknown() -> None:
    assert judge("ForestLevelNotWin2003Native", forest(None)).reason is UnknownReason.FACT_UNREADABLE
    assert judge("ForestLevelNotWin2003Native", None).reason is UnknownReason.NEEDS_AD


# ---- coexistence ----------------------------------------------------------------------------------------

E2007_SP2 = server("E07A", "Version 8.2 (Build 30176.2)", 2)
E2007_SP3 = server("E07B", "Version 8.3 (Build 30083.6)", 2)
E2010_SP2 = server("E10A", "Version 14.2 (Build 30247.5)", 2)
E2010_SP3_EARLY = server("E10B", "Version 14.3 (Build 30000.0)", 2)  # hypothetical 14.3.0
E2010_SP3 = server("E10C", "Version 14.3 (Build 30123.4)", 2)


def test_e2007_below_sp3_fails_2013() -> None:
    v = judge("E15E12CoexistenceMinVersionRequirement", org_with(E2007_SP2, E2007_SP3))
    assert v.status is Status.FAIL and v.evidence["below_minimum"] == ["E07A (8.2.176.2)"]
    assert judge("E15E12CoexistenceMinVersionRequirement", org_with(E2007_SP3)).status is Status.PASS
    assert judge("E15E12CoexistenceMinVersionRequirement", org_with(E2013_MBX)).status is Status.NOT_APPLICABLE


def test_e2007_without_roles_is_ignored_as_setup_does() -> None:
    v = judge("E15E12CoexistenceMinVersionRequirement", org_with(server("E07C", "Version 8.1 (Build 30240.6)", 0)))
    assert v.status is Status.NOT_APPLICABLE


def test_e2010_sp3_minimum_and_build_warning() -> None:
    major = "E15E14CoexistenceMinMajorVersionRequirement"
    minor = "E15E14CoexistenceMinVersionRequirement"
    assert judge(major, org_with(E2010_SP2)).status is Status.FAIL
    assert judge(major, org_with(E2010_SP3_EARLY)).status is Status.PASS
    assert judge(minor, org_with(E2010_SP3_EARLY)).status is Status.WARN
    assert judge(minor, org_with(E2010_SP3)).status is Status.PASS
    assert judge(minor, org_with(E2013_CAS)).status is Status.NOT_APPLICABLE


def test_coexistence_version_unreadable_is_unknown() -> None:
    broken = server("E10X", "Version 14.x", 2, version="")
    v = judge("E15E14CoexistenceMinMajorVersionRequirement", org_with(broken))
    assert v.status is Status.UNKNOWN and v.reason is UnknownReason.FACT_UNREADABLE


def test_later_versions_refuse_any_2007_or_2010() -> None:
    assert judge("E16E12CoexistenceMinVersionRequirement", org_with(E2007_SP3), version="2016").status is Status.FAIL
    assert judge("E16E12CoexistenceMinVersionRequirement", org_with(E2013_CAS), version="2019").status is Status.PASS
    assert judge("E19E14CoexistenceRequirement", org_with(E2010_SP3), version="2019").status is Status.FAIL
    assert judge("E19E14CoexistenceRequirement", org_with(E2013_MBX), version="2019").status is Status.PASS
    assert judge("E19E14CoexistenceRequirement", None, version="2019").reason is UnknownReason.NEEDS_AD


def test_coexistence_rules_belong_to_their_versions() -> None:
    catalog = load_catalog()
    assert "E15E12CoexistenceMinVersionRequirement" not in {r.id for r in catalog.rules_for("2016")}
    assert "E19E14CoexistenceRequirement" in {r.id for r in catalog.rules_for("2019")}
    assert "E19E14CoexistenceRequirement" not in {r.id for r in catalog.rules_for("2016")}


# ---- DomainPrepRequired -------------------------------------------------------------------------------


def domains(*entries: tuple[str, int | None]) -> dict[str, Any]:
    return {
        **forest(4),
        "ad.domains": [
            {
                "dns_name": n,
                "dn": "DC=" + n.replace(".", ",DC="),
                "netbios": None,
                "functional_level": 4,
                "mesos_object_version": m,
            }
            for n, m in entries
        ],
    }


def test_child_domain_not_prepared_fails() -> None:
    org = domains(("corp.example.test", 13237), ("emea.corp.example.test", None))
    v = judge("DomainPrepRequired", org, {"computer.domain": "emea.corp.example.test"})
    assert v.status is Status.FAIL and "emea.corp.example.test" in v.detail
    prepared = domains(("corp.example.test", 13237), ("emea.corp.example.test", 13236))
    assert judge("DomainPrepRequired", prepared, {"computer.domain": "EMEA.corp.example.test"}).status is Status.PASS


def test_root_domain_passes_and_workgroup_is_not_applicable() -> None:
    org = domains(("corp.example.test", None))
    assert judge("DomainPrepRequired", org, {"computer.domain": "corp.example.test"}).status is Status.PASS
    assert judge("DomainPrepRequired", org, {"computer.domain": ABSENT}).status is Status.NOT_APPLICABLE
    assert judge("DomainPrepRequired", None, {"computer.domain": "corp.example.test"}).reason is UnknownReason.NEEDS_AD


def test_foreign_domain_is_unknown() -> None:
    v = judge("DomainPrepRequired", domains(("corp.example.test", 13237)), {"computer.domain": "other.test"})
    assert v.status is Status.UNKNOWN and v.reason is UnknownReason.FACT_MISSING


# ---- ExchangeAdSetupLevel --------------------------------------------------------------------------------


def prepared(schema: Any, org_version: int | None, meso: int | None) -> dict[str, Any]:
    return {
        "ad.exchange_schema_version": schema,
        "ad.exchange_org": ABSENT if org_version is None else {**ORG, "object_version": org_version},
        **domains(("corp.example.test", meso)),
    }


def test_fresh_forest_needs_every_step() -> None:
    v = judge("ExchangeAdSetupLevel", prepared(ABSENT, None, None))
    assert v.status is Status.WARN
    assert v.evidence["steps"] == ["/PrepareSchema", "/PrepareAD", "/PrepareDomain (corp.example.test)"]


def test_prepared_for_2013_cu23() -> None:
    v = judge("ExchangeAdSetupLevel", prepared(15312, 16133, 13237), cu=23)
    assert v.status is Status.PASS and v.evidence["target"] == "Exchange 2013 CU23"


def test_2013_forest_for_2019_needs_schema_and_org_and_domain() -> None:
    v = judge("ExchangeAdSetupLevel", prepared(15312, 16133, 13237), version="2019", cu=15)
    assert v.status is Status.WARN
    assert v.evidence["steps"] == ["/PrepareSchema", "/PrepareAD", "/PrepareDomain (corp.example.test)"]
    assert v.evidence["schema_range_upper"] == {"found": 15312, "needed": 17003}


def test_newer_schema_is_enough_for_an_older_target() -> None:
    v = judge("ExchangeAdSetupLevel", prepared(17003, 16133, 13237), cu=23)
    assert v.status is Status.PASS


def test_only_the_domain_step_left() -> None:
    v = judge("ExchangeAdSetupLevel", prepared(15312, 16133, 13236), cu=23)
    assert v.status is Status.WARN and v.evidence["steps"] == ["/PrepareDomain (corp.example.test)"]


def test_setup_level_without_ad_is_unknown() -> None:
    assert judge("ExchangeAdSetupLevel", None).reason is UnknownReason.NEEDS_AD
