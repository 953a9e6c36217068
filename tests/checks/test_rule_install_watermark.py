from __future__ import annotations

from typing import Any

from rule_kit import ABSENT, Unreadable, catalog, judge

from scanner.model.verdict import Status, UnknownReason

RULE = "InstallWatermark"


def role(
    key: str, action: Any = None, watermark: Any = None, unpacked: Any = None, configured: Any = None
) -> dict[str, Any]:
    return {
        "key": key,
        "action": action,
        "watermark": watermark,
        "unpacked_version": unpacked,
        "configured_version": configured,
    }


def test_no_v15_key_passes() -> None:
    v = judge(RULE, {"exchange.v15.roles": ABSENT})
    assert v.status is Status.PASS


def test_installed_roles_without_watermark_pass() -> None:
    v = judge(
        RULE,
        {
            "exchange.v15.roles": [
                role("MailboxRole", unpacked="15.0.1497.2", configured="15.0.1497.2"),
                role("Setup"),
            ]
        },
    )
    assert v.status is Status.PASS
    assert v.evidence["keys"] == ["MailboxRole", "Setup"]


def test_watermark_fails_and_names_key_and_action() -> None:
    v = judge(
        RULE,
        {
            "exchange.v15.roles": [
                role("MailboxRole", unpacked="15.0.1497.2", configured="15.0.1497.2"),
                role("ClientAccessRole", action="Install", watermark="ClientAccessComponent___abc"),
            ]
        },
    )
    assert v.status is Status.FAIL
    assert "v15\\ClientAccessRole" in v.detail
    assert "Action=Install" in v.detail
    assert v.evidence["watermarks"] == [
        {"key": "ClientAccessRole", "action": "Install", "watermark": "ClientAccessComponent___abc"}
    ]


def test_watermark_counts_whatever_the_action() -> None:
    # Setup fails on any watermark, not only Action=Install (unlike SetupAssist).
    v = judge(RULE, {"exchange.v15.roles": [role("CafeRole", action="BuildToBuildUpgrade", watermark="x")]})
    assert v.status is Status.FAIL
    assert "Action=BuildToBuildUpgrade" in v.detail


def test_empty_watermark_value_still_counts() -> None:
    v = judge(RULE, {"exchange.v15.roles": [role("AdminTools", watermark="")]})
    assert v.status is Status.FAIL
    assert "Action=none" in v.detail


def test_two_watermarks_both_named() -> None:
    v = judge(
        RULE,
        {
            "exchange.v15.roles": [
                role("MailboxRole", "Install", "a"),
                role("HubTransportRole", "Uninstall", "b"),
            ]
        },
    )
    assert v.status is Status.FAIL
    assert "MailboxRole" in v.detail and "HubTransportRole" in v.detail


def test_unreadable_is_unknown() -> None:
    v = judge(RULE, {"exchange.v15.roles": Unreadable()})
    assert v.status is Status.UNKNOWN
    assert v.reason is UnknownReason.FACT_UNREADABLE


def test_missing_is_unknown() -> None:
    assert judge(RULE, {}).reason is UnknownReason.FACT_MISSING


def test_blocks_every_server_role_of_every_version_but_not_the_management_tools() -> None:
    # the 2013 CU23 engine declares it for every server role and Global, not for AdminTools
    c = catalog()
    for version in c.versions():
        assert c.roles_of(version, RULE) == tuple(r for r in c.roles(version) if r != "ManagementTools")
