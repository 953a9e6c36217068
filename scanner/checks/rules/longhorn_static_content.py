r"""Setup reads the IIS component DWORD StaticContent under InetStp\Components; missing or 0 means the
Web-Static-Content feature is not installed.
"""

from __future__ import annotations

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="LonghornStaticContent",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="IIS Static Content is not installed",
        fr="Le contenu statique IIS n'est pas installé",
    ),
    remediation=Text(
        en=("Add the Web-Static-Content Windows feature (Install-WindowsFeature Web-Static-Content), then scan again."),
        fr=(
            "Ajoutez la fonctionnalité Windows Web-Static-Content (Install-WindowsFeature "
            "Web-Static-Content), puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/prerequisites",
    facts=("iis.components",),
)


def evaluate(ctx: RuleContext) -> Verdict:
    return common.judge_iis_component(ctx, "StaticContent", "Web-Static-Content")
