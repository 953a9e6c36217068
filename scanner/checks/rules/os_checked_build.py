"""Setup warns when Win32_OperatingSystem.Debug is true, i.e. a checked build of Windows; the registry
CurrentType ('Multiprocessor Free' / '... Checked') says the same without WMI.
"""

from __future__ import annotations

from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="OSCheckedBuild",
    severity=Severity.WARNING,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="The operating system is a checked (debug) build",
        fr="Le système d'exploitation est une version de débogage (checked)",
    ),
    remediation=Text(
        en=("Install Exchange on a retail (free) build of Windows Server; checked builds are for driver development."),
        fr=(
            "Installez Exchange sur une version commerciale (free) de Windows Server ; les versions "
            "checked servent au développement de pilotes."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/the-operating-system-is-in-debug-mode-oscheckedbuild-exchange-2013-help",
    facts=("os.current_type",),
)


def evaluate(ctx: RuleContext) -> Verdict:
    kind = str(ctx.value("os.current_type")).strip()
    evidence = {"registry": r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\CurrentType", "current_type": kind}
    if "checked" in kind.casefold():
        return ctx.failed(f"checked build ({kind})", evidence)
    return ctx.passed(f"retail build ({kind})", evidence)
