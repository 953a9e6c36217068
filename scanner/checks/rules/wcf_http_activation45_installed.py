"""Setup asks Get-WindowsFeature whether NET-WCF-HTTP-Activation45 is installed and fails when it is
not. Checked on Windows Server 2012 and later only.
"""

from __future__ import annotations

from typing import Any

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="WcfHttpActivation45Installed",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019"),
    title=Text(
        en="WCF HTTP Activation 4.5 is not installed",
        fr="L'activation HTTP WCF 4.5 n'est pas installée",
    ),
    remediation=Text(
        en=(
            "Add the NET-WCF-HTTP-Activation45 Windows feature (Install-WindowsFeature "
            "NET-WCF-HTTP-Activation45), then scan again."
        ),
        fr=(
            "Ajoutez la fonctionnalité Windows NET-WCF-HTTP-Activation45 (Install-WindowsFeature "
            "NET-WCF-HTTP-Activation45), puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/prerequisites",
    facts=("os.current_build", "windows.features"),
)

FEATURE = "NET-WCF-HTTP-Activation45"


def evaluate(ctx: RuleContext) -> Verdict:
    evidence: dict[str, Any] = {"feature": FEATURE, "source": "Get-WindowsFeature"}
    build = common.os_build(ctx)
    evidence["os_build"] = build
    if not (common.at_least_nt62(build)):
        return ctx.not_applicable(
            f"checked on Windows Server 2012 and later only; this is {common.windows_name(build)}", evidence
        )
    installed = common.feature_installed(ctx, FEATURE)
    evidence["installed"] = installed
    if not installed:
        return ctx.failed("NET-WCF-HTTP-Activation45 is not installed", evidence)
    return ctx.passed("NET-WCF-HTTP-Activation45 is installed", evidence)
