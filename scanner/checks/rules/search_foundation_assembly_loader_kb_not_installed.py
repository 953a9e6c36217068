"""On Windows Server 2008 R2 Setup compares kernel32.dll with the build of KB2533623 (6.1.7600.16816 on
7600, 6.1.7601.17617 on 7601).
"""

from __future__ import annotations

from typing import Any

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.facts.version import Version
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="SearchFoundationAssemblyLoaderKBNotInstalled",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013",),
    title=Text(
        en="Windows Server 2008 R2 update KB2533623 (needed by Search Foundation) is missing",
        fr=("La mise à jour KB2533623 de Windows Server 2008 R2 (nécessaire à Search Foundation) est absente"),
    ),
    remediation=Text(
        en="Install KB2533623 on Windows Server 2008 R2, restart, then scan again.",
        fr="Installez KB2533623 sur Windows Server 2008 R2, redémarrez, puis relancez l'analyse.",
    ),
    help_url="https://learn.microsoft.com/exchange/exchange-2013-prerequisites-exchange-2013-help",
    facts=("os.current_build", "file.kernel32_dll"),
)

THRESHOLDS = {7600: Version.of(6, 1, 7600, 16816), 7601: Version.of(6, 1, 7601, 17617)}


def evaluate(ctx: RuleContext) -> Verdict:
    build = common.os_build(ctx)
    evidence: dict[str, Any] = {"os_build": build, "file": r"%SystemRoot%\System32\kernel32.dll"}
    threshold = THRESHOLDS.get(build)
    if threshold is None:
        return ctx.not_applicable(
            f"checked on Windows Server 2008 R2 only; this is {common.windows_name(build)}", evidence
        )
    found = common.file_version(ctx, "file.kernel32_dll")
    evidence["minimum"] = str(threshold)
    evidence["version"] = common.file_evidence(found)
    if found is None or found < threshold:
        return ctx.failed(f"kernel32.dll {common.file_evidence(found)} < {threshold}", evidence)
    return ctx.passed(f"kernel32.dll {found} >= {threshold}", evidence)
