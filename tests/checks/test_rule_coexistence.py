"""Coexistence with older Exchange servers: E16E15CoexistenceMinVersionRequirement for Exchange 2019 and
E16E14CoexistenceMinVersionRequirement with the Exchange 2010 servers' own build."""

from __future__ import annotations

from typing import Any

import pytest
from rule_kit import judge

from scanner.model.verdict import Status, UnknownReason

ORG = {"name": "Contoso", "dn": "CN=Contoso,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=contoso,DC=test"}


def server(name: str, serial: str, version: str, roles: int = 16439) -> dict[str, Any]:
    return {"name": name, "dn": f"CN={name},CN=Servers", "serial_number": serial, "roles": roles,
            "version": version, "version_number": None}


def e2013(build: str) -> dict[str, Any]:
    major_build, rev = build.split(".")
    return server("EX13", f"Version 15.0 (Build 3{major_build}.{rev})", f"15.0.{build}")


def org(*servers: dict[str, Any]) -> dict[str, Any]:
    return {"ad.exchange_org": ORG, "ad.exchange_servers": list(servers)}


# ---- E16E15: Exchange 2013 CU21 for Exchange 2019 ------------------------------------------------------


def test_2013_cu10_is_not_a_silent_pass_for_exchange_2019() -> None:
    v = judge("E16E15CoexistenceMinVersionRequirement", {}, org(e2013("1130.7")), version="2019")
    assert v.status is Status.UNKNOWN and v.reason is UnknownReason.FACT_MISSING
    assert "CU21" in v.detail and "EX13" in v.detail


def test_2013_cu10_is_enough_for_exchange_2016() -> None:
    v = judge("E16E15CoexistenceMinVersionRequirement", {}, org(e2013("1130.7")), version="2016")
    assert v.status is Status.PASS


@pytest.mark.parametrize("version", ["2016", "2019"])
def test_2013_below_cu10_fails(version: str) -> None:
    v = judge("E16E15CoexistenceMinVersionRequirement", {}, org(e2013("1104.5")), version=version)
    assert v.status is Status.FAIL


def test_2013_cu21_passes_for_exchange_2019() -> None:
    v = judge("E16E15CoexistenceMinVersionRequirement", {}, org(e2013("1395.4")), version="2019")
    assert v.status is Status.PASS and "CU21" in v.detail
