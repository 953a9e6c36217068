"""PowerShellExecutionPolicyCheckSet on the raw Group Policy values of both scopes, resolved the way
PowerShell resolves them (EnableScripts first), machine scope before user scope, and never a pass on a user
scope that was not read for the installing account."""

from __future__ import annotations

from typing import Any

import pytest
from rule_kit import ABSENT, Unreadable, judge

from scanner.facts.installer import InstallerFacts
from scanner.model.facts import Fact, FactStatus
from scanner.model.verdict import Status, UnknownReason

RULE = "PowerShellExecutionPolicyCheckSet"
INSTALLER = InstallerFacts(
    account="CONTOSO\\exsetup",
    facts={"installer.account": Fact("installer.account", FactStatus.PRESENT,
                                     {"account": "CONTOSO\\exsetup", "found": True, "prefix": "CONTOSO",
                                      "domain": "contoso.test"})},
)


def scopes(machine: Any = ABSENT, user: Any = None, account: str = "CONTOSO\\exsetup") -> dict[str, Any]:
    return {"policy.gpo_machine": machine, "policy.gpo_user": {"account": account, "policy": user}}


def gpo(enable: int | None, policy: str | None) -> dict[str, Any]:
    return {"enable_scripts": enable, "execution_policy": policy}


def test_no_policy_in_either_scope_passes() -> None:
    assert judge(RULE, scopes(), installer=INSTALLER).status is Status.PASS


def test_a_restricted_user_scope_fails() -> None:
    v = judge(RULE, scopes(user=gpo(0, None)), installer=INSTALLER)
    assert v.status is Status.FAIL and "user" in v.detail


def test_enable_scripts_0_is_restricted_whatever_execution_policy_says() -> None:
    v = judge(RULE, scopes(machine=gpo(0, "Unrestricted")), installer=INSTALLER)
    assert v.status is Status.FAIL
    assert v.evidence["machine"]["resolved"] == "Restricted"


def test_execution_policy_without_enable_scripts_is_not_a_policy() -> None:
    # PowerShell ignores ExecutionPolicy when EnableScripts is missing: the scope is Undefined
    v = judge(RULE, scopes(machine=gpo(None, "Restricted")), installer=INSTALLER)
    assert v.status is Status.PASS
    assert v.evidence["machine"]["resolved"] is None


def test_a_defined_policy_warns() -> None:
    assert judge(RULE, scopes(user=gpo(1, "AllSigned")), installer=INSTALLER).status is Status.WARN


def test_the_machine_scope_wins_over_an_unread_user_scope() -> None:
    facts = {"policy.gpo_machine": gpo(0, None), "policy.gpo_user": Unreadable()}
    assert judge(RULE, facts).status is Status.FAIL


def test_an_unreadable_user_scope_is_not_a_pass() -> None:
    v = judge(RULE, {"policy.gpo_machine": ABSENT, "policy.gpo_user": Unreadable()}, installer=INSTALLER)
    assert v.status is Status.UNKNOWN and v.reason is UnknownReason.FACT_UNREADABLE


def test_without_the_installer_account_the_user_scope_is_not_judged() -> None:
    v = judge(RULE, scopes(account="CONTOSO\\scanner"))
    assert v.status is Status.UNKNOWN and v.reason is UnknownReason.NEEDS_INPUT
    assert "CONTOSO\\scanner" in v.detail


def test_the_user_scope_of_another_account_is_not_the_installers() -> None:
    v = judge(RULE, scopes(account="CONTOSO\\scanner"), installer=INSTALLER)
    assert v.status is Status.UNKNOWN and v.reason is UnknownReason.FACT_MISSING
    assert "CONTOSO\\exsetup" in v.detail


@pytest.mark.parametrize("named", ["CONTOSO\\exsetup", "contoso\\EXSETUP", "exsetup@contoso.test"])
def test_the_installer_account_matches_however_it_is_written(named: str) -> None:
    installer = InstallerFacts(account=named, facts=INSTALLER.facts)
    assert judge(RULE, scopes(), installer=installer).status is Status.PASS


def test_a_saved_document_keeps_its_machine_policy() -> None:
    v = judge(RULE, {"policy.execution_policy": "Restricted"})
    assert v.status is Status.FAIL
    v = judge(RULE, {"policy.execution_policy": ABSENT})
    assert v.status is Status.UNKNOWN  # the user scope was never read
    assert v.reason is UnknownReason.NEEDS_INPUT  # nor is the installing account named
    v = judge(RULE, {"policy.execution_policy": ABSENT}, installer=INSTALLER)
    assert v.status is Status.UNKNOWN and v.reason is UnknownReason.FACT_MISSING
