"""Exchange 2013 on Windows Server 2008 R2 SP1 needs Windows Management Framework 4.0 (Windows
PowerShell 4.0 on .NET Framework 4): Microsoft's Exchange 2013 prerequisites page lists it for every
role on that Windows. A 2008 R2 host that still answers with Windows PowerShell 2.0 (CLR 2.0) or 3.0 has
not had it installed. This is a documented prerequisite, not one of Setup's readiness rules: the id is
exready's own. Later Windows ship a newer PowerShell, so the rule does not apply there.
"""

from __future__ import annotations

from typing import Any

from scanner.checks import common, setup_common
from scanner.checks.context import FactUnavailable, RuleContext
from scanner.facts.version import Version
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import UnknownReason, Verdict

META = RuleMeta(
    id="ExreadyWmf4Prerequisite",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013",),
    title=Text(
        en="Windows Management Framework 4.0 is missing on Windows Server 2008 R2 (prerequisite)",
        fr="Windows Management Framework 4.0 est absent de Windows Server 2008 R2 (prérequis)",
    ),
    remediation=Text(
        en=(
            "Install Windows Management Framework 4.0 (Windows PowerShell 4.0) on Windows Server 2008 R2 SP1 "
            "after the .NET Framework, restart, then scan again."
        ),
        fr=(
            "Installez Windows Management Framework 4.0 (Windows PowerShell 4.0) sur Windows Server 2008 R2 "
            "SP1 après le .NET Framework, redémarrez, puis relancez l'analyse."
        ),
    ),
    help_url=setup_common.PREREQUISITES_2013,
    facts=("os.current_build", "ps.version", "ps.clr_version"),
)

NEEDED = Version.of(4, 0)


def evaluate(ctx: RuleContext) -> Verdict:
    build = common.os_build(ctx)
    evidence: dict[str, Any] = {"os_build": build, "source": "$PSVersionTable"}
    if not common.is_nt61(build):
        return ctx.not_applicable(
            f"a prerequisite of Windows Server 2008 R2 only; this is {common.windows_name(build)}", evidence)
    raw = ctx.value("ps.version")
    clr = ctx.peek("ps.clr_version")
    evidence["ps_version"] = raw
    evidence["clr_version"] = clr.value if clr is not None and clr.present else None
    found = Version.try_parse(str(raw).strip())
    if found is None:
        raise FactUnavailable(UnknownReason.FACT_UNREADABLE, "ps.version", f"ps.version is not a version: {raw!r}")
    if found < NEEDED:
        return ctx.failed(
            f"Windows PowerShell {raw} (CLR {evidence['clr_version'] or 'not reported'}): "
            "Windows Management Framework 4.0 is not installed", evidence)
    return ctx.passed(f"Windows PowerShell {raw}: Windows Management Framework 4.0 or later", evidence)
