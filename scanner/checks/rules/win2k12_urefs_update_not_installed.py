"""On Windows Server 2012 (build 9200) Setup warns when uReFS.dll is older than 6.2.9200.20810
(KB2884597).
"""

from __future__ import annotations

from typing import Any

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.facts.version import Version
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="Win2k12UrefsUpdateNotInstalled",
    severity=Severity.WARNING,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="Update KB2884597 (ReFS volumes) is missing on Windows Server 2012",
        fr="La mise à jour KB2884597 (volumes ReFS) est absente de Windows Server 2012",
    ),
    remediation=Text(
        en=("Install KB2884597 (or a later Windows Server 2012 rollup that contains it), restart, then scan again."),
        fr=(
            "Installez KB2884597 (ou un correctif cumulatif ultérieur de Windows Server 2012 qui le "
            "contient), redémarrez, puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/deployment-ref/ms-exch-setupreadiness-win2k12urefsupdatenotinstalled",
    facts=("os.current_build", "file.urefs_dll"),
)

MINIMUM = Version.of(6, 2, 9200, 20810)
FILE = r"%SystemRoot%\System32\uReFS.dll"


def evaluate(ctx: RuleContext) -> Verdict:
    build = common.os_build(ctx)
    evidence: dict[str, Any] = {"os_build": build, "file": FILE, "minimum": str(MINIMUM), "update": "KB2884597"}
    if build != common.BUILD_2012:
        return ctx.not_applicable(
            f"checked on Windows Server 2012 only; this is {common.windows_name(build)}", evidence
        )
    found = common.file_version(ctx, "file.urefs_dll")
    evidence["version"] = common.file_evidence(found)
    if found is None or found < MINIMUM:
        return ctx.failed(f"uReFS.dll {common.file_evidence(found)} < {MINIMUM}: KB2884597 missing", evidence)
    return ctx.passed(f"uReFS.dll {found} >= {MINIMUM}", evidence)
