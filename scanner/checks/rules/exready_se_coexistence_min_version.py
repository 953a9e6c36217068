"""Microsoft supports Exchange SE beside Exchange 2016 CU23 and Exchange 2019 CU14 or CU15 only. SE RTM Setup
is documented to block Exchange 2013 alone (ExreadySeExchange2013Block); whether it also stops on older 2016
or 2019 builds is not documented, so this is a warning, not a block (SE CU2 Setup is announced to refuse
every version out of support). Server objects whose version cannot be read make the verdict UNKNOWN.
"""

from __future__ import annotations

from typing import Any

from scanner.checks import se_common
from scanner.checks import se_sources as se
from scanner.checks.context import RuleContext
from scanner.checks.org_common import server_label
from scanner.facts.lifecycle import product_of
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import UnknownReason, Verdict

META = RuleMeta(
    id="ExreadySeCoexistenceMinVersion",
    severity=Severity.WARNING,
    scope=Scope.ORG,
    versions=("SE",),
    title=Text(
        en="Exchange 2016 or 2019 servers are below the builds supported beside Exchange SE",
        fr="Des serveurs Exchange 2016 ou 2019 sont sous les versions prises en charge à côté d'Exchange SE",
    ),
    remediation=Text(
        en="Update Exchange 2016 servers to CU23 and Exchange 2019 servers to CU14 or CU15 (with their latest "
        "security update) before adding Exchange SE, then scan again.",
        fr="Mettez à jour les serveurs Exchange 2016 en CU23 et les serveurs Exchange 2019 en CU14 ou CU15 (avec "
        "leur dernière mise à jour de sécurité) avant d'ajouter Exchange SE, puis relancez l'analyse.",
    ),
    help_url=se.UPGRADE_TO_SE,
    facts=("ad.exchange_servers",),
    sources=(se.SUPPORTED_COEXISTENCE,),
)

MINIMUM = {"Exchange 2016": se_common.EX2016_CU23, "Exchange 2019": se_common.EX2019_CU14}


def evaluate(ctx: RuleContext) -> Verdict:
    servers = se_common.servers_with_roles(ctx)
    older = [s for s in servers if str(s.get("serial_number") or "").startswith(("Version 15.1", "Version 15.2"))
             or (s.get("version") or "").startswith(("15.1.", "15.2."))]
    low: list[str] = []
    unreadable: list[str] = []
    checked: list[str] = []
    for s in older:
        version = se_common.server_version(s)
        product = product_of(version) if version is not None else None
        if version is None or product is None:
            unreadable.append(str(s.get("name")))
            continue
        minimum = MINIMUM.get(product)
        if minimum is None:
            continue  # Exchange SE itself
        checked.append(server_label(s))
        if version < minimum:
            low.append(f"{s.get('name')} ({se_common.cu_label(version)}; needs {se_common.cu_label(minimum)})")
    evidence: dict[str, Any] = {"servers": checked, "minimum": {k: str(v) for k, v in MINIMUM.items()}}
    if low:
        evidence["below_minimum"] = low
        return ctx.warned(f"{len(low)} server(s) below the builds supported beside SE: {', '.join(low)}", evidence)
    if unreadable:
        evidence["version_unreadable"] = unreadable
        return ctx.unknown(UnknownReason.FACT_UNREADABLE,
                           f"the version of {', '.join(unreadable)} could not be read", evidence)
    if not checked:
        return ctx.not_applicable("no Exchange 2016 or 2019 server in the organisation", evidence)
    return ctx.passed(f"every Exchange 2016/2019 server is at a build supported beside SE ({len(checked)})",
                      evidence)
