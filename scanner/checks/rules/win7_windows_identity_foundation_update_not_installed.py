"""On Windows Server 2008 R2 Setup needs the Windows Identity Foundation 3.5 registry key."""

from __future__ import annotations

from typing import Any

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="Win7WindowsIdentityFoundationUpdateNotInstalled",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013",),
    title=Text(
        en="Windows Identity Foundation 3.5 (KB974405) is missing on Windows Server 2008 R2",
        fr="Windows Identity Foundation 3.5 (KB974405) est absent de Windows Server 2008 R2",
    ),
    remediation=Text(
        en=("Install Windows Identity Foundation (KB974405) on Windows Server 2008 R2, then scan again."),
        fr=("Installez Windows Identity Foundation (KB974405) sur Windows Server 2008 R2, puis relancez l'analyse."),
    ),
    help_url="https://learn.microsoft.com/exchange/exchange-2013-prerequisites-exchange-2013-help",
    facts=("os.current_build", "wif.v35"),
)

REGISTRY = r"HKLM\SOFTWARE\Microsoft\Windows Identity Foundation\Setup\v3.5"


def evaluate(ctx: RuleContext) -> Verdict:
    build = common.os_build(ctx)
    evidence: dict[str, Any] = {"os_build": build, "registry": REGISTRY}
    if build not in common.BUILD_2008R2:
        return ctx.not_applicable(
            f"checked on Windows Server 2008 R2 only; this is {common.windows_name(build)}", evidence
        )
    present = bool(ctx.value("wif.v35"))
    evidence["key_present"] = present
    if not present:
        return ctx.failed("Windows Identity Foundation 3.5 key not found", evidence)
    return ctx.passed("Windows Identity Foundation 3.5 installed", evidence)
