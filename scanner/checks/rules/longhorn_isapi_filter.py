r"""Setup reads the IIS component DWORD ISAPIFilter under InetStp\Components; missing or 0 means the
Web-ISAPI-Filter feature is not installed.
"""

from __future__ import annotations

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="LonghornISAPIFilter",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="IIS ISAPI Filters are not installed",
        fr="Les filtres ISAPI d'IIS ne sont pas installés",
    ),
    remediation=Text(
        en=("Add the Web-ISAPI-Filter Windows feature (Install-WindowsFeature Web-ISAPI-Filter), then scan again."),
        fr=(
            "Ajoutez la fonctionnalité Windows Web-ISAPI-Filter (Install-WindowsFeature "
            "Web-ISAPI-Filter), puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/prerequisites",
    facts=("iis.components",),
)


def evaluate(ctx: RuleContext) -> Verdict:
    return common.judge_iis_component(ctx, "ISAPIFilter", "Web-ISAPI-Filter")
