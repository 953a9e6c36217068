"""End to end through the CLI: the unmodified pypsrp client scans simulated hosts over real WinRM
(NTLM with message encryption over HTTP, Basic over HTTPS verified against the simulator's CA)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from scanner.cli import build_app
from scanner.report.json_report import read_json_report, result_to_v1_json
from scanner.report.matrix_csv import MATRIX_COLUMNS
from scanner.simulator import SimulatorThread, build_site
from scanner.simulator.profiles import baseline_document, seed_variants_document

pytestmark = pytest.mark.simulator

PASSWORD = "Scan-Test-Pass-9!"  # noqa: S105 - the simulated lab's account

HOSTS: list[dict[str, Any]] = [
    {"name": "OK1"},
    {"name": "OK2", "schemes": ["https"], "auth": ["basic"]},
    {"name": "KB1", "variant": "kb2619234-missing"},
    {"name": "UCMA1", "variant": "ucma-missing"},
    {"name": "UCMA2", "variant": "ucma-old"},
    {"name": "CAFE1", "variant": "caferole"},
    {"name": "WM1", "variant": "watermark"},
    {"name": "PART1", "fault": {"kind": "partial_facts", "missing": ["hotfix.ids"],
                                "unreadable": {"ucma.version": "Access is denied."}}},
    {"name": "DOWN1", "fault": "refuse"},
    {"name": "PWD1", "fault": "always_401"},
    {"name": "HANG1", "fault": "hang"},
    {"name": "ERR1", "fault": {"kind": "script_error", "message": "Requested registry access is not allowed."}},
]


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatorThread]:
    doc = {
        "name": "cli-tests", "seed": 3, "domain": {"dns": "contoso.test", "netbios": "CONTOSO"},
        # a local account of every host: the one kind Windows takes over Basic (OK2), and NTLM too
        "credentials": {"username": "svc-scan", "password": PASSWORD, "local": True},
        "defaults": {"schemes": ["http"], "auth": ["negotiate", "basic"]},
        "baseline": baseline_document(), "variants": seed_variants_document(),
        "ad_sites": [{"name": "Paris", "pattern": "X{n:02d}", "addresses": "127.43.1.0/24", "count": 0}],
        "hosts": [{**h, "ad_site": "Paris", "address": f"127.43.2.{i}"} for i, h in enumerate(HOSTS, start=1)],
    }
    with SimulatorThread(build_site(doc), tmp_path_factory.mktemp("sim")) as running:
        yield running


@pytest.fixture(scope="module")
def scanned(sim: SimulatorThread, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("out")
    inventory = sim.write_inventory(out / "inventory.csv")
    result = CliRunner().invoke(build_app(), [
        "scan", "--inventory", str(inventory), "--user", "svc-scan", "--ca-file", str(sim.ca_file),
        "--deadline", "6", "--connect-timeout", "2", "--read-timeout", "4", "--operation-timeout", "2",
        "--csv", str(out / "m.csv"), "--csv-dialect", "excel-fr", "--json", str(out / "r.json"),
    ], env={"EXREADY_PASSWORD": PASSWORD})
    rows = list(csv.DictReader((out / "m.csv").open(encoding="utf-8-sig", newline=""), delimiter=";"))
    cells = {(r["host"], r["role"]): r for r in rows}
    return {"result": result, "rows": rows, "cells": cells, "out": out,
            "report": json.loads((out / "r.json").read_text(encoding="utf-8")),
            "plain": result_to_v1_json(read_json_report(out / "r.json"))}


def test_exit_code_is_unknown_because_some_hosts_were_not_scanned(scanned: dict[str, Any]) -> None:
    assert scanned["result"].exit_code == 2, scanned["result"].output


def test_csv_has_the_documented_columns_and_every_host_x_role(scanned: dict[str, Any]) -> None:
    rows = scanned["rows"]
    assert tuple(rows[0].keys()) == MATRIX_COLUMNS
    assert {r["host"] for r in rows} == {h["name"] for h in HOSTS}
    assert len(rows) == len(HOSTS) * 4
    assert {r["role"] for r in rows} == {"Mailbox", "ClientAccess", "EdgeTransport", "ManagementTools"}


@pytest.mark.parametrize(("host", "role", "verdict", "blocking"), [
    ("OK1", "Mailbox", "READY", ""),
    ("OK1", "ClientAccess", "READY", ""),
    ("OK2", "ClientAccess", "READY", ""),
    ("KB1", "Mailbox", "BLOCKED", "Win7RpcHttpAssocCookieGuidUpdateNotInstalled"),
    ("KB1", "EdgeTransport", "READY", ""),
    ("UCMA1", "ClientAccess", "BLOCKED", "UcmaRedistMsi"),
    ("UCMA2", "Mailbox", "BLOCKED", "UcmaRedistMsi"),
    ("UCMA2", "ManagementTools", "READY", ""),
    ("CAFE1", "ClientAccess", "BLOCKED", "CafeRoleAlreadyExists"),
    ("CAFE1", "Mailbox", "READY", ""),
    ("WM1", "EdgeTransport", "BLOCKED", "InstallWatermark"),
    ("WM1", "ManagementTools", "READY", ""),  # Setup does not run InstallWatermark for AdminTools
    ("PART1", "Mailbox", "UNKNOWN", ""),
    ("PART1", "EdgeTransport", "READY", ""),
])
def test_matrix_cells(scanned: dict[str, Any], host: str, role: str, verdict: str, blocking: str) -> None:
    cell = scanned["cells"][(host, role)]
    assert (cell["verdict"], cell["blocking_rules"]) == (verdict, blocking)


def test_rules_needing_active_directory_are_listed_as_not_judged(scanned: dict[str, Any]) -> None:
    cell = scanned["cells"][("OK1", "Mailbox")]
    assert "not judged without Active Directory (scan with --ad)" in cell["reason"]
    saved = next(c for c in scanned["plain"]["cells"] if (c["host"], c["role"]) == ("OK1", "Mailbox"))
    assert saved["status"] == "READY" and "RusMissing" in saved["unknown"]


@pytest.mark.parametrize(("host", "kind", "text"), [
    ("DOWN1", "unreachable", "connection refused"),
    ("PWD1", "auth_failed", "authentication failed"),
    ("HANG1", "timeout", ""),
    ("ERR1", "probe_error", "Requested registry access is not allowed"),
])
def test_hosts_not_scanned_keep_their_rows_with_the_reason(scanned: dict[str, Any], host: str, kind: str,
                                                           text: str) -> None:
    for role in ("Mailbox", "ClientAccess", "EdgeTransport", "ManagementTools"):
        cell = scanned["cells"][(host, role)]
        assert cell["verdict"] == "UNKNOWN"
        assert text in cell["reason"]
    outcome = next(h["outcome"] for h in scanned["report"]["hosts"] if h["name"] == host)
    assert outcome["kind"] == kind


def test_negotiated_mechanism_is_recorded(scanned: dict[str, Any]) -> None:
    mech = {h["name"]: h["outcome"]["auth_mechanism"] for h in scanned["report"]["hosts"]}
    assert mech["OK1"] == "ntlm"
    assert mech["OK2"] == "basic"


def test_password_appears_in_no_output(scanned: dict[str, Any]) -> None:
    assert PASSWORD not in scanned["result"].output
    for path in scanned["out"].iterdir():
        assert PASSWORD not in path.read_text(encoding="utf-8-sig")


def test_saved_report_evaluates_offline_to_the_same_matrix(scanned: dict[str, Any]) -> None:
    out: Path = scanned["out"]
    again = CliRunner().invoke(build_app(), ["evaluate", str(out / "r.json"), "--csv", str(out / "again.csv"),
                                             "--csv-dialect", "excel-fr"])
    assert again.exit_code == 2, again.output
    first = (out / "m.csv").read_text(encoding="utf-8-sig")
    assert (out / "again.csv").read_text(encoding="utf-8-sig") == first


def test_show_drills_into_one_host(scanned: dict[str, Any]) -> None:
    shown = CliRunner().invoke(build_app(), ["show", "ucma2", "--from", str(scanned["out"] / "r.json")])
    assert shown.exit_code == 0
    assert "UcmaRedistMsi" in shown.output and "5.0.8132.0" in shown.output
