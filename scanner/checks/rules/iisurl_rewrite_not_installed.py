r"""From Exchange 2016 CU22 and 2019 CU11, and in Exchange SE, Setup needs the IIS URL Rewrite Module;
its registry key (IIS Extensions\URL Rewrite, value Version)
shows it is installed.
"""

from __future__ import annotations

from typing import Any

from scanner.checks import common
from scanner.checks import se_sources as se
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="IISURLRewriteNotInstalled",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2016", "2019", "SE"),
    title=Text(
        en="IIS URL Rewrite Module is not installed",
        fr="Le module IIS URL Rewrite n'est pas installé",
    ),
    remediation=Text(
        en=(
            "Install the IIS URL Rewrite Module 2.1 (x64), then scan again. Required from Exchange "
            "2016 CU22 and Exchange 2019 CU11, and by Exchange SE."
        ),
        fr=(
            "Installez le module IIS URL Rewrite 2.1 (x64), puis relancez l'analyse. Obligatoire à "
            "partir d'Exchange 2016 CU22 et d'Exchange 2019 CU11, et pour Exchange SE."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/deployment-ref/ms-exch-setupreadiness-iisurlrewritenotinstalled",
    facts=("iis.url_rewrite_version",),
    sources=(se.URL_REWRITE,),  # the Exchange SE values (scanner/checks/se_sources.py)
)

REGISTRY = r"HKLM\SOFTWARE\Microsoft\IIS Extensions\URL Rewrite\Version"
FIRST_CU = {"2016": 22, "2019": 11, "SE": 0}  # SE: from RTM (it is 2019 CU15 code)


def evaluate(ctx: RuleContext) -> Verdict:
    t = common.target(ctx)
    first = FIRST_CU[t.version]
    evidence: dict[str, Any] = {"registry": REGISTRY, "target": t.label, "required_from": f"CU{first}"}
    if t.cu < first:
        return ctx.not_applicable(f"{t.label} does not require URL Rewrite (from CU{first})", evidence)
    found = ctx.optional("iis.url_rewrite_version")
    evidence["version"] = found
    if found is None:
        return ctx.failed("IIS URL Rewrite Module not installed (registry Version absent)", evidence)
    return ctx.passed(f"IIS URL Rewrite Module {found} installed", evidence)
