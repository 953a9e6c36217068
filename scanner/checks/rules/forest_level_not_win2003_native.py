"""Forest functional level below Windows Server 2003: msDS-Behavior-Version of CN=Partitions below 2."""

from __future__ import annotations

from typing import Any

from scanner.checks.context import FactUnavailable, RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import UnknownReason, Verdict

META = RuleMeta(
    id="ForestLevelNotWin2003Native",
    severity=Severity.ERROR,
    scope=Scope.ORG,
    versions=("2013", "2016", "2019"),
    title=Text(
        en="The Active Directory forest functional level is below Windows Server 2003",
        fr="Le niveau fonctionnel de la forêt Active Directory est inférieur à Windows Server 2003",
    ),
    remediation=Text(
        en="Raise the forest functional level to Windows Server 2003 or later (Active Directory Domains and "
        "Trusts), after every domain controller runs a version that supports it.",
        fr="Relevez le niveau fonctionnel de la forêt à Windows Server 2003 ou plus (Domaines et "
        "approbations Active Directory), une fois que tous les contrôleurs de domaine le permettent.",
    ),
    help_url="https://learn.microsoft.com/exchange/active-directory-functional-level-isn-t-windows-server-2003-or"
    "-later-exchange-2013-help",
    facts=("ad.forest",),
)

MINIMUM_LEVEL = 2  # DS_BEHAVIOR_WIN2003
LEVEL_NAMES = {
    0: "Windows 2000",
    1: "Windows Server 2003 interim",
    2: "Windows Server 2003",
    3: "Windows Server 2008",
    4: "Windows Server 2008 R2",
    5: "Windows Server 2012",
    6: "Windows Server 2012 R2",
    7: "Windows Server 2016",
}


def level_name(level: int) -> str:
    return LEVEL_NAMES.get(level, f"level {level}")


def evaluate(ctx: RuleContext) -> Verdict:
    forest: Any = ctx.value("ad.forest")
    level = forest.get("functional_level") if isinstance(forest, dict) else None
    if not isinstance(level, int):
        raise FactUnavailable(
            UnknownReason.FACT_UNREADABLE,
            "ad.forest",
            "the forest functional level (msDS-Behavior-Version) was not readable",
        )
    evidence = {"forest": forest.get("dns_name"), "functional_level": level, "level_name": level_name(level)}
    if level < MINIMUM_LEVEL:
        return ctx.failed(
            f"forest functional level {level} ({level_name(level)}) < {MINIMUM_LEVEL} "
            f"({level_name(MINIMUM_LEVEL)})",
            evidence,
        )
    return ctx.passed(f"forest functional level {level} ({level_name(level)})", evidence)
