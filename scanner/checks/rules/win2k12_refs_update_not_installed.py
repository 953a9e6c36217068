"""On Windows Server 2012 (build 9200) Setup warns when refs.sys is older than 6.2.9200.20838
(KB2894875).
"""

from __future__ import annotations

from typing import Any

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.facts.version import Version
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="Win2k12RefsUpdateNotInstalled",
    severity=Severity.WARNING,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="Update KB2894875 (ReFS 'dir' hang) is missing on Windows Server 2012",
        fr="La mise à jour KB2894875 (blocage de 'dir' sur ReFS) est absente de Windows Server 2012",
    ),
    remediation=Text(
        en=("Install KB2894875 (or a later Windows Server 2012 rollup that contains it), restart, then scan again."),
        fr=(
            "Installez KB2894875 (ou un correctif cumulatif ultérieur de Windows Server 2012 qui le "
            "contient), redémarrez, puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/deployment-ref/ms-exch-setupreadiness-win2k12refsupdatenotinstalled",
    facts=("os.current_build", "file.refs_sys"),
)

MINIMUM = Version.of(6, 2, 9200, 20838)
FILE = r"%SystemRoot%\System32\Drivers\refs.sys"


def evaluate(ctx: RuleContext) -> Verdict:
    build = common.os_build(ctx)
    evidence: dict[str, Any] = {"os_build": build, "file": FILE, "minimum": str(MINIMUM), "update": "KB2894875"}
    if build != common.BUILD_2012:
        return ctx.not_applicable(
            f"checked on Windows Server 2012 only; this is {common.windows_name(build)}", evidence
        )
    found = common.file_version(ctx, "file.refs_sys")
    evidence["version"] = common.file_evidence(found)
    if found is None or found < MINIMUM:
        return ctx.failed(f"refs.sys {common.file_evidence(found)} < {MINIMUM}: KB2894875 missing", evidence)
    return ctx.passed(f"refs.sys {found} >= {MINIMUM}", evidence)
