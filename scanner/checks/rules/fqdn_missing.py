"""An Edge Transport server (usually in a workgroup) needs a primary DNS suffix; the TCP/IP Domain
value is what GetComputerNameEx(ComputerNameDnsDomain) returns.
"""

from __future__ import annotations

from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="FqdnMissing",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="The primary DNS suffix is missing",
        fr="Le suffixe DNS principal est absent",
    ),
    remediation=Text(
        en=(
            "Set the computer's primary DNS suffix (System Properties > Computer Name > More), "
            "restart, then scan again."
        ),
        fr=(
            "Définissez le suffixe DNS principal de l'ordinateur (Propriétés système > Nom de "
            "l'ordinateur > Autres), redémarrez, puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/deployment-ref/ms-exch-setupreadiness-fqdnmissing",
    facts=("computer.domain",),
)

REGISTRY = r"HKLM\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters\Domain"


def evaluate(ctx: RuleContext) -> Verdict:
    suffix = ctx.optional("computer.domain")
    evidence = {"registry": REGISTRY, "primary_dns_suffix": suffix}
    if suffix is None or not str(suffix).strip():
        return ctx.failed("no primary DNS suffix", evidence)
    return ctx.passed(f"primary DNS suffix {suffix}", evidence)
