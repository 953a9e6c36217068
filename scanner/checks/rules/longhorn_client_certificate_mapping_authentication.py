r"""Setup reads the IIS component DWORD ClientCertificateMappingAuthentication under InetStp\Components;
missing or 0 means the Web-Client-Auth feature is not installed.
"""

from __future__ import annotations

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="LonghornClientCertificateMappingAuthentication",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="IIS Client Certificate Mapping Authentication is not installed",
        fr="L'authentification par mappage de certificat client IIS n'est pas installée",
    ),
    remediation=Text(
        en=("Add the Web-Client-Auth Windows feature (Install-WindowsFeature Web-Client-Auth), then scan again."),
        fr=(
            "Ajoutez la fonctionnalité Windows Web-Client-Auth (Install-WindowsFeature "
            "Web-Client-Auth), puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/prerequisites",
    facts=("iis.components",),
)


def evaluate(ctx: RuleContext) -> Verdict:
    return common.judge_iis_component(ctx, "ClientCertificateMappingAuthentication", "Web-Client-Auth")
