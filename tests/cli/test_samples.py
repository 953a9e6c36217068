"""The samples are current: the saved demo facts, judged offline with today's rules, give the matrix
stored beside them (regenerate with samples/regenerate.py when the rules change)."""

from __future__ import annotations

import csv
from pathlib import Path

from typer.testing import CliRunner

from scanner.cli import build_app
from scanner.simulator.profiles import load_site

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
SITES = SAMPLES.parent / "scanner" / "samples" / "sites"
SEED_RULES = ("Win7RpcHttpAssocCookieGuidUpdateNotInstalled", "UcmaRedistMsi", "CafeRoleAlreadyExists",
              "InstallWatermark")


def rows(path: Path) -> dict[tuple[str, str], tuple[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return {(r["host"], r["role"]): (r["verdict"], r["blocking_rules"]) for r in csv.DictReader(f)}


def test_saved_facts_evaluate_offline_to_the_sample_matrix(tmp_path: Path) -> None:
    out = tmp_path / "m.csv"
    result = CliRunner().invoke(build_app(), ["evaluate", str(SAMPLES / "facts" / "demo-facts.json"),
                                              "--csv", str(out)])
    assert result.exit_code in (1, 2), result.output
    again = rows(out)
    stored = {k: v for k, v in rows(SAMPLES / "reports" / "matrix.csv").items() if k[0] in {h for h, _ in again}}
    assert again == stored
    blocking = " ".join(b for _, b in again.values())
    for rule in SEED_RULES:
        assert rule in blocking


def test_sample_reports_keep_every_host_with_its_reason() -> None:
    stored = rows(SAMPLES / "reports" / "matrix.csv")
    hosts = {h for h, _ in stored}
    # every host of the demo site has its rows, scanned or not
    assert hosts == {h.name for h in load_site(SITES / "demo.yaml").hosts}
    with (SAMPLES / "reports" / "matrix.csv").open(encoding="utf-8", newline="") as f:
        unknown = [r for r in csv.DictReader(f) if r["verdict"] == "UNKNOWN" and r["reason"].startswith("not scanned")]
    assert {r["reason"].split(":")[1].strip() for r in unknown} >= {"unreachable", "auth_failed", "timeout"}
