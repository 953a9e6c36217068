"""Exchange 2016 and 2019 Setup check the directory's functional level (msDS-Behavior-Version) against the
level the version needs.

Seen: the rule name, type Error, in the 2016 CU19 and 2019 CU8 Setup logs of CSS-Exchange
(Setup/Tests/PrerequisiteCheck/ExchangeSetup_Reboot_Pending.log for 2016, ExchangeSetup_NoPerm.log and
ExchangeSetup_SchemaAdmin_PrepareSchema.log for 2019). It reads two settings: MsDSBehaviorVersion (the
forest's, 4 in the 2016 log and 7 in the 2019 logs) and MsDSBehaviorVersionDomain; the rule evaluated False
in all three, including the 2016 run in a Windows Server 2008 R2 forest (4) and runs where the domain read
failed ("There is no such object on the server"), so Setup judges on the forest level when the domain's
cannot be read.
Documented: the forest functional level Microsoft requires, Windows Server 2008 R2 for Exchange 2016 (from
CU7; Windows Server 2003 before) and Windows Server 2012 R2 for Exchange 2019 (system requirements).
Inferred: the threshold is that documented level. A domain's functional level is never below its forest's,
so the forest level decides whenever it is known; exready judges it alone, as Setup does when the domain
read fails.
"""

from __future__ import annotations

from scanner.checks import forest_levels
from scanner.checks.common import target
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="MsDSBehaviorVersionRequirement",
    severity=Severity.ERROR,
    scope=Scope.ORG,
    versions=("2016", "2019", "SE"),
    title=Text(
        en="The Active Directory functional level is below what this Exchange version requires",
        fr="Le niveau fonctionnel d'Active Directory est inférieur à celui qu'exige cette version d'Exchange",
    ),
    remediation=Text(
        en="Raise the forest functional level to the level the Exchange version needs (Windows Server 2008 R2 "
        "for Exchange 2016, Windows Server 2012 R2 for Exchange 2019 and SE), once every domain controller allows it.",
        fr="Relevez le niveau fonctionnel de la forêt à celui qu'exige la version d'Exchange (Windows Server "
        "2008 R2 pour Exchange 2016, Windows Server 2012 R2 pour Exchange 2019 et SE), une fois que tous les "
        "contrôleurs de domaine le permettent.",
    ),
    help_url=forest_levels.SYSTEM_REQUIREMENTS_2016,
    facts=("ad.forest",),
)


def evaluate(ctx: RuleContext) -> Verdict:
    goal = target(ctx)
    level, evidence = forest_levels.forest_level(ctx)
    minimum = forest_levels.required_forest_level(goal.version, goal.cu)
    evidence.update({"minimum": minimum, "target": goal.label,
                     "source": "forest msDS-Behavior-Version (a domain's level is never below it)"})
    text = f"forest functional level {level} ({forest_levels.level_name(level)})"
    needs = f"{goal.label} needs {minimum} ({forest_levels.level_name(minimum)})"
    if level < minimum:
        return ctx.failed(f"{text}: {needs}", evidence)
    return ctx.passed(f"{text}; {needs}", evidence)
