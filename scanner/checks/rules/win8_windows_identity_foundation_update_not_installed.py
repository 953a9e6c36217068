"""On Windows Server 2012 Setup needs the Windows Identity Foundation 3.5 registry key."""

from __future__ import annotations

from typing import Any

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="Win8WindowsIdentityFoundationUpdateNotInstalled",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="The Windows Identity Foundation feature is missing on Windows Server 2012",
        fr="La fonctionnalité Windows Identity Foundation est absente de Windows Server 2012",
    ),
    remediation=Text(
        en=(
            "Add the Windows-Identity-Foundation feature (Install-WindowsFeature "
            "Windows-Identity-Foundation), then scan again."
        ),
        fr=(
            "Ajoutez la fonctionnalité Windows-Identity-Foundation (Install-WindowsFeature "
            "Windows-Identity-Foundation), puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/exchange-2013-prerequisites-exchange-2013-help",
    facts=("os.current_build", "wif.v35"),
)

REGISTRY = r"HKLM\SOFTWARE\Microsoft\Windows Identity Foundation\Setup\v3.5"


def evaluate(ctx: RuleContext) -> Verdict:
    build = common.os_build(ctx)
    evidence: dict[str, Any] = {"os_build": build, "registry": REGISTRY}
    if build not in (common.BUILD_2012,):
        return ctx.not_applicable(
            f"checked on Windows Server 2012 only; this is {common.windows_name(build)}", evidence
        )
    present = bool(ctx.value("wif.v35"))
    evidence["key_present"] = present
    if not present:
        return ctx.failed("Windows Identity Foundation 3.5 key not found", evidence)
    return ctx.passed("Windows Identity Foundation 3.5 installed", evidence)
