"""Setup reads the primary DNS suffix (GetComputerNameEx ComputerNameDnsDomain) and refuses any character
other than letters, digits, hyphens and dots. The suffix is the TCP/IP "NV Domain" value when set (the
one System Properties writes), else the "Domain" value. (Setup behaviour: Exchange 2013 CU23 readiness
engine; also evaluated by the 2016/2019 Setup, as their logs show.)
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
    versions=("2013", "2016", "2019"),
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
    nv = ctx.optional("computer.nv_domain")
    if nv is not None:
        suffix, value = str(nv), "NV Domain"
    else:
        suffix, value = str(ctx.optional("computer.domain") or ""), "Domain"
    evidence = {"registry": f"{KEY}\\{value}", "primary_dns_suffix": suffix}
    if not VALID.match(suffix):
        bad = sorted({c for c in suffix if not VALID.match(c)})
        return ctx.failed(f"primary DNS suffix {suffix!r} holds {' '.join(repr(c) for c in bad)}", evidence)
    return ctx.passed(f"primary DNS suffix {suffix or '(none)'} uses valid characters", evidence)
