from __future__ import annotations

import csv
import json
from pathlib import Path

from scan_samples import RULES, make_result

from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.report.events import EventLog
from scanner.report.findings_csv import FINDINGS_COLUMNS, write_findings_csv


def catalog() -> dict[str, RuleMeta]:
    return {
        rule: RuleMeta(
            id=rule,
            severity=Severity.ERROR if error else Severity.WARNING,
            scope=Scope.HOST,
            versions=("2019",),
            title=Text(f"{rule} title", f"{rule} titre"),
            remediation=Text(f"fix {rule}", f"corriger {rule} : redémarrer"),
            help_url=f"https://learn.microsoft.com/{rule}",
            facts=(),
        )
        for rule, (_, error) in RULES.items()
    }


def test_findings_csv_in_excel_fr(tmp_path: Path) -> None:
    result = make_result(
        "run-7",
        ["EX01", "EX02", "EX03"],
        {"EX01": ["UcmaRedistMsi", "PendingRebootWindowsComponents"]},
        unreachable=["EX03"],
    )
    path = tmp_path / "findings.csv"
    count = write_findings_csv(result, path, catalog(), "excel-fr", lang="fr")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f, dialect="excel", delimiter=";"))
    header, body = rows[0], rows[1:]
    assert tuple(header) == FINDINGS_COLUMNS
    assert count == len(body) == 3  # EX01's two findings, and one row for EX03, which was not scanned
    got = [dict(zip(header, r, strict=True)) for r in body]
    ucma = got[0]
    assert (ucma["run_id"], ucma["host"], ucma["fqdn"], ucma["site"]) == (
        "run-7",
        "EX01",
        "ex01.corp.example",
        "Paris",
    )
    assert (ucma["rule_id"], ucma["severity"], ucma["status"]) == ("UcmaRedistMsi", "error", "fail")
    assert ucma["roles"] == "Mailbox ClientAccess"
    assert ucma["remediation"] == "corriger UcmaRedistMsi : redémarrer"
    assert ucma["title"] == "UcmaRedistMsi titre"
    # evidence is compact JSON; the formula-looking value inside is harmless because the cell starts with {
    assert json.loads(ucma["evidence"]) == {"key": "HKLM\\X", "value": "=cmd|' /C calc'!A0"}
    assert got[1]["status"] == "warn" and got[1]["severity"] == "warning"
    ex03 = got[2]
    assert (ex03["host"], ex03["rule_id"], ex03["status"], ex03["reason"]) == ("EX03", "", "unknown", "unreachable")
    assert ex03["roles"] == " ".join(result.roles)
    assert "EX02" not in {r["host"] for r in got}  # nothing to report on a ready host


def test_findings_without_metadata_keep_their_rows(tmp_path: Path) -> None:
    result = make_result("r", ["EX01"], {"EX01": ["InstallWatermark"]})
    path = tmp_path / "f.csv"
    write_findings_csv(result, path, {}, "excel")
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["rule_id"], r["severity"], r["remediation"]) for r in rows] == [("InstallWatermark", "", "")]
    assert rows[0]["roles"] == "Mailbox ClientAccess EdgeTransport ManagementTools"


def test_event_log_has_one_line_per_host_and_no_facts(tmp_path: Path) -> None:
    result = make_result("run-9", ["EX01", "EX02"], unreachable=["EX02"])
    path = tmp_path / "events.jsonl"
    log = EventLog(path)
    log.run_started(result.info, [o.host for o in result.outcomes])
    for outcome in result.outcomes:
        log.host_done(outcome)
    log.run_done(result)
    lines = path.read_text(encoding="utf-8").splitlines()
    events = [json.loads(line) for line in lines]
    assert [e["event"] for e in events] == ["run_started", "host_done", "host_done", "run_done"]
    assert {e["run_id"] for e in events} == {"run-9"}
    assert events[0]["hosts"] == 2
    assert (events[2]["host"], events[2]["outcome"]) == ("EX02", "unreachable")
    assert events[2]["reason"] == "connection refused on 127.0.0.1:5985"
    assert events[1]["auth_mechanism"] == "ntlm"
    assert events[3]["outcomes"] == {"ok": 1, "unreachable": 1}
    assert events[3]["cells"] == {"READY": 4, "UNKNOWN": 4}
    assert "5.0.8308.0" not in path.read_text(encoding="utf-8")  # facts stay out of the log
    # the next night appends
    log2 = EventLog(path)
    log2.run_started(result.info, [])
    log2.close()
    assert len(path.read_text(encoding="utf-8").splitlines()) == 5
