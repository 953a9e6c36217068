"""Exchange 2019 Setup stops when the forest functional level is below Windows Server 2012 R2.

Documented: Microsoft's Exchange 2019 system requirements ("The Active Directory forest functional level
is Windows Server 2012 R2 or higher"). Seen: the rule name, type Error, in the Exchange 2019 CU8 Setup
logs of CSS-Exchange (Setup/Tests/PrerequisiteCheck/ExchangeSetup_NoPerm.log, a Mailbox run, and
ExchangeSetup_SchemaAdmin_PrepareSchema.log), evaluated False in a forest whose MsDSBehaviorVersion is 7;
those 2019 logs no longer evaluate ForestLevelNotWin2003Native. Inferred: the test is the forest's
msDS-Behavior-Version below 6 (DS_BEHAVIOR_WIN2012R2), as the name and the requirement say; Setup's code
for it has not been seen.
"""

from __future__ import annotations

from scanner.checks import forest_levels
from scanner.checks import se_sources as se
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="ForestLevelNotWin2012R2",
    severity=Severity.ERROR,
    scope=Scope.ORG,
    versions=("2019", "SE"),
    title=Text(
        en="The Active Directory forest functional level is below Windows Server 2012 R2",
        fr="Le niveau fonctionnel de la forêt Active Directory est inférieur à Windows Server 2012 R2",
    ),
    remediation=Text(
        en="Raise the forest functional level to Windows Server 2012 R2 or later (Active Directory Domains and "
        "Trusts, or Set-ADForestMode), once every domain controller runs Windows Server 2012 R2 or later.",
        fr="Relevez le niveau fonctionnel de la forêt à Windows Server 2012 R2 ou plus (Domaines et "
        "approbations Active Directory, ou Set-ADForestMode), une fois que tous les contrôleurs de domaine "
        "exécutent Windows Server 2012 R2 ou plus.",
    ),
    help_url=forest_levels.SYSTEM_REQUIREMENTS_2019,
    facts=("ad.forest",),
    sources=(se.FOREST_LEVEL,),  # the Exchange SE values (scanner/checks/se_sources.py)
)


def evaluate(ctx: RuleContext) -> Verdict:
    level, evidence = forest_levels.forest_level(ctx)
    minimum = forest_levels.WIN2012R2
    evidence["minimum"] = minimum
    text = f"forest functional level {level} ({forest_levels.level_name(level)})"
    if level < minimum:
        return ctx.failed(f"{text} < {minimum} ({forest_levels.level_name(minimum)})", evidence)
    return ctx.passed(text, evidence)
