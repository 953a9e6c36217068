"""The estate (the latest complete run of every zone as one matrix), on both backends: the command, its
reports, its diff, the zones it marks, and the read-only SQL views for change management."""

from __future__ import annotations

import csv
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from scan_samples import db_arg, make_result
from typer.testing import CliRunner

from scanner.cli import build_app
from scanner.history.backend import PgSettings
from scanner.history.estate import ZoneHealth, build_estate
from scanner.history.store import HistoryStore

NOW = datetime(2026, 11, 21, 6, 0, tzinfo=UTC)


def stamp(hours_ago: float) -> str:
    return (NOW - timedelta(hours=hours_ago)).isoformat(timespec="seconds")


def fill(location: Path | PgSettings) -> None:
    """paris: two nights (EX03 newly blocked last night); lyon: one night; nice: its last sweep was
    killed, so the estate uses the one before; brest: only a run three days old (stale)."""
    with HistoryStore(location) as store:
        store.save_result(make_result("paris-1", ["PA01", "PA02", "PA03"], started=stamp(30)), zone="paris")
        store.save_result(
            make_result("paris-2", ["PA01", "PA02", "PA03"], {"PA03": ["InstallWatermark"]}, started=stamp(6)),
            zone="paris",
        )
        store.save_result(
            make_result("lyon-1", ["LY01", "LY02"], {"LY01": ["UcmaRedistMsi"]}, started=stamp(5)), zone="lyon"
        )
        store.save_result(make_result("nice-1", ["NI01"], started=stamp(20)), zone="nice")
        killed = make_result("nice-2", ["NI01"], started=stamp(4))
        store.begin_run(killed.info, [o.host for o in killed.outcomes], zone="nice")  # then the scanner died
        store.save_result(make_result("brest-1", ["BR01"], started=stamp(72)), zone="brest")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(build_app(), list(args))
    return result.exit_code, result.output


def test_the_estate_takes_each_zones_latest_complete_run(location: Path | PgSettings) -> None:
    fill(location)
    with HistoryStore(location, create=False) as store:
        estate = build_estate(store, NOW, timedelta(hours=36))
    health = {z.zone: (z.health, z.run_id) for z in estate.zones}
    assert health == {
        "brest": (ZoneHealth.STALE, "brest-1"),
        "lyon": (ZoneHealth.CURRENT, "lyon-1"),
        "nice": (ZoneHealth.FAILED, "nice-1"),
        "paris": (ZoneHealth.CURRENT, "paris-2"),
    }
    result = estate.result
    names = [o.host.name for o in result.outcomes]
    assert sorted(names) == ["BR01", "LY01", "LY02", "NI01", "PA01", "PA02", "PA03"]
    assert len(names) == len(set(names))
    zones = {o.host.name: [t for t in o.host.tags if t.startswith("zone:")] for o in result.outcomes}
    assert zones["PA03"] == ["zone:paris"] and zones["NI01"] == ["zone:nice"]
    assert {o.host.name: o.host.site for o in result.outcomes}["LY01"] == "lyon/Paris"
    blocked = {(c.host, c.role) for c in result.cells if c.status.value == "BLOCKED"}
    assert ("PA03", "Mailbox") in blocked and ("LY01", "Mailbox") in blocked
    assert set(result.verdicts) == set(names)
    assert "nice=nice-1 (failed)" in result.info.inventory_source


