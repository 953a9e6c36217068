r"""When UCMA 4.0 (5.0.8308.0 or later) is installed, Setup also needs the Microsoft.Speech 11.0
assembly registered under Installer\Assemblies\Global; without UCMA the rule defers to
UcmaRedistMsi.
"""

from __future__ import annotations

from typing import Any

from scanner.checks.context import RuleContext
from scanner.facts.version import Version
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="SpeechRedistMsi",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016"),
    title=Text(
        en="The Microsoft Speech runtime registered by UCMA 4.0 is missing",
        fr="Le runtime Microsoft Speech enregistré par UCMA 4.0 est absent",
    ),
    remediation=Text(
        en=(
            "Repair or reinstall the UCMA 4.0 Core Runtime (it installs the Microsoft Speech "
            "assembly), then scan again."
        ),
        fr=(
            "Réparez ou réinstallez le runtime UCMA 4.0 (il installe l'assembly Microsoft Speech), "
            "puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/exchange-2013-prerequisites-exchange-2013-help",
    facts=("ucma.version", "ucma.speech_assembly"),
)

UCMA_MINIMUM = Version.of(5, 0, 8308, 0)
REGISTRY = r"HKLM\SOFTWARE\Classes\Installer\Assemblies\Global"


def evaluate(ctx: RuleContext) -> Verdict:
    ucma = ctx.version("ucma.version")
    evidence: dict[str, Any] = {"ucma_version": str(ucma) if ucma else "absent", "registry": REGISTRY}
    if ucma is None or ucma < UCMA_MINIMUM:
        return ctx.not_applicable("UCMA 4.0 is missing or too old: UcmaRedistMsi reports it", evidence)
    registered = bool(ctx.value("ucma.speech_assembly"))
    evidence["speech_assembly_registered"] = registered
    if not registered:
        return ctx.failed("UCMA 4.0 is installed but the Microsoft.Speech 11.0 assembly is not registered", evidence)
    return ctx.passed("Microsoft.Speech 11.0 assembly registered", evidence)
