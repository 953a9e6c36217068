"""Regenerate samples/reports/ and samples/facts/ from a fresh demo scan:

    .venv/bin/python samples/regenerate.py

It runs ``exready demo`` into a temporary folder, copies its matrix, findings and HTML report here,
and saves the scanned hosts' facts (without verdicts) as samples/facts/demo-facts.json, which
``exready evaluate samples/facts/demo-facts.json`` judges offline.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from scanner.facts.serial import facts_to_json
from scanner.report.json_report import read_json_report

HERE = Path(__file__).resolve().parent


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        subprocess.run([sys.executable, "-m", "scanner", "demo", "--no-progress", "--no-directory", "--out", str(out)],
                       check=True, stdout=subprocess.DEVNULL)
        (HERE / "reports").mkdir(exist_ok=True)
        for name in ("matrix.csv", "findings.csv", "report.html"):
            shutil.copyfile(out / name, HERE / "reports" / name)
        result = read_json_report(out / "scan.json")
        doc = facts_to_json([o.facts for o in result.outcomes if o.facts is not None], result.org)
        (HERE / "facts").mkdir(exist_ok=True)
        (HERE / "facts" / "demo-facts.json").write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n",
                                                        encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
