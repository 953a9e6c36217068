from __future__ import annotations

from typing import Any

from rule_kit import ABSENT, Unreadable, catalog, judge

from scanner.model.verdict import Status, UnknownReason

RULE = "RusMissing"
DOMAINS = [
    {
        "dns_name": "contoso.com",
        "dn": "DC=contoso,DC=com",
        "netbios": "CONTOSO",
        "functional_level": 3,
        "mesos_object_version": 13236,
    },
    {
        "dns_name": "emea.contoso.com",
        "dn": "DC=emea,DC=contoso,DC=com",
        "netbios": "EMEA",
        "functional_level": 3,
        "mesos_object_version": None,
    },
]
E2003 = {
    "name": "EX2003",
    "dn": "CN=EX2003,...",
    "serial_number": "Version 6.5 (Build 7638.2: Service Pack 2)",
    "roles": 0,
    "version": None,
}
E2013 = {
    "name": "EX2013",
    "dn": "CN=EX2013,...",
    "serial_number": "Version 15.0 (Build 31497.2)",
    "roles": 54,
    "version": "15.0.1497.2",
}


def rus(domain_dn: str | None, name: str = "RUS") -> dict[str, Any]:
    return {"name": name, "dn": f"CN={name},CN=Recipient Update Services", "domain_link": domain_dn}


def test_without_ad_unknown_needs_ad() -> None:
    v = judge(RULE, {})
    assert v.status is Status.UNKNOWN
    assert v.reason is UnknownReason.NEEDS_AD


def test_without_host_facts_still_judged_from_ad() -> None:
    v = judge(RULE, None, org={"ad.exchange_servers": [E2013], "ad.rus": ABSENT, "ad.domains": DOMAINS})
    assert v.status is Status.PASS


def test_no_legacy_servers_passes() -> None:
    v = judge(RULE, {}, org={"ad.exchange_servers": [E2013], "ad.rus": ABSENT, "ad.domains": DOMAINS})
    assert v.status is Status.PASS
    assert v.evidence["legacy_servers"] == []


def test_legacy_and_a_domain_without_rus_warns() -> None:
    v = judge(
        RULE,
        {},
        org={
            "ad.exchange_servers": [E2003, E2013],
            "ad.rus": [rus("DC=contoso,DC=com")],
            "ad.domains": DOMAINS,
        },
    )
    assert v.status is Status.WARN
    assert v.evidence["domains_without_rus"] == ["emea.contoso.com"]
    assert "emea.contoso.com" in v.detail


def test_legacy_and_every_domain_served_passes() -> None:
    org = {
        "ad.exchange_servers": [E2003],
        "ad.rus": [rus("DC=contoso, DC=com", "RUS1"), rus("dc=EMEA,dc=contoso,dc=com", "RUS2")],
        "ad.domains": DOMAINS,
    }
    assert judge(RULE, {}, org=org).status is Status.PASS


def test_legacy_and_no_rus_at_all_warns_for_every_domain() -> None:
    v = judge(RULE, {}, org={"ad.exchange_servers": [E2003], "ad.rus": ABSENT, "ad.domains": DOMAINS})
    assert v.status is Status.WARN
    assert v.evidence["domains_without_rus"] == ["contoso.com", "emea.contoso.com"]


def test_rus_without_domain_link_serves_nothing() -> None:
    org = {"ad.exchange_servers": [E2003], "ad.rus": [rus(None)], "ad.domains": DOMAINS[:1]}
    assert judge(RULE, {}, org=org).status is Status.WARN


def test_exchange_2000_counts_as_legacy() -> None:
    e2000 = dict(E2003, serial_number="Version 6.0 (Build 6249.4: Service Pack 3)")
    org = {"ad.exchange_servers": [e2000], "ad.rus": ABSENT, "ad.domains": DOMAINS[:1]}
    assert judge(RULE, {}, org=org).status is Status.WARN


def test_unreadable_domains_with_legacy_is_unknown() -> None:
    org = {"ad.exchange_servers": [E2003], "ad.rus": ABSENT, "ad.domains": Unreadable("size limit")}
    v = judge(RULE, {}, org=org)
    assert v.status is Status.UNKNOWN
    assert v.reason is UnknownReason.FACT_UNREADABLE


def test_warning_severity_and_only_2013() -> None:
    c = catalog()
    rule = c.rule(RULE)
    assert rule.severity.value == "warning"
    assert not rule.needs_host_facts
    assert rule.meta.versions == ("2013",)
    assert c.roles_of("2013", RULE) == ("Mailbox",)