def test_estate_command_writes_the_sweep_reports_and_marks_zones(
    location: Path | PgSettings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXREADY_LANG", "en")
    fill(location)
    out = {k: tmp_path / f"estate.{k}" for k in ("csv", "findings", "html", "json")}
    code, text = run("estate", "--db", db_arg(location), "--csv", str(out["csv"]), "--findings-csv",
                     str(out["findings"]), "--html", str(out["html"]), "--json", str(out["json"]),
                     "--max-age", "1000000")
    assert code == 2, text  # nice's latest sweep failed
    assert "zone nice: failed (latest run nice-2 is abandoned); using run nice-1" in text
    with open(out["csv"], encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert sorted({r["host"] for r in rows}) == ["BR01", "LY01", "LY02", "NI01", "PA01", "PA02", "PA03"]
    assert {r["host"]: r["site"] for r in rows}["BR01"] == "brest/Paris"
    data = json.loads(out["json"].read_text(encoding="utf-8"))
    zone_of = {h["name"]: [t for t in h["tags"] if t.startswith("zone:")] for h in data["hosts"]}
    assert len(data["hosts"]) == 7 and zone_of["LY02"] == ["zone:lyon"] and zone_of["PA01"] == ["zone:paris"]
    with open(out["findings"], encoding="utf-8-sig", newline="") as f:
        findings = list(csv.DictReader(f))
    assert {(r["host"], r["rule_id"]) for r in findings} >= {("PA03", "InstallWatermark"), ("LY01", "UcmaRedistMsi")}
    page = out["html"].read_text(encoding="utf-8")
    assert "PA03" in page and "Compared with run" in page  # paris moved on since the estate before
    # the default threshold (36 h) marks brest, three days old, as stale
    code, text = run("estate", "--db", db_arg(location), "--quiet")
    assert code == 2 and "zone brest: stale" in text


def test_diff_on_the_estate_and_on_a_zone(location: Path | PgSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXREADY_LANG", "en")
    fill(location)
    code, text = run("diff", "--db", db_arg(location), "--estate", "--json", "-")
    assert code == 0, text
    data = json.loads(text)
    assert {(r["host"], r["rule_id"], r["kind"]) for r in data["rule_changes"]} == {
        ("PA03", "InstallWatermark", "appeared")
    }
    assert data["added_hosts"] == [] and data["removed_hosts"] == []
    code, text = run("diff", "--db", db_arg(location), "--zone", "paris", "--json", "-")
    assert code == 0, text
    assert (json.loads(text)["old_run"], json.loads(text)["new_run"]) == ("paris-1", "paris-2")
    code, text = run("diff", "--db", db_arg(location))
    assert code == 3 and "holds 4 zones (brest, lyon, nice, paris)" in text and "--estate" in text
    code, text = run("history", "list", "--db", db_arg(location), "--zone", "nice")
    assert code == 0 and "nice-2" in text and "paris" not in text


def test_the_sql_views_give_the_latest_verdicts_per_zone(location: Path | PgSettings) -> None:
    fill(location)
    query_v = ("SELECT zone, run_id, host, rule_id, status FROM estate_verdicts"
               " WHERE status <> 'pass' ORDER BY zone, host, rule_id")
    query_c = "SELECT zone, host, role, status FROM estate_cells WHERE status = 'BLOCKED' ORDER BY zone, host, role"
    if isinstance(location, PgSettings):
        import pg_cluster
        import psycopg

        with psycopg.connect(location.url, password=pg_cluster.PASSWORD) as conn:
            verdicts, cells = conn.execute(query_v).fetchall(), conn.execute(query_c).fetchall()
            runs = conn.execute("SELECT zone, run_id FROM estate_runs ORDER BY zone").fetchall()
    else:
        conn = sqlite3.connect(f"file:{location}?mode=ro", uri=True)  # read-only, as change management would
        verdicts, cells = conn.execute(query_v).fetchall(), conn.execute(query_c).fetchall()
        runs = conn.execute("SELECT zone, run_id FROM estate_runs ORDER BY zone").fetchall()
        conn.close()
    assert [tuple(r) for r in runs] == [("brest", "brest-1"), ("lyon", "lyon-1"), ("nice", "nice-1"),
                                        ("paris", "paris-2")]
    assert [tuple(r) for r in verdicts] == [
        ("lyon", "lyon-1", "LY01", "UcmaRedistMsi", "fail"),
        ("paris", "paris-2", "PA03", "InstallWatermark", "fail"),
    ]
    assert ("paris", "PA03", "EdgeTransport", "BLOCKED") in [tuple(r) for r in cells]
    assert not any(r[1] == "PA01" for r in cells)


def test_estate_of_an_empty_history_is_one_line(location: Path | PgSettings) -> None:
    HistoryStore(location).close()
    code, text = run("estate", "--db", db_arg(location))
    assert code == 3 and "no zone has a complete run" in text and len(text.strip().splitlines()) == 1
