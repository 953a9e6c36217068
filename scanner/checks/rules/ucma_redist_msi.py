"""UCMA 4.0 Core Runtime: Setup reads the registry Version of the UCMA product key and requires at least
5.0.8308.0 (System.Version comparison). A missing key or value fails; an unreadable one is unknown."""

from __future__ import annotations

from scanner.checks import se_sources as se
from scanner.checks.context import RuleContext
from scanner.facts.version import Version
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="UcmaRedistMsi",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="UCMA 4.0 Core Runtime is missing or older than 5.0.8308.0",
        fr="Le runtime UCMA 4.0 (Core Runtime) est absent ou antérieur à 5.0.8308.0",
    ),
    remediation=Text(
        en="Install the Unified Communications Managed API 4.0 Core Runtime (64-bit), version 5.0.8308.0 or "
        "later, from the Exchange media (UCMARedist\\Setup.exe) or the Microsoft download, then scan again.",
        fr="Installez le runtime Unified Communications Managed API 4.0 (Core Runtime 64 bits), version "
        "5.0.8308.0 ou ultérieure, depuis le média Exchange (UCMARedist\\Setup.exe) ou le téléchargement "
        "Microsoft, puis relancez l'analyse.",
    ),
    help_url="https://learn.microsoft.com/exchange/ucma-4-0-core-runtime-not-installed-exchange-2013-help",
    facts=("ucma.version",),
    sources=(se.UCMA,),  # the Exchange SE values (scanner/checks/se_sources.py)
)

MINIMUM = Version.of(5, 0, 8308, 0)
KEY = r"HKLM\SOFTWARE\Microsoft\UCMA\{902F4F35-D5DC-4363-8671-D5EF0D26C21D}"


def evaluate(ctx: RuleContext) -> Verdict:
    found = ctx.version("ucma.version")
    evidence = {
        "registry": KEY + r"\Version",
        "minimum": str(MINIMUM),
        "version": str(found) if found else "absent",
    }
    if found is None:
        return ctx.failed("UCMA 4.0 Core Runtime not found (registry value Version absent)", evidence)
    if found < MINIMUM:
        return ctx.failed(f"UCMA version {found} < {MINIMUM}", evidence)
    return ctx.passed(f"UCMA version {found} >= {MINIMUM}", evidence)
