from __future__ import annotations

from typing import Any

import pytest
from rule_kit import ABSENT, Unreadable, judge

from scanner.model.verdict import Status, UnknownReason

RULE = "Win7RpcHttpAssocCookieGuidUpdateNotInstalled"


def facts(build: Any, rpchttp: Any, rpcrt4: Any, hotfixes: Any = ABSENT) -> dict[str, Any]:
    def f(v: Any) -> Any:
        return {"path": r"C:\Windows\System32\x.dll", "version": v} if isinstance(v, str) else v

    return {
        "os.current_build": build,
        "file.rpchttp_dll": f(rpchttp),
        "file.rpcrt4_dll": f(rpcrt4),
        "hotfix.ids": hotfixes,
    }


def test_passes_exactly_at_7601_threshold() -> None:
    v = judge(RULE, facts("7601", "6.1.7601.21855", "6.1.7601.21855"))
    assert v.status is Status.PASS
    assert v.evidence["threshold"] == "6.1.7601.21855"


def test_passes_above_threshold() -> None:
    assert judge(RULE, facts("7601", "6.1.7601.23403", "6.1.7601.24000")).status is Status.PASS


def test_fails_one_below_7601_threshold() -> None:
    v = judge(RULE, facts("7601", "6.1.7601.21854", "6.1.7601.21855"))
    assert v.status is Status.FAIL
    assert "rpchttp.dll 6.1.7601.21854 < 6.1.7601.21855" in v.detail
    assert "rpcrt4.dll" not in v.detail


def test_fails_when_only_rpcrt4_is_old() -> None:
    v = judge(RULE, facts("7601", "6.1.7601.21855", "6.1.7601.17514"))
    assert v.status is Status.FAIL
    assert "rpcrt4.dll 6.1.7601.17514" in v.detail


def test_gdr_branch_file_with_lower_fourth_part_fails_even_with_kb_listed() -> None:
    # GDR build 6.1.7601.17xxx: Setup compares against the LDR number, the hotfix list is evidence only.
    v = judge(RULE, facts("7601", "6.1.7601.17965", "6.1.7601.17965", ["KB2619234", "KB976932"]))
    assert v.status is Status.FAIL
    assert v.evidence["kb2619234_listed"] is True


def test_kb_listed_is_evidence_on_pass_too() -> None:
    v = judge(RULE, facts("7601", "6.1.7601.21855", "6.1.7601.21855", ["KB976932"]))
    assert v.status is Status.PASS
    assert v.evidence["kb2619234_listed"] is False


def test_7600_uses_its_own_threshold() -> None:
    assert judge(RULE, facts("7600", "6.1.7600.21085", "6.1.7600.21085")).status is Status.PASS
    v = judge(RULE, facts("7600", "6.1.7600.21084", "6.1.7600.21085"))
    assert v.status is Status.FAIL
    assert v.evidence["threshold"] == "6.1.7600.21085"


def test_7600_file_versions_against_7601_threshold_fail() -> None:
    # A 7600-branch file on an SP1 (7601) system is below 6.1.7601.21855.
    assert judge(RULE, facts("7601", "6.1.7600.21085", "6.1.7600.21085")).status is Status.FAIL


@pytest.mark.parametrize("build", ["9200", "9600", "14393", "17763", "20348"])
def test_not_applicable_after_2008_r2(build: str) -> None:
    v = judge(RULE, facts(build, "10.0.14393.1770", "10.0.14393.1770"))
    assert v.status is Status.NOT_APPLICABLE
    assert build in v.detail


def test_not_applicable_does_not_need_file_facts() -> None:
    v = judge(RULE, {"os.current_build": "9600"})
    assert v.status is Status.NOT_APPLICABLE


def test_no_rpchttp_dll_passes() -> None:
    v = judge(RULE, facts("7601", ABSENT, "6.1.7601.17514"))
    assert v.status is Status.PASS
    assert v.evidence["rpchttp_dll"] == "absent"


def test_rpchttp_without_version_resource_passes() -> None:
    no_version = "0.0.0.0"  # noqa: S104 - a file version, not an address
    assert judge(RULE, facts("7601", no_version, "6.1.7601.17514")).status is Status.PASS


def test_unreadable_build_is_unknown() -> None:
    v = judge(RULE, facts(Unreadable("WMI error"), "6.1.7601.21855", "6.1.7601.21855"))
    assert v.status is Status.UNKNOWN
    assert v.reason is UnknownReason.FACT_UNREADABLE


def test_unreadable_file_is_unknown_not_fail() -> None:
    v = judge(RULE, facts("7601", Unreadable("Access to the path is denied."), "6.1.7601.21855"))
    assert v.status is Status.UNKNOWN
    assert v.reason is UnknownReason.FACT_UNREADABLE
    assert v.evidence["fact"] == "file.rpchttp_dll"


def test_absent_rpcrt4_is_unknown() -> None:
    v = judge(RULE, facts("7601", "6.1.7601.21855", ABSENT))
    assert v.status is Status.UNKNOWN
    assert v.reason is UnknownReason.FACT_MISSING


def test_missing_build_is_unknown() -> None:
    v = judge(RULE, {})
    assert v.status is Status.UNKNOWN
    assert v.reason is UnknownReason.FACT_MISSING
