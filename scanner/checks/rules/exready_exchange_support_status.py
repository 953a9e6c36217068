"""Which Exchange servers in Active Directory Microsoft no longer supports, on the day AD was read: Exchange
2013 left support on 2023-04-11, Exchange 2016 and 2019 on 2025-10-14; Exchange SE follows the Modern
Lifecycle Policy. A migration to SE is done when none is left. Judged for the SE target, where the migration
lead needs the list; the support status of every server is also in the organisation facts
(ad.exchange_servers: product, end_of_support, supported).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from scanner.checks import org_common, se_common
from scanner.checks import se_sources as se
from scanner.checks.context import RuleContext
from scanner.facts.lifecycle import lifecycle
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="ExreadyExchangeSupportStatus",
    severity=Severity.WARNING,
    scope=Scope.ORG,
    versions=("SE",),
    title=Text(
        en="Exchange servers past the end of Microsoft support are still in the organisation",
        fr="Des serveurs Exchange dont le support Microsoft a pris fin sont encore dans l'organisation",
    ),
    remediation=Text(
        en="Plan the move of every listed server to Exchange SE: an in-place upgrade for Exchange 2019 "
        "CU14/CU15, new SE servers and mailbox moves for the others; then uninstall the old servers.",
        fr="Planifiez le passage de chaque serveur indiqué à Exchange SE : mise à niveau sur place pour "
        "Exchange 2019 CU14/CU15, nouveaux serveurs SE et déplacement des boîtes aux lettres pour les autres ; "
        "désinstallez ensuite les anciens serveurs.",
    ),
    help_url="https://learn.microsoft.com/lifecycle/products/exchange-server-2019",
    facts=("ad.exchange_servers",),
    sources=(se.LIFECYCLE,),
)


def _status(server: Mapping[str, Any], today: date) -> tuple[str | None, bool | None]:
    """(product, supported) from the facts, or computed from the version for facts saved before they held it."""
    if "supported" in server and server.get("product"):
        supported = server.get("supported")
        return str(server.get("product")), supported if isinstance(supported, bool) else None
    life = lifecycle(se_common.server_version(server), today)
    return (life.product, life.supported) if life is not None else (None, None)


def evaluate(ctx: RuleContext) -> Verdict:
    today = date.today()
    servers = org_common.exchange_servers(ctx)
    rows: list[str] = []
    unsupported: list[str] = []
    unknown: list[str] = []
    for s in servers:
        product, supported = _status(s, today)
        name = str(s.get("name"))
        rows.append(f"{name}: {product or 'unknown product'} "
                    f"({'supported' if supported else 'out of support' if supported is False else 'unknown'})")
        if supported is False:
            unsupported.append(f"{name} ({product})")
        elif supported is None:
            unknown.append(name)
    evidence: dict[str, Any] = {"servers": rows, "out_of_support": unsupported}
    if unknown:
        evidence["product_unknown"] = unknown
    if not servers:
        return ctx.not_applicable("no Exchange server in Active Directory", evidence)
    if unsupported:
        return ctx.warned(f"{len(unsupported)} of {len(servers)} Exchange server(s) out of support: "
                          f"{', '.join(unsupported)}", evidence)
    return ctx.passed(f"every Exchange server is supported ({len(servers)})", evidence)
