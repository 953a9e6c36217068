"""Setup accepts only the Windows Server builds the target Exchange version supports, with the first
cumulative update that supports each (Windows Server 2012 R2 from 2013 SP1, 2016 from 2016 CU3, 2022
from 2019 CU12, 2025 from 2019 CU15; SE on
2019, 2022 and 2025); a client edition (ProductType WinNT) never hosts server roles; on 2008 R2 only
Standard, Enterprise and Datacenter pass.
"""

from __future__ import annotations

from typing import Any

from scanner.checks import common
from scanner.checks import se_sources as se
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="ValidOSVersion",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="The Windows version cannot host this Exchange version and cumulative update",
        fr=("La version de Windows ne peut pas héberger cette version d'Exchange et cette mise à jour cumulative"),
    ),
    remediation=Text(
        en=(
            "Install Exchange on a supported Windows Server: 2013 on 2008 R2 SP1 (Standard, "
            "Enterprise, Datacenter), 2012 or 2012 R2 (from SP1/CU4); 2016 on 2012, 2012 R2 or 2016 "
            "(from CU3); 2019 on 2019, 2022 (from CU12) or 2025 (from CU15); SE on 2019, 2022 or 2025."
            " Choose another server or target a later cumulative update with --cu."
        ),
        fr=(
            "Installez Exchange sur un Windows Server pris en charge : 2013 sur 2008 R2 SP1 "
            "(Standard, Enterprise, Datacenter), 2012 ou 2012 R2 (à partir de SP1/CU4) ; 2016 sur "
            "2012, 2012 R2 ou 2016 (à partir de CU3) ; 2019 sur 2019, 2022 (à partir de CU12) ou 2025"
            " (à partir de CU15) ; SE sur 2019, 2022 ou 2025. "
            "Choisissez un autre serveur ou visez une mise à jour cumulative "
            "plus récente avec --cu."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/deployment-ref/ms-exch-setupreadiness-validosversion",
    facts=("os.current_build", "os.product_type", "os.edition_id", "os.caption"),
    sources=(se.BUILD, se.CODE_BASE, se.OS_SUPPORT, se.BUILD_2025),  # Exchange SE: scanner/checks/se_sources.py
)

EDITIONS_2008R2 = ("ServerStandard", "ServerEnterprise", "ServerDatacenter")


def evaluate(ctx: RuleContext) -> Verdict:
    t = common.target(ctx)
    build = common.os_build(ctx)
    product = str(ctx.value("os.product_type")).strip()
    caption = ctx.peek("os.caption")
    evidence: dict[str, Any] = {
        "os_build": build,
        "windows": common.windows_name(build),
        "caption": caption.value if caption is not None else None,
        "product_type": product,
        "target": t.label,
        "supported": sorted(t.supported_builds.values()),
    }
    if product.casefold() == "winnt":
        return ctx.failed(
            f"a client edition of Windows (ProductType {product}) cannot host {t.label} server roles", evidence
        )
    first = t.first_cu_for_build(build)
    if first is None:
        return ctx.failed(f"{common.windows_name(build)} is not supported by Exchange {t.version}", evidence)
    if t.cu < first:
        return ctx.failed(
            f"{common.windows_name(build)} needs Exchange {t.version} CU{first} or later; the target is {t.label}",
            evidence,
        )
    if common.is_nt61(build):
        edition = str(ctx.value("os.edition_id")).strip()
        evidence["edition"] = edition
        if not edition.startswith(EDITIONS_2008R2):
            return ctx.failed(
                f"Windows Server 2008 R2 edition {edition} is not Standard, Enterprise or Datacenter", evidence
            )
    return ctx.passed(f"{common.windows_name(build)} is supported by {t.label}", evidence)
