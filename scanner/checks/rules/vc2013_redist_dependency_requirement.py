r"""Setup compares the file version of System32\msvcr120.dll with 12.0.21005.1 (Visual C++ 2013 x64);
the uninstall entries other tools read are not what Setup looks at.
"""

from __future__ import annotations

from scanner.checks import common
from scanner.checks import se_sources as se
from scanner.checks.context import RuleContext
from scanner.facts.version import Version
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="VC2013RedistDependencyRequirement",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="Visual C++ 2013 runtime (x64) is missing",
        fr="Le runtime Visual C++ 2013 (x64) est absent",
    ),
    remediation=Text(
        en=("Install the Visual C++ Redistributable Packages for Visual Studio 2013 (x64), then scan again."),
        fr=(
            "Installez les packages redistribuables Visual C++ pour Visual Studio 2013 (x64), puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/prerequisites",
    facts=("file.msvcr120_dll",),
    sources=(se.VISUAL_CPP,),  # the Exchange SE values (scanner/checks/se_sources.py)
)

MINIMUM = Version.of(12, 0, 21005, 1)


def evaluate(ctx: RuleContext) -> Verdict:
    found = common.file_version(ctx, "file.msvcr120_dll")
    evidence = {
        "file": r"%SystemRoot%\System32\msvcr120.dll",
        "minimum": str(MINIMUM),
        "version": common.file_evidence(found),
    }
    if found is None:
        return ctx.failed("msvcr120.dll not found: Visual C++ 2013 runtime not installed", evidence)
    if found < MINIMUM:
        return ctx.failed(f"msvcr120.dll {found} < {MINIMUM}", evidence)
    return ctx.passed(f"msvcr120.dll {found} >= {MINIMUM}", evidence)
