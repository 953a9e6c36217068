"""Setup reads the .NET Framework 4.x Release DWORD and requires the lowest .NET version the target
cumulative update supports (2013 CU23: 461808 = 4.7.2; 2016 CU15+ and 2019 CU4+: 528040 = 4.8).
"""

from __future__ import annotations

from typing import Any

from scanner.checks import common
from scanner.checks import se_sources as se
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="MinimumFrameworkNotInstalled",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en=".NET Framework 4.x is older than this Exchange cumulative update needs",
        fr=("Le .NET Framework 4.x est plus ancien que ce qu'exige cette mise à jour cumulative d'Exchange"),
    ),
    remediation=Text(
        en=(
            "Install the .NET Framework version the target cumulative update supports (for example "
            "4.8 for 2016 CU15+ and 2019 CU4+, 4.8 or 4.8.1 for SE, 4.7.2 or 4.8 for 2013 CU23), restart, "
            "then scan again."
        ),
        fr=(
            "Installez la version du .NET Framework prise en charge par la mise à jour cumulative "
            "visée (par exemple 4.8 pour 2016 CU15+ et 2019 CU4+, 4.8 ou 4.8.1 pour SE, 4.7.2 ou 4.8 pour 2013 CU23), "
            "redémarrez, puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/supportability-matrix",
    facts=("dotnet.release",),
    sources=(se.NET_SUPPORT, se.NET_RELEASE),  # the Exchange SE values (scanner/checks/se_sources.py)
)

REGISTRY = r"HKLM\SOFTWARE\Microsoft\NET Framework Setup\NDP\v4\Full\Release"


def evaluate(ctx: RuleContext) -> Verdict:
    t = common.target(ctx)
    name, minimum = t.net_minimum
    release = ctx.optional("dotnet.release")
    evidence: dict[str, Any] = {
        "registry": REGISTRY,
        "target": t.label,
        "minimum": f"{name} ({minimum})",
        "supported": list(t.net_supported),
        "release": release,
    }
    if release is None:
        return ctx.failed(".NET Framework 4.x is not installed (Release value absent)", evidence)
    if int(release) < minimum:
        return ctx.failed(f".NET Framework Release {release} < {minimum} (.NET {name}) for {t.label}", evidence)
    return ctx.passed(f".NET Framework Release {release} >= {minimum} (.NET {name})", evidence)
