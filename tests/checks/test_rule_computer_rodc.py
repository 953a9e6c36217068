"""Read-only domain controllers: discovery tells them from writable DCs, and ComputerRODC fails on one even
when no nTDSDSARO object was read for it."""

from __future__ import annotations

from typing import Any

import pytest
from rule_kit import judge

from scanner.directory.discovery import decode_computer
from scanner.model.verdict import Status


def account(uac: int, primary_group: int) -> Any:
    attrs = {"sAMAccountName": [b"BRDC01$"], "userAccountControl": [str(uac).encode()],
             "primaryGroupID": [str(primary_group).encode()]}
    return decode_computer("CN=BRDC01,OU=Domain Controllers,DC=contoso,DC=test", attrs)


@pytest.mark.parametrize(("uac", "group", "rodc"), [
    (0x04001000, 521, True),   # WORKSTATION_TRUST_ACCOUNT | PARTIAL_SECRETS_ACCOUNT, Read-only DCs
    (0x00001000, 521, True),   # the primary group alone
    (0x04001000, 515, True),   # the flag alone
    (0x00002000, 516, False),  # SERVER_TRUST_ACCOUNT, Domain Controllers: a writable DC
])
def test_discovery_tells_read_only_from_writable_dcs(uac: int, group: int, rodc: bool) -> None:
    record = account(uac, group)
    assert record.is_dc
    assert record.is_rodc is rodc


def test_a_member_server_is_neither() -> None:
    record = account(0x1000, 515)
    assert not record.is_dc and not record.is_rodc


def computers(is_rodc: bool) -> list[dict[str, Any]]:
    return [{"name": "BRDC01", "dn": "CN=BRDC01,OU=Domain Controllers,DC=contoso,DC=test", "site": "Branch",
             "is_dc": True, "is_rodc": is_rodc}]


def test_computer_rodc_fails_on_the_computer_account_alone() -> None:
    v = judge("ComputerRODC", {"computer.name": "BRDC01", "computer.domain_role": 4},
              {"ad.rodcs": [], "ad.computers": computers(True)}, host="BRDC01")
    assert v.status is Status.FAIL and "read-only" in v.detail


def test_a_writable_dc_passes() -> None:
    v = judge("ComputerRODC", {"computer.name": "BRDC01", "computer.domain_role": 4},
              {"ad.rodcs": [], "ad.computers": computers(False)}, host="BRDC01")
    assert v.status is Status.PASS


def test_the_inventory_lists_a_read_only_dc_as_such() -> None:
    from scanner.cli.inventory import host_rows
    from scanner.i18n import Lang
    from scanner.model.host import Host
    from scanner.report.json_report import host_from_dict, host_to_dict

    rodc = Host("BRDC01", is_dc=True, is_rodc=True)
    rows = host_rows((rodc, Host("DC01", is_dc=True)), Lang.EN)
    assert rows[0][5] == "read-only" and rows[1][5] == "yes"
    assert host_rows((rodc,), Lang.FR)[0][5] == "lecture seule"
    assert host_from_dict(host_to_dict(rodc)).is_rodc
