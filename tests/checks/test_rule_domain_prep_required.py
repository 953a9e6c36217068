"""DomainPrepRequired judges the computer's Active Directory domain (its computer object's DN), not its
primary DNS suffix, which names another domain in a disjoint namespace."""

from __future__ import annotations

from typing import Any

from rule_kit import judge

from scanner.model.verdict import Status

FOREST = {"dns_name": "contoso.test", "dn": "DC=contoso,DC=test", "functional_level": 7,
          "schema_master": "dc01.contoso.test"}
ROOT = {"dns_name": "contoso.test", "dn": "DC=contoso,DC=test", "netbios": "CONTOSO", "functional_level": 7,
        "mesos_object_version": 13237}
CHILD = {"dns_name": "emea.contoso.test", "dn": "DC=emea,DC=contoso,DC=test", "netbios": "EMEA",
         "functional_level": 7, "mesos_object_version": None}


def org(computer_dn: str) -> dict[str, Any]:
    return {"ad.forest": FOREST, "ad.domains": [ROOT, CHILD],
            "ad.computers": [{"name": "EX01", "dn": computer_dn, "site": "Paris", "is_dc": False}]}


def test_a_child_domain_server_with_the_roots_suffix_is_judged_in_its_domain() -> None:
    v = judge("DomainPrepRequired", {"computer.name": "EX01", "computer.domain": "contoso.test"},
              org("CN=EX01,OU=Servers,DC=emea,DC=contoso,DC=test"))
    assert v.status is Status.FAIL
    assert "emea.contoso.test" in v.detail


def test_a_root_domain_server_with_a_child_suffix_is_judged_in_the_root() -> None:
    v = judge("DomainPrepRequired", {"computer.name": "EX01", "computer.domain": "emea.contoso.test"},
              org("CN=EX01,OU=Servers,DC=contoso,DC=test"))
    assert v.status is Status.PASS


def test_a_host_not_found_in_ad_falls_back_to_its_suffix_and_says_so() -> None:
    facts = {"computer.name": "EX02", "computer.domain": "emea.contoso.test"}
    v = judge("DomainPrepRequired", facts, org("CN=EX01,OU=Servers,DC=contoso,DC=test"), host="EX02")
    assert v.status is Status.FAIL
    assert v.evidence["domain_source"].startswith("primary DNS suffix")


def test_the_other_local_domain_rules_read_the_same_domain() -> None:
    modes = [{"domain": "contoso.test", "dn": "DC=contoso,DC=test", "mixed": 0},
             {"domain": "emea.contoso.test", "dn": "DC=emea,DC=contoso,DC=test", "mixed": 1}]
    v = judge("LocalDomainModeMixed", {"computer.name": "EX01", "computer.domain": "contoso.test"},
              {**org("CN=EX01,DC=emea,DC=contoso,DC=test"), "ad.domain_modes": modes})
    assert v.status is Status.FAIL
