"""Active Directory functional levels (msDS-Behavior-Version) and the forest level each Exchange target
needs, shared by the forest-level rules.

Levels are the DS_BEHAVIOR_* values of [MS-ADTS] 6.1.4.2 (msDS-Behavior-Version: Forest Functional Level).
Requirements are Microsoft's "Network and directory server requirements" (system requirements pages):
Exchange 2016 needs Windows Server 2008 R2 from CU7 (the CU7 release raised it from 2003), Exchange 2019
needs Windows Server 2012 R2.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.checks.context import FactUnavailable, RuleContext
from scanner.model.verdict import UnknownReason

WIN2003 = 2
WIN2008R2 = 4
WIN2012R2 = 6

LEVEL_NAMES = {
    0: "Windows 2000",
    1: "Windows Server 2003 interim",
    2: "Windows Server 2003",
    3: "Windows Server 2008",
    4: "Windows Server 2008 R2",
    5: "Windows Server 2012",
    6: "Windows Server 2012 R2",
    7: "Windows Server 2016",
    10: "Windows Server 2025",
}

SYSTEM_REQUIREMENTS_2016 = (
    "https://learn.microsoft.com/exchange/plan-and-deploy/system-requirements?view=exchserver-2016"
    "#network-and-directory-server-requirements-for-exchange-2016"
)
SYSTEM_REQUIREMENTS_2019 = (
    "https://learn.microsoft.com/exchange/plan-and-deploy/system-requirements?view=exchserver-2019"
    "#network-and-directory-server-requirements-for-exchange-2019"
)


def level_name(level: int) -> str:
    return LEVEL_NAMES.get(level, f"level {level}")


def forest_level(ctx: RuleContext) -> tuple[int, dict[str, Any]]:
    """The forest functional level (CN=Partitions msDS-Behavior-Version) and its evidence; UNKNOWN when
    it could not be read."""
    forest: Any = ctx.value("ad.forest")
    level = forest.get("functional_level") if isinstance(forest, Mapping) else None
    if not isinstance(level, int):
        raise FactUnavailable(
            UnknownReason.FACT_UNREADABLE,
            "ad.forest",
            "the forest functional level (msDS-Behavior-Version) was not readable",
        )
    return level, {"forest": forest.get("dns_name"), "functional_level": level, "level_name": level_name(level)}


def required_forest_level(version: str, cu: int) -> int:
    """The lowest forest functional level Microsoft supports for the target."""
    if version in ("2019", "SE"):  # SE: as 2019 (its system requirements page is not in the reference set)
        return WIN2012R2
    if version == "2016":
        return WIN2008R2 if cu >= 7 else WIN2003
    return WIN2003
