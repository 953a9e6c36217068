"""Setup stops on a read-only domain controller: an nTDSDSARO object under this server in CN=Sites."""

from __future__ import annotations

from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="ComputerRODC",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013",),
    title=Text(
        en="Exchange cannot be installed on a read-only domain controller",
        fr="Exchange ne peut pas être installé sur un contrôleur de domaine en lecture seule",
    ),
    remediation=Text(
        en="Install Exchange on a member server.",
        fr="Installez Exchange sur un serveur membre.",
    ),
    help_url="https://learn.microsoft.com/exchange/setup-cannot-install-exchange-to-a-read-only-domain-controller-computerrodc-exchange-2013-help",
    facts=("computer.domain_role", "ad.rodcs"),
)


def evaluate(ctx: RuleContext) -> Verdict:
    role = int(ctx.value("computer.domain_role"))
    if role not in (4, 5):
        return ctx.not_applicable("not a domain controller", {"domain_role": role})
    rodcs = {str(n).upper() for n in ctx.value("ad.rodcs") or []}
    evidence = {"domain_role": role, "read_only_dcs": sorted(rodcs)}
    if ctx.short_name in rodcs:
        return ctx.failed(f"{ctx.short_name} is a read-only domain controller", evidence)
    return ctx.passed(f"{ctx.short_name} is a writable domain controller", evidence)
