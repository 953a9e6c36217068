"""On Windows Server 2012 (build 9200) Setup warns when discan.dll is older than 6.2.9200.16548
(KB2822241).
"""

from __future__ import annotations

from typing import Any

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.facts.version import Version
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="Win2k12RollupUpdateNotInstalled",
    severity=Severity.WARNING,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="The April 2013 update rollup KB2822241 is missing on Windows Server 2012",
        fr="Le correctif cumulatif d'avril 2013 KB2822241 est absent de Windows Server 2012",
    ),
    remediation=Text(
        en=("Install KB2822241 (or a later Windows Server 2012 rollup that contains it), restart, then scan again."),
        fr=(
            "Installez KB2822241 (ou un correctif cumulatif ultérieur de Windows Server 2012 qui le "
            "contient), redémarrez, puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/deployment-ref/ms-exch-setupreadiness-win2k12rollupupdatenotinstalled",
    facts=("os.current_build", "file.discan_dll"),
)

MINIMUM = Version.of(6, 2, 9200, 16548)
FILE = r"%SystemRoot%\System32\discan.dll"


def evaluate(ctx: RuleContext) -> Verdict:
    build = common.os_build(ctx)
    evidence: dict[str, Any] = {"os_build": build, "file": FILE, "minimum": str(MINIMUM), "update": "KB2822241"}
    if build != common.BUILD_2012:
        return ctx.not_applicable(
            f"checked on Windows Server 2012 only; this is {common.windows_name(build)}", evidence
        )
    found = common.file_version(ctx, "file.discan_dll")
    evidence["version"] = common.file_evidence(found)
    if found is None or found < MINIMUM:
        return ctx.failed(f"discan.dll {common.file_evidence(found)} < {MINIMUM}: KB2822241 missing", evidence)
    return ctx.passed(f"discan.dll {found} >= {MINIMUM}", evidence)
