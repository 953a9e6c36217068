"""Setup refuses a computer name (Win32_ComputerSystem.Name) with any character other than letters,
digits and hyphens. (Setup behaviour: Exchange 2013 CU23 readiness engine; also evaluated by the
2016/2019 Setup, as their logs show.)
"""

from __future__ import annotations

import re

from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="ServerNameNotValid",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="The computer name holds characters other than letters, digits and hyphens",
        fr="Le nom de l'ordinateur contient des caractères autres que lettres, chiffres et tirets",
    ),
    remediation=Text(
        en="Rename the computer with letters, digits and hyphens only, restart, then scan again.",
        fr="Renommez l'ordinateur avec uniquement des lettres, chiffres et tirets, redémarrez, puis relancez "
        "l'analyse.",
    ),
    help_url="https://learn.microsoft.com/troubleshoot/windows-server/active-directory/naming-conventions-for-computer-domain-site-ou",
    facts=("computer.name",),
)

VALID = re.compile(r"^[A-Za-z0-9\-]*$")


def evaluate(ctx: RuleContext) -> Verdict:
    name = str(ctx.value("computer.name")).strip()
    evidence = {"computer_name": name, "source": "COMPUTERNAME"}
    if not VALID.match(name):
        return ctx.failed(f"computer name {name!r} holds characters Setup refuses", evidence)
    return ctx.passed(f"computer name {name} uses valid characters", evidence)
