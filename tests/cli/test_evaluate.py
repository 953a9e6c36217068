"""``exready evaluate``: judge saved facts offline; the new report records what it was judged for."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from scanner.cli import build_app
from scanner.report.json_report import read_json_report, result_to_v1_json

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
SITES = SAMPLES.parent / "scanner" / "samples" / "sites"
DEMO_FACTS = SAMPLES / "facts" / "demo-facts.json"


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(build_app(), list(args), env={"EXREADY_LANG": "en"})
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.exit_code, result.output


def test_report_records_the_target_it_was_judged_for(tmp_path: Path) -> None:
    first, second, third = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "c.json"
    code, out = invoke("evaluate", str(DEMO_FACTS), "--json", str(first))
    assert code in (1, 2), out
    assert json.loads(first.read_text(encoding="utf-8"))["run"]["exchange_version"] == "2013"
    code, out = invoke("evaluate", str(first), "-x", "2016", "--cu", "20", "--json", str(second))
    assert code in (1, 2), out
    run = json.loads(second.read_text(encoding="utf-8"))["run"]
    assert (run["exchange_version"], run["cu"]) == ("2016", 20)
    # judged again with no option: the same target as the report says, so the same verdicts
    code, out = invoke("evaluate", str(second), "--json", str(third))
    assert code in (1, 2), out
    again = json.loads(third.read_text(encoding="utf-8"))
    assert (again["run"]["exchange_version"], again["run"]["cu"]) == ("2016", 20)
    assert _plain(third)["verdicts"] == _plain(second)["verdicts"]


def org_only(tmp_path: Path, *, installer: bool = False) -> Path:
    """A facts document with no server, as 'inventory --org-facts' writes: the demo directory's
    organisation (an Exchange 2003 server still in it), optionally with its installer account."""
    doc = json.loads((SITES / "demo-directory.json").read_text(encoding="utf-8"))
    doc["hosts"] = []
    if not installer:
        doc["installer"] = None
    path = tmp_path / "org.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_organisation_facts_alone_are_judged_and_block(tmp_path: Path) -> None:
    code, out = invoke("evaluate", str(org_only(tmp_path)))
    assert code == 1, out  # blocked: Exchange 2000/2003 still in the organisation
    assert "Organisation (no server in the document" in out and "BLOCKED" in out
    line = next(x for x in out.splitlines() if x.startswith("Exchange2000or2003PresentInOrg"))
    assert "fail" in line and "PAR-EXCH2003" in line
    code, out = invoke("evaluate", str(org_only(tmp_path)), "--lang", "fr")
    assert code == 1 and "aucun serveur dans le document" in out and "BLOQUÉ" in out


def _plain(report: Path) -> dict[str, Any]:
    """The report with every verdict and cell in full (format 1's layout)."""
    return result_to_v1_json(read_json_report(report))


def _verdicts(report: Path, host: str) -> dict[str, dict[str, object]]:
    return {v["rule_id"]: v for v in _plain(report)["verdicts"][host]}


INSTALLER_RULES = ("LoggedOntoDomain", "GlobalServerInstall", "SchemaUpdateRequired")


def test_installer_facts_in_the_document_are_judged(tmp_path: Path) -> None:
    code, out = invoke("evaluate", str(org_only(tmp_path, installer=True)))
    assert code == 1, out
    for rule in INSTALLER_RULES:
        line = next(x for x in out.splitlines() if x.startswith(rule))
        assert "no installer account was named" not in line and "fail" in line, line


def test_organisation_and_installer_facts_from_their_own_files(tmp_path: Path) -> None:
    directory = json.loads((SITES / "demo-directory.json").read_text(encoding="utf-8"))
    org_file, installer_file = tmp_path / "org.json", tmp_path / "installer.json"
    org_file.write_text(json.dumps({**directory, "hosts": [], "installer": None}), encoding="utf-8")
    installer_file.write_text(json.dumps({**directory, "hosts": [], "org": {"facts": {}}}), encoding="utf-8")
    plain, joined = tmp_path / "plain.json", tmp_path / "joined.json"
    invoke("evaluate", str(DEMO_FACTS), "--json", str(plain))
    code, out = invoke("evaluate", str(DEMO_FACTS), "--directory", str(org_file),
                       "--directory", str(installer_file), "--json", str(joined))
    assert code in (1, 2), out
    before, after = _verdicts(plain, "PAR-SRV01"), _verdicts(joined, "PAR-SRV01")
    for rule in INSTALLER_RULES:
        assert before[rule]["status"] == "unknown"
        assert after[rule]["status"] == "fail", after[rule]
    assert before["Exchange2000or2003PresentInOrg"]["status"] == "unknown"
    assert after["Exchange2000or2003PresentInOrg"]["status"] == "fail"


def test_directory_file_without_directory_facts_is_one_line(tmp_path: Path) -> None:
    code, out = invoke("evaluate", str(DEMO_FACTS), "--directory", str(DEMO_FACTS))
    assert code == 3
    assert out.strip() == (f"exready: error: {DEMO_FACTS}: neither organisation nor installer-account facts "
                           "in this document")
