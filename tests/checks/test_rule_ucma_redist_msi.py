from __future__ import annotations

import pytest
from rule_kit import ABSENT, Unreadable, judge

from scanner.facts.version import Version
from scanner.model.verdict import Status, UnknownReason

RULE = "UcmaRedistMsi"


@pytest.mark.parametrize("version", ["5.0.8308.0", "5.0.8308.00", "5.0.10000.0", "5.0.8308.1", "6.0.0.0"])
def test_passes_at_or_above_minimum(version: str) -> None:
    v = judge(RULE, {"ucma.version": version})
    assert v.status is Status.PASS
    assert v.evidence["version"] == str(Version.parse(version))
    assert v.evidence["minimum"] == "5.0.8308.0"
    assert v.reason is None


@pytest.mark.parametrize("version", ["5.0.8307.9", "4.0.7577.0", "5.0.8308", "5.0.999.0"])
def test_fails_below_minimum(version: str) -> None:
    # "5.0.8308" has no revision: System.Version sorts it below 5.0.8308.0, and so does Setup.
    v = judge(RULE, {"ucma.version": version})
    assert v.status is Status.FAIL
    assert "< 5.0.8308.0" in v.detail


def test_fails_when_absent() -> None:
    v = judge(RULE, {"ucma.version": ABSENT})
    assert v.status is Status.FAIL
    assert v.evidence["version"] == "absent"
    assert "not found" in v.detail


def test_unreadable_is_unknown_not_fail() -> None:
    v = judge(RULE, {"ucma.version": Unreadable("Requested registry access is not allowed.")})
    assert v.status is Status.UNKNOWN
    assert v.reason is UnknownReason.FACT_UNREADABLE
    assert "Requested registry access is not allowed." in v.detail


def test_missing_fact_is_unknown() -> None:
    v = judge(RULE, {})
    assert v.status is Status.UNKNOWN
    assert v.reason is UnknownReason.FACT_MISSING
    assert v.evidence == {"fact": "ucma.version"}


def test_garbage_version_is_unknown() -> None:
    v = judge(RULE, {"ucma.version": "five"})
    assert v.status is Status.UNKNOWN
    assert v.reason is UnknownReason.FACT_UNREADABLE


@pytest.mark.parametrize("exchange", ["2016", "2019"])
def test_same_threshold_on_later_versions(exchange: str) -> None:
    assert judge(RULE, {"ucma.version": "5.0.8132.0"}, version=exchange).status is Status.FAIL
    assert judge(RULE, {"ucma.version": "5.0.8308.0"}, version=exchange).status is Status.PASS


def test_not_applicable_role_is_data() -> None:
    # The rule never answers "not applicable" itself: Edge and Management Tools simply do not list it.
    from rule_kit import catalog

    c = catalog()
    assert "UcmaRedistMsi" not in c.rule_ids_for_role("2013", "EdgeTransport")
    assert "UcmaRedistMsi" not in c.rule_ids_for_role("2013", "ManagementTools")
    assert c.roles_of("2013", RULE) == ("Mailbox", "ClientAccess")
    assert c.roles_of("2016", RULE) == ("Mailbox",)
