from __future__ import annotations

from typing import Any

import pytest
from rule_kit import ABSENT, Unreadable, catalog, judge

from scanner.model.verdict import Status, UnknownReason

RULE = "CafeRoleAlreadyExists"
ORG = {"name": "Contoso", "dn": "CN=Contoso,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=contoso,DC=test"}


def cafe(configured: Any = "15.0.1497.2", unpacked: Any = "15.0.1497.2") -> dict[str, Any]:
    return {
        "key": "CafeRole",
        "action": None,
        "watermark": None,
        "unpacked_version": unpacked,
        "configured_version": configured,
    }


def server(name: str, roles: int, serial: str = "Version 15.0 (Build 31497.2)") -> dict[str, Any]:
    return {
        "name": name,
        "dn": f"CN={name},CN=Servers,CN=Exchange Administrative Group (FYDIBOHF23SPDLT)",
        "serial_number": serial,
        "roles": roles,
        "version": "15.0.1497.2",
    }


def ad(servers: Any) -> dict[str, Any]:
    return {"ad.exchange_org": ORG, "ad.exchange_servers": servers}


def local(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"computer.name": "CAS01", "exchange.v15.roles": list(entries) if entries else ABSENT}


# ---- without Active Directory: like its four siblings, only a configured local key is conclusive ---------


def test_no_ad_configured_cafe_key_fails_on_the_local_evidence() -> None:
    v = judge(RULE, local(cafe()), host="CAS01")
    assert v.status is Status.FAIL
    assert v.evidence["source"] == "local registry only; AD not read"
    assert "ConfiguredVersion 15.0.1497.2" in v.detail


def test_no_ad_no_v15_key_is_unknown_as_setup_decides_from_ad() -> None:
    # Setup reads only AD: a stale server object would stop it even with no local key
    v = judge(RULE, local(), host="CAS01")
    assert v.status is Status.UNKNOWN
    assert v.reason is UnknownReason.NEEDS_AD


@pytest.mark.parametrize("rule_id", ["CafeRoleAlreadyExists", "MailboxRoleAlreadyExists",
                                     "ClientAccessRoleAlreadyExists", "UnifiedMessagingRoleAlreadyExists",
                                     "BridgeheadRoleAlreadyExists"])
@pytest.mark.parametrize("entries", [(), ({**cafe(configured=None)},)])
def test_the_family_gives_the_same_verdict_without_ad(rule_id: str, entries: tuple[dict[str, Any], ...]) -> None:
    v = judge(rule_id, local(*entries), host="CAS01")
    assert (v.status, v.reason) == (Status.UNKNOWN, UnknownReason.NEEDS_AD)


def test_no_ad_unpacked_but_not_configured_is_unknown() -> None:
    v = judge(RULE, local(cafe(configured=None)), host="CAS01")
    assert v.status is Status.UNKNOWN


def test_no_ad_other_roles_only_is_unknown() -> None:
    mbx = dict(cafe(), key="MailboxRole")
    assert judge(RULE, local(mbx), host="CAS01").status is Status.UNKNOWN


def test_no_ad_unreadable_key_is_unknown() -> None:
    v = judge(RULE, {"computer.name": "CAS01", "exchange.v15.roles": Unreadable()}, host="CAS01")
    assert v.status is Status.UNKNOWN


# ---- with Active Directory ----------------------------------------------------------------------


def test_ad_cafe_bit_and_local_key_fails_as_installed() -> None:
    v = judge(RULE, local(cafe()), org=ad([server("CAS01", 16385)]), host="CAS01")
    assert v.status is Status.FAIL
    assert v.evidence["assessment"] == "installed"
    assert "the role is installed" in v.detail


def test_ad_cafe_bit_without_local_key_fails_as_stale_object() -> None:
    v = judge(RULE, local(), org=ad([server("CAS01", 1)]), host="CAS01")
    assert v.status is Status.FAIL
    assert v.evidence["assessment"] == "stale_ad_object"
    assert "stale AD object" in v.detail


def test_ad_server_without_cafe_bit_passes() -> None:
    # 54 = 2013 Mailbox (2+4+16+32): no Cafe bit.
    v = judge(RULE, local(), org=ad([server("CAS01", 54)]), host="CAS01")
    assert v.status is Status.PASS


def test_ad_other_server_with_cafe_bit_passes() -> None:
    v = judge(RULE, local(), org=ad([server("CAS02", 16385)]), host="CAS01")
    assert v.status is Status.PASS


def test_ad_matches_short_name_case_insensitively_from_computer_name() -> None:
    facts = {"computer.name": "cas01", "exchange.v15.roles": ABSENT}
    v = judge(RULE, facts, org=ad([server("CAS01", 1)]), host="cas01")
    assert v.status is Status.FAIL


def test_ad_without_exchange_servers_passes() -> None:
    v = judge(RULE, local(cafe()), org=ad(ABSENT), host="CAS01")
    # AD is authoritative for Setup: no server object, no failure, even with a local key.
    assert v.status is Status.PASS
    assert v.evidence["local_CafeRole_key"]["present"] is True


def test_ad_judgement_stands_when_local_key_unreadable() -> None:
    facts = {"computer.name": "CAS01", "exchange.v15.roles": Unreadable("denied")}
    v = judge(RULE, facts, org=ad([server("CAS01", 1)]), host="CAS01")
    assert v.status is Status.FAIL
    assert v.evidence["assessment"] == "ad_only"


def test_ad_servers_unreadable_is_unknown() -> None:
    v = judge(RULE, local(), org=ad(Unreadable("LDAP timeout")), host="CAS01")
    assert v.status is Status.UNKNOWN
    assert v.reason is UnknownReason.FACT_UNREADABLE


def test_applies_to_client_access_in_2013_and_mailbox_later() -> None:
    c = catalog()
    assert c.roles_of("2013", RULE) == ("ClientAccess",)
    assert c.roles_of("2019", RULE) == ("Mailbox",)
