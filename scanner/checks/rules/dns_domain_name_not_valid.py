"""Setup reads the primary DNS suffix (GetComputerNameEx ComputerNameDnsDomain) and refuses any character
other than letters, digits, hyphens and dots. Windows keeps the suffix in effect in the TCP/IP "Domain"
value and the one set for the next start in "NV Domain" (what System Properties writes); exready judges
both when the collector reports NV Domain, so a suffix changed but not yet in effect fails too. (Setup
behaviour: Exchange 2013 CU23 readiness engine; also evaluated by the 2016/2019 Setup, as their logs show.)
"""

from __future__ import annotations

import re

from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="DNSDomainNameNotValid",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="The primary DNS suffix holds characters other than letters, digits, hyphens and dots",
        fr="Le suffixe DNS principal contient des caractères autres que lettres, chiffres, tirets et points",
    ),
    remediation=Text(
        en=(
            "Set a primary DNS suffix made only of letters, digits, hyphens and dots (System Properties > "
            "Computer Name > More), restart, then scan again."
        ),
        fr=(
            "Définissez un suffixe DNS principal composé uniquement de lettres, chiffres, tirets et points "
            "(Propriétés système > Nom de l'ordinateur > Autres), redémarrez, puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/troubleshoot/windows-server/active-directory/naming-conventions-for-computer-domain-site-ou",
    facts=("computer.nv_domain", "computer.domain"),
)

VALID = re.compile(r"^[A-Za-z0-9\-.]*$")
KEY = r"HKLM\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters"


def evaluate(ctx: RuleContext) -> Verdict:
    values = {"Domain": ctx.optional("computer.domain")}
    # NV Domain: a collector that predates the fact does not report it; Domain is what Setup reads now
    if ctx.peek("computer.nv_domain") is not None:
        values["NV Domain"] = ctx.optional("computer.nv_domain")
    evidence = {"registry": KEY, **values}
    bad = {name: str(v) for name, v in values.items() if v is not None and not VALID.match(str(v))}
    if bad:
        text = ", ".join(f"{name} {value!r}" for name, value in bad.items())
        return ctx.failed(f"primary DNS suffix holds characters other than letters, digits, - and .: {text}",
                          evidence)
    shown = values.get("NV Domain") or values["Domain"] or "(none)"
    return ctx.passed(f"primary DNS suffix {shown} uses valid characters", evidence)
