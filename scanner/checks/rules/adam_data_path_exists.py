r"""Setup stops an Edge Transport install when the AD LDS data directory recorded under
EdgeTransportRole\AdamSettings\MsExchange (DataFilesPath) still exists.
"""

from __future__ import annotations

from typing import Any

from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="ADAMDataPathExists",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="An AD LDS directory from an earlier Edge Transport installation exists",
        fr="Un répertoire AD LDS issu d'une installation Edge Transport antérieure existe",
    ),
    remediation=Text(
        en=(
            "Remove the AD LDS data directory left by the earlier Edge Transport attempt (after "
            "checking it holds nothing you need), then scan again."
        ),
        fr=(
            "Supprimez le répertoire de données AD LDS laissé par la tentative d'installation Edge "
            "Transport précédente (après avoir vérifié qu'il ne contient rien d'utile), puis relancez"
            " l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/deployment-ref/ms-exch-setupreadiness-adamdatapathexists",
    facts=("exchange.edge_adam_data_path",),
)

REGISTRY = r"HKLM\SOFTWARE\Microsoft\ExchangeServer\v15\EdgeTransportRole\AdamSettings\MsExchange\DataFilesPath"


def evaluate(ctx: RuleContext) -> Verdict:
    entry = ctx.optional("exchange.edge_adam_data_path")
    evidence: dict[str, Any] = {"registry": REGISTRY}
    if entry is None:
        return ctx.passed("no AD LDS data path recorded", evidence)
    evidence.update({"path": entry.get("path"), "exists": entry.get("exists")})
    if entry.get("exists"):
        return ctx.failed(f"AD LDS data directory {entry.get('path')} exists", evidence)
    return ctx.passed(f"recorded AD LDS data path {entry.get('path')} does not exist", evidence)
