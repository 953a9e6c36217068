"""Setup stops on a read-only domain controller. Two AD records say so: an nTDSDSARO object under this
server in CN=Sites (ad.rodcs), and the computer account itself, whose primary group is Read-only Domain
Controllers (521) or whose userAccountControl has PARTIAL_SECRETS_ACCOUNT (ad.computers is_rodc, from
discovery). Either one is enough."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="ComputerRODC",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2019", "SE"),  # the 2019 Setup logs show the rule evaluated
    title=Text(
        en="Exchange cannot be installed on a read-only domain controller",
        fr="Exchange ne peut pas être installé sur un contrôleur de domaine en lecture seule",
    ),
    remediation=Text(
        en="Install Exchange on a member server.",
        fr="Installez Exchange sur un serveur membre.",
    ),
    help_url="https://learn.microsoft.com/exchange/setup-cannot-install-exchange-to-a-read-only-domain-controller-computerrodc-exchange-2013-help",
    facts=("computer.domain_role", "ad.rodcs", "ad.computers"),
)


def _computer_account(ctx: RuleContext) -> Mapping[str, Any] | None:
    """This computer's entry in ad.computers (evidence-only: a host from a file may not be there)."""
    computers = ctx.peek("ad.computers")
    if computers is None or not computers.present or not isinstance(computers.value, list):
        return None
    return next((c for c in computers.value
                 if isinstance(c, Mapping) and str(c.get("name") or "").upper() == ctx.short_name), None)


def evaluate(ctx: RuleContext) -> Verdict:
    role = int(ctx.value("computer.domain_role"))
    if role not in (4, 5):
        return ctx.not_applicable("not a domain controller", {"domain_role": role})
    rodcs = {str(n).upper() for n in ctx.value("ad.rodcs") or []}
    evidence: dict[str, Any] = {"domain_role": role, "read_only_dcs": sorted(rodcs)}
    account = _computer_account(ctx)
    if account is not None:
        evidence["computer_account"] = {"dn": account.get("dn"), "is_rodc": account.get("is_rodc")}
    if ctx.short_name in rodcs:
        return ctx.failed(f"{ctx.short_name} is a read-only domain controller (nTDSDSARO)", evidence)
    if account is not None and account.get("is_rodc"):
        return ctx.failed(f"{ctx.short_name} is a read-only domain controller (its computer account)", evidence)
    return ctx.passed(f"{ctx.short_name} is a writable domain controller", evidence)
