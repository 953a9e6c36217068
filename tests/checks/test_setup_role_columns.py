"""Which rules block which matrix column, as Setup would: Exchange 2019 on Server Core, the IIS 6 console
rule that 2016/2019 Setup no longer runs, and InstallWatermark outside the ManagementTools column."""

from __future__ import annotations

from typing import Any

import pytest
from rule_kit import catalog, host_facts

from scanner.evaluate import EvaluationParams, evaluate_host
from scanner.matrix.build import build_cells
from scanner.model.host import Host
from scanner.model.matrix import Cell
from scanner.model.outcome import HostOutcome, OutcomeKind
from scanner.simulator.profiles import baseline_document

GUI_RULES = ("LonghornIIS6MgmtConsoleNotInstalled", "LonghornIIS7ManagementConsoleInstalled",
             "RsatClusteringMgmtInstalled")
# Microsoft's Server Core list for Exchange 2019 Mailbox servers (prerequisites, "Server Core"): every
# feature of the desktop list except Web-Lgcy-Mgmt-Console, Web-Mgmt-Console, RSAT-Clustering-Mgmt and
# Windows-Identity-Foundation.
CORE_FEATURES = {
    "RSAT-Clustering": True, "RSAT-Clustering-CmdInterface": True, "RSAT-Clustering-Mgmt": False,
    "RSAT-Clustering-PowerShell": True, "RPC-over-HTTP-proxy": True, "Web-Net-Ext45": True,
    "Web-Asp-Net45": True, "Web-ISAPI-Ext": True, "NET-WCF-HTTP-Activation45": True,
    "NET-Framework-45-Features": True, "Server-Gui-Mgmt-Infra": False, "WinRM-IIS-Ext": False,
    "Web-Mgmt-Console": False, "Web-Lgcy-Mgmt-Console": False,
}


def baseline() -> dict[str, Any]:
    doc = baseline_document()
    facts: dict[str, Any] = dict(doc["facts"])
    facts.update({"computer.name": "EX01", "computer.domain": "contoso.test", "os.caption": doc["os"]})
    return facts


def core_2019_host() -> dict[str, Any]:
    facts = baseline()
    components = {k: v for k, v in facts["iis.components"].items() if k not in ("LegacySnapin", "ManagementConsole")}
    facts.update({"os.current_build": "17763", "os.installation_type": "Server Core",
                  "os.caption": "Windows Server 2019 Datacenter", "iis.components": components,
                  "windows.features": CORE_FEATURES})
    return facts


def cells(facts: dict[str, Any], version: str) -> dict[str, Cell]:
    outcome = HostOutcome(Host("EX01"), OutcomeKind.OK, facts=host_facts(facts))
    verdicts = evaluate_host(outcome, catalog(), EvaluationParams(version))
    return {c.role: c for c in build_cells(outcome, verdicts, catalog(), version)}


@pytest.mark.parametrize("role", ["Mailbox", "ManagementTools"])
def test_exchange_2019_on_server_core_is_not_blocked_by_desktop_tools(role: str) -> None:
    cell = cells(core_2019_host(), "2019")[role]
    assert not set(GUI_RULES) & set(cell.blocking), cell.blocking


def test_the_desktop_tools_are_still_required_on_a_2019_desktop_server() -> None:
    facts = core_2019_host()
    facts["os.installation_type"] = "Server"
    blocking = cells(facts, "2019")["Mailbox"].blocking
    assert {"LonghornIIS7ManagementConsoleInstalled", "RsatClusteringMgmtInstalled"} <= set(blocking)


@pytest.mark.parametrize("version", ["2016", "2019"])
def test_iis6_management_console_is_not_a_2016_or_2019_rule(version: str) -> None:
    facts = baseline()
    facts["iis.components"] = {k: v for k, v in facts["iis.components"].items() if k != "LegacySnapin"}
    for cell in cells(facts, version).values():
        assert "LonghornIIS6MgmtConsoleNotInstalled" not in cell.blocking
    assert "LonghornIIS6MgmtConsoleNotInstalled" not in [r.id for r in catalog().rules_for(version)]


def test_iis6_management_console_still_blocks_exchange_2013() -> None:
    facts = baseline()
    facts["iis.components"] = {k: v for k, v in facts["iis.components"].items() if k != "LegacySnapin"}
    assert "LonghornIIS6MgmtConsoleNotInstalled" in cells(facts, "2013")["Mailbox"].blocking


@pytest.mark.parametrize("version", ["2013", "2016", "2019"])
def test_a_watermark_does_not_block_the_management_tools(version: str) -> None:
    facts = baseline()
    facts["exchange.v15.roles"] = [{"key": "MailboxRole", "action": "Install", "watermark": "X.Y",
                                    "unpacked_version": "15.2.1544.4", "configured_version": None}]
    by_role = cells(facts, version)
    assert "InstallWatermark" in by_role["Mailbox"].blocking
    assert "InstallWatermark" not in by_role["ManagementTools"].blocking
    assert "ManagementTools" not in catalog().roles_of(version, "InstallWatermark")
