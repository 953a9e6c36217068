"""Forest functional level below Windows Server 2003: msDS-Behavior-Version of CN=Partitions below 2."""

from __future__ import annotations

from scanner.checks import forest_levels
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="ForestLevelNotWin2003Native",
    severity=Severity.ERROR,
    scope=Scope.ORG,
    versions=("2013", "2016", "2019", "SE"),
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

MINIMUM_LEVEL = forest_levels.WIN2003


def evaluate(ctx: RuleContext) -> Verdict:
    level, evidence = forest_levels.forest_level(ctx)
    if level < MINIMUM_LEVEL:
        return ctx.failed(
            f"forest functional level {level} ({forest_levels.level_name(level)}) < {MINIMUM_LEVEL} "
            f"({forest_levels.level_name(MINIMUM_LEVEL)})",
            evidence,
        )
    return ctx.passed(f"forest functional level {level} ({forest_levels.level_name(level)})", evidence)
