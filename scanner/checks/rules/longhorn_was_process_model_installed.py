r"""Setup reads the IIS component DWORD ProcessModel under InetStp\Components; missing or 0 means the
WAS-Process-Model feature is not installed.
"""

from __future__ import annotations

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="LonghornWASProcessModelInstalled",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="Windows Process Activation Service Process Model is not installed",
        fr="Le modèle de processus du service d'activation des processus Windows n'est pas installé",
    ),
    remediation=Text(
        en=("Add the WAS-Process-Model Windows feature (Install-WindowsFeature WAS-Process-Model), then scan again."),
        fr=(
            "Ajoutez la fonctionnalité Windows WAS-Process-Model (Install-WindowsFeature "
            "WAS-Process-Model), puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/longhornwasprocessmodelinstalled-exchange-2013-help",
    facts=("iis.components",),
)


def evaluate(ctx: RuleContext) -> Verdict:
    return common.judge_iis_component(ctx, "ProcessModel", "WAS-Process-Model")
