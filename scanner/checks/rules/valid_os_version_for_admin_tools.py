"""The management tools follow the server support list on Windows Server (Setup also accepts some
client editions, which exready does not scan).
"""

from __future__ import annotations

from typing import Any

from scanner.checks import common
from scanner.checks import se_sources as se
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="ValidOSVersionForAdminTools",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="The Windows version cannot host the Exchange management tools",
        fr="La version de Windows ne peut pas héberger les outils de gestion d'Exchange",
    ),
    remediation=Text(
        en=(
            "Install the management tools on a Windows version the target Exchange version supports "
            "(for servers, the same list as the server roles), or target a later cumulative update "
            "with --cu."
        ),
        fr=(
            "Installez les outils de gestion sur une version de Windows prise en charge par la "
            "version d'Exchange visée (pour un serveur, la même liste que pour les rôles serveur), ou"
            " visez une mise à jour cumulative plus récente avec --cu."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/system-requirements",
    facts=("os.current_build", "os.product_type"),
    sources=(se.OS_SUPPORT, se.BUILD_2025),  # Exchange SE: scanner/checks/se_sources.py
)


def evaluate(ctx: RuleContext) -> Verdict:
    t = common.target(ctx)
    build = common.os_build(ctx)
    product = str(ctx.value("os.product_type")).strip()
    evidence: dict[str, Any] = {
        "os_build": build,
        "windows": common.windows_name(build),
        "product_type": product,
        "target": t.label,
    }
    if product.casefold() == "winnt":
        return ctx.not_applicable(
            "a client edition of Windows: exready judges servers (the tools' client support list is not checked)",
            evidence,
        )
    first = t.first_cu_for_build(build)
    if first is None:
        return ctx.failed(
            f"{common.windows_name(build)} cannot host the Exchange {t.version} management tools", evidence
        )
    if t.cu < first:
        return ctx.failed(f"{common.windows_name(build)} needs Exchange {t.version} CU{first} or later", evidence)
    return ctx.passed(f"{common.windows_name(build)} can host the {t.label} management tools", evidence)
