"""Exchange 2013 Setup refuses to join an organisation whose Exchange servers are all Exchange 2016 or
later: it lists the servers with roles (msExchCurrentServerRoles not 0) and fails when every one has a
versionNumber of 15.1 or more (encoded 1942061056). An organisation with no server, or with at least one
server older than 15.1, passes. (Setup behaviour: Exchange 2013 CU23 readiness engine.)
"""

from __future__ import annotations

from typing import Any

from scanner.checks import org_common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import UnknownReason, Verdict

META = RuleMeta(
    id="AllServersOfHigherVersionRule",
    severity=Severity.ERROR,
    scope=Scope.ORG,
    versions=("2013",),
    title=Text(
        en="Every Exchange server of the organisation is Exchange 2016 or later",
        fr="Tous les serveurs Exchange de l'organisation sont Exchange 2016 ou ultérieur",
    ),
    remediation=Text(
        en=(
            "Exchange 2013 cannot join an organisation that holds only Exchange 2016 or later servers: "
            "install Exchange 2016 or 2019 instead."
        ),
        fr=(
            "Exchange 2013 ne peut pas rejoindre une organisation qui ne compte que des serveurs Exchange "
            "2016 ou ultérieurs : installez plutôt Exchange 2016 ou 2019."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/supportability-matrix",
    facts=("ad.exchange_servers",),
)

THRESHOLD = org_common.encode_version(15, 1, 0)  # 1942061056


def evaluate(ctx: RuleContext) -> Verdict:
    servers = [s for s in org_common.exchange_servers(ctx) if int(s.get("roles") or 0) != 0]
    evidence: dict[str, Any] = {"servers": [org_common.server_label(s) for s in servers], "threshold": "15.1"}
    if not servers:
        return ctx.passed("no Exchange server with roles in the organisation", evidence)
    older, unreadable = org_common.below(servers, THRESHOLD)
    if older:
        evidence["older"] = [org_common.server_label(s) for s in older]
        return ctx.passed(f"{len(older)} server(s) older than Exchange 2016", evidence)
    if unreadable:
        evidence["version_unreadable"] = unreadable
        return ctx.unknown(UnknownReason.FACT_UNREADABLE,
                           f"the version of server(s) {', '.join(unreadable)} could not be read", evidence)
    return ctx.failed(f"all {len(servers)} Exchange server(s) are Exchange 2016 or later", evidence)
