"""Exchange 2016 and 2019 need the December 2016 LSA fix on Windows Server 2016, i.e. build 14393.576
or later. The update revision (UBR) says it; sspicli.dll's version is evidence.
"""

from __future__ import annotations

from typing import Any

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="Win2k16LSARollupUpdateNotInstalled",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2016", "2019", "SE"),
    title=Text(
        en="Update KB3206632 is not installed on Windows Server 2016",
        fr="La mise à jour KB3206632 n'est pas installée sur Windows Server 2016",
    ),
    remediation=Text(
        en=(
            "Install the December 2016 cumulative update for Windows Server 2016 (KB3206632, build "
            "14393.576) or any later cumulative update, restart, then scan again."
        ),
        fr=(
            "Installez la mise à jour cumulative de décembre 2016 pour Windows Server 2016 "
            "(KB3206632, build 14393.576) ou une mise à jour cumulative ultérieure, redémarrez, puis "
            "relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/deployment-ref/ms-exch-setupreadiness-win2k16lsarollupupdatenotinstalled",
    facts=("os.current_build", "os.ubr", "file.sspicli_dll"),
)

MINIMUM_UBR = 576  # KB3206632 = 14393.576; every later cumulative update includes it


def evaluate(ctx: RuleContext) -> Verdict:
    build = common.os_build(ctx)
    evidence: dict[str, Any] = {"os_build": build, "minimum": f"14393.{MINIMUM_UBR}"}
    if build != common.BUILD_2016:
        return ctx.not_applicable(
            f"checked on Windows Server 2016 only; this is {common.windows_name(build)}", evidence
        )
    ubr = int(ctx.value("os.ubr"))
    sspicli = ctx.peek("file.sspicli_dll")
    evidence["ubr"] = ubr
    evidence["sspicli_dll"] = sspicli.value.get("version") if sspicli and sspicli.present else None
    if ubr < MINIMUM_UBR:
        return ctx.failed(f"Windows Server 2016 build 14393.{ubr} < 14393.{MINIMUM_UBR} (KB3206632)", evidence)
    return ctx.passed(f"Windows Server 2016 build 14393.{ubr} includes KB3206632", evidence)
