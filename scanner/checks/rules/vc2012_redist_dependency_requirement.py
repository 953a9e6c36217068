r"""Setup compares the file version of System32\atl110.dll with 11.0.50727.1 (Visual C++ 2012 x64).
Exchange 2013 checks it for Edge Transport; the 2016/2019 prerequisites list it for Mailbox too.
"""

from __future__ import annotations

from scanner.checks import common
from scanner.checks import se_sources as se
from scanner.checks.context import RuleContext
from scanner.facts.version import Version
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="VC2012RedistDependencyRequirement",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="Visual C++ 2012 runtime (x64) is missing",
        fr="Le runtime Visual C++ 2012 (x64) est absent",
    ),
    remediation=Text(
        en=("Install the Visual C++ Redistributable for Visual Studio 2012 Update 4 (x64), then scan again."),
        fr=(
            "Installez le package redistribuable Visual C++ pour Visual Studio 2012 Update 4 (x64), "
            "puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/prerequisites",
    facts=("file.atl110_dll",),
    sources=(se.VISUAL_CPP,),  # the Exchange SE values (scanner/checks/se_sources.py)
)

MINIMUM = Version.of(11, 0, 50727, 1)


def evaluate(ctx: RuleContext) -> Verdict:
    found = common.file_version(ctx, "file.atl110_dll")
    evidence = {
        "file": r"%SystemRoot%\System32\atl110.dll",
        "minimum": str(MINIMUM),
        "version": common.file_evidence(found),
    }
    if found is None:
        return ctx.failed("atl110.dll not found: Visual C++ 2012 runtime not installed", evidence)
    if found < MINIMUM:
        return ctx.failed(f"atl110.dll {found} < {MINIMUM}", evidence)
    return ctx.passed(f"atl110.dll {found} >= {MINIMUM}", evidence)
