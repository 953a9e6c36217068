"""Setup asks Get-WindowsFeature whether RSAT-Clustering-CmdInterface is installed and fails when it is
not. Checked on Windows Server 2012 and later only.
"""

from __future__ import annotations

from typing import Any

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="RsatClusteringCmdInterfaceInstalled",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019"),
    title=Text(
        en="The Failover Cluster Command Interface feature is not installed",
        fr=("La fonctionnalité Interface de ligne de commande du cluster de basculement n'est pas installée"),
    ),
    remediation=Text(
        en=(
            "Add the RSAT-Clustering-CmdInterface Windows feature (Install-WindowsFeature "
            "RSAT-Clustering-CmdInterface), then scan again."
        ),
        fr=(
            "Ajoutez la fonctionnalité Windows RSAT-Clustering-CmdInterface (Install-WindowsFeature "
            "RSAT-Clustering-CmdInterface), puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/deployment-ref/ms-exch-setupreadiness-rsatclusteringcmdinterfaceinstalled",
    facts=("os.current_build", "windows.features"),
)

FEATURE = "RSAT-Clustering-CmdInterface"


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
        return ctx.failed("RSAT-Clustering-CmdInterface is not installed", evidence)
    return ctx.passed("RSAT-Clustering-CmdInterface is installed", evidence)
