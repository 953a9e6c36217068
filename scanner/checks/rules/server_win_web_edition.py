"""Setup refuses the Web edition of Windows Server (Win32_OperatingSystem.OSProductSuite bit 1024); the
registry EditionID (ServerWeb...) says the same without WMI.
"""

from __future__ import annotations

from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="ServerWinWebEdition",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="Windows Web Server edition cannot host Exchange",
        fr="L'édition Windows Web Server ne peut pas héberger Exchange",
    ),
    remediation=Text(
        en="Install Exchange on a Standard or Datacenter edition of Windows Server.",
        fr="Installez Exchange sur une édition Standard ou Datacenter de Windows Server.",
    ),
    help_url="https://learn.microsoft.com/exchange/exchange-2013-prerequisites-exchange-2013-help",
    facts=("os.edition_id",),
)


def evaluate(ctx: RuleContext) -> Verdict:
    edition = str(ctx.value("os.edition_id")).strip()
    evidence = {"registry": r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\EditionID", "edition": edition}
    if edition.casefold().startswith("serverweb"):
        return ctx.failed(f"Windows Web Server edition ({edition})", evidence)
    return ctx.passed(f"edition {edition}", evidence)
