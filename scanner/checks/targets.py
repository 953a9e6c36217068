"""The install target: which Exchange version and cumulative update Setup would be, and what that
target needs from a host (supported Windows builds, minimum .NET Framework release) and from Active
Directory (schema, organisation and domain preparation levels).

Facts, not opinions: build numbers, .NET ``Release`` values, schema ``rangeUpper`` and ``objectVersion``
values are Microsoft's published numbers (supportability matrix, build list, AD preparation tables).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from scanner.errors import UsageError
from scanner.facts.version import Version

_T = TypeVar("_T")

EXCHANGE_VERSIONS: tuple[str, ...] = ("2013", "2016", "2019", "SE")

# Exchange Server Subscription Edition (SE) is the 2019 code base (15.2) under a new name: SE RTM is Exchange
# 2019 CU15 with its hotfixes and a new build number, and installs over 2019 CU14/CU15 like a CU. Its Setup
# runs the 2019 readiness rules. Sources: "Why in-place upgrade from Exchange 2019 to Exchange SE is low
# risk", https://techcommunity.microsoft.com/blog/exchange/why-%E2%80%9Cin-place-upgrade%E2%80%9D-from-exchange-2019-to-exchange-se-is-low-risk/4410173
# (Exchange Team, 2025-05-01); CSS-Exchange Shared/Get-ExchangeBuildVersionInformation.ps1 (15.2 builds from
# 2562 are SE).
SE = "SE"
SE_FIRST_BUILD = 2562  # 15.2.2562.17 = SE RTM; 2019 CU15 is 15.2.1748.10


def family(version: str) -> str:
    """The code base a target version belongs to: SE is the 2019 family."""
    return "2019" if version == SE else version


def normalize_version(text: str) -> str:
    """--exchange / exchange = as typed: "se", "SE" and "Se" all mean Exchange SE; numbers stay as they are."""
    raw = text.strip()
    return SE if raw.casefold() in ("se", "subscription") else raw

# Every published CU, RTM as 0. Index = CU number. 2013 SP1 is CU4.
_BUILDS: dict[str, tuple[str, ...]] = {
    "2013": (
        "15.0.516.32",
        "15.0.620.29",
        "15.0.712.24",
        "15.0.775.38",
        "15.0.847.32",
        "15.0.913.22",
        "15.0.995.29",
        "15.0.1044.25",
        "15.0.1076.9",
        "15.0.1104.5",
        "15.0.1130.7",
        "15.0.1156.6",
        "15.0.1178.4",
        "15.0.1210.3",
        "15.0.1236.3",
        "15.0.1263.5",
        "15.0.1293.2",
        "15.0.1320.4",
        "15.0.1347.2",
        "15.0.1365.1",
        "15.0.1367.3",
        "15.0.1395.4",
        "15.0.1473.3",
        "15.0.1497.2",
    ),
    "2016": (
        "15.1.225.42",
        "15.1.396.30",
        "15.1.466.34",
        "15.1.544.27",
        "15.1.669.32",
        "15.1.845.34",
        "15.1.1034.26",
        "15.1.1261.35",
        "15.1.1415.2",
        "15.1.1466.3",
        "15.1.1531.3",
        "15.1.1591.10",
        "15.1.1713.5",
        "15.1.1779.2",
        "15.1.1847.3",
        "15.1.1913.5",
        "15.1.1979.3",
        "15.1.2044.4",
        "15.1.2106.2",
        "15.1.2176.2",
        "15.1.2242.4",
        "15.1.2308.8",
        "15.1.2375.7",
        "15.1.2507.6",
    ),
    "2019": (
        "15.2.221.12",
        "15.2.330.5",
        "15.2.397.3",
        "15.2.464.5",
        "15.2.529.5",
        "15.2.595.3",
        "15.2.659.4",
        "15.2.721.2",
        "15.2.792.3",
        "15.2.858.5",
        "15.2.922.7",
        "15.2.986.5",
        "15.2.1118.7",
        "15.2.1258.12",
        "15.2.1544.4",
        "15.2.1748.10",
    ),
    # SE RTM, released 2025-07-01: https://learn.microsoft.com/exchange/new-features/build-numbers-and-release-dates
    # (page not in the reference set; the build and date are CSS-Exchange's Get-ExchangeBuildVersionInformation.ps1,
    # which cites that page). No SE CU had been released when that script was last updated (2026-04).
    "SE": ("15.2.2562.17",),
}

# .NET Framework 4.x Release values (HKLM\SOFTWARE\Microsoft\NET Framework Setup\NDP\v4\Full\Release):
# the lowest Release of each version, compared with >=.
NET_RELEASES: dict[str, int] = {
    "4.5": 378389,
    "4.5.1": 378675,
    "4.5.2": 379893,
    "4.6": 393295,
    "4.6.1": 394254,
    "4.6.2": 394802,
    "4.7": 460798,
    "4.7.1": 461308,
    "4.7.2": 461808,
    "4.8": 528040,
    "4.8.1": 533320,
}

# Supported .NET Framework versions per CU range (first CU, last CU, versions), from the
# supportability matrix. Setup refuses anything below the first one listed.
_NET_SUPPORT: dict[str, tuple[tuple[int, int, tuple[str, ...]], ...]] = {
    "2013": (
        (0, 3, ("4.5",)),
        (4, 12, ("4.5", "4.5.1", "4.5.2")),
        (13, 14, ("4.5", "4.5.1", "4.5.2", "4.6.1")),
        (15, 15, ("4.5.1", "4.5.2", "4.6.1", "4.6.2")),
        (16, 18, ("4.6.2",)),
        (19, 20, ("4.6.2", "4.7.1")),
        (21, 22, ("4.7.1", "4.7.2")),
        (23, 23, ("4.7.2", "4.8")),
    ),
    "2016": (
        (0, 1, ("4.5.2",)),
        (2, 2, ("4.5.2", "4.6.1")),
        (3, 4, ("4.5.2", "4.6.1", "4.6.2")),
        (5, 7, ("4.6.2",)),
        (8, 9, ("4.6.2", "4.7.1")),
        (10, 10, ("4.7.1",)),
        (11, 12, ("4.7.1", "4.7.2")),
        (13, 14, ("4.7.2", "4.8")),
        (15, 23, ("4.8",)),
    ),
    "2019": (
        (0, 1, ("4.7.2",)),
        (2, 3, ("4.7.2", "4.8")),
        (4, 15, ("4.8", "4.8.1")),
    ),
    # SE RTM: 4.8 and 4.8.1, as 2019 CU14/CU15 (Microsoft's supportability matrix for SE is not in the reference
    # set; cross-checked with https://eightwone.com/author/mdrooij/page/28/ "Exchange SE | 4.8 X | 4.8.1 X").
    "SE": ((0, 0, ("4.8", "4.8.1")),),
}


WINDOWS_BUILDS: dict[int, str] = {
    7600: "Windows Server 2008 R2",
    7601: "Windows Server 2008 R2 SP1",
    9200: "Windows Server 2012",
    9600: "Windows Server 2012 R2",
    14393: "Windows Server 2016",
    17763: "Windows Server 2019",
    20348: "Windows Server 2022",
    26100: "Windows Server 2025",
}

# Windows Server builds that can host the server roles, with the first CU that supports each.
_OS_SUPPORT: dict[str, dict[int, int]] = {
    "2013": {7601: 0, 9200: 0, 9600: 4},  # 2012 R2 from SP1 (CU4); never Windows Server 2016
    "2016": {9200: 0, 9600: 0, 14393: 3},  # Windows Server 2016 from CU3
    "2019": {17763: 0, 20348: 12, 26100: 15},  # 2022 from CU12, 2025 from CU15
    # SE RTM: Windows Server 2019, 2022 and 2025, Server Core included. Microsoft's SE system requirements page
    # is not in the reference set: 2019 and 2022 are those of 2019 CU15, whose code SE RTM is; 2025 (build
    # 26100) is named by the SE upgrade guidance and shown by SE installs on it
    # (https://www.samuraj-cz.com/en/article/exchange-server-2016-to-subscription-edition-se-migration-part-1).
    "SE": {17763: 0, 20348: 0, 26100: 0},
}


@dataclass(frozen=True, slots=True)
class AdLevels:
    """What a CU's /PrepareSchema, /PrepareAD and /PrepareDomain leave behind."""

    schema_range_upper: int  # rangeUpper of ms-Exch-Schema-Version-Pt
    org_object_version: int  # objectVersion of the organisation container
    meso_object_version: int  # objectVersion of Microsoft Exchange System Objects, per domain


# (first CU, last CU, levels): Microsoft's "Exchange Active Directory versions" tables.
_AD_LEVELS: dict[str, tuple[tuple[int, int, AdLevels], ...]] = {
    "2013": (
        (0, 0, AdLevels(15137, 15449, 13236)),
        (1, 1, AdLevels(15254, 15614, 13236)),
        (2, 2, AdLevels(15281, 15688, 13236)),
        (3, 3, AdLevels(15283, 15763, 13236)),
        (4, 4, AdLevels(15292, 15844, 13236)),
        (5, 5, AdLevels(15300, 15870, 13236)),
        (6, 6, AdLevels(15303, 15965, 13236)),
        (7, 9, AdLevels(15312, 15965, 13236)),
        (10, 21, AdLevels(15312, 16130, 13236)),
        (22, 22, AdLevels(15312, 16131, 13236)),
        (23, 23, AdLevels(15312, 16133, 13237)),
    ),
    "2016": (
        (0, 0, AdLevels(15317, 16210, 13236)),
        (1, 1, AdLevels(15323, 16211, 13236)),
        (2, 2, AdLevels(15325, 16212, 13236)),
        (3, 3, AdLevels(15326, 16212, 13236)),
        (4, 5, AdLevels(15326, 16213, 13236)),
        (6, 6, AdLevels(15330, 16213, 13236)),
        (7, 10, AdLevels(15332, 16213, 13236)),
        (11, 11, AdLevels(15332, 16214, 13236)),
        (12, 12, AdLevels(15332, 16215, 13236)),
        (13, 17, AdLevels(15332, 16217, 13237)),
        (18, 18, AdLevels(15332, 16218, 13238)),
        (19, 19, AdLevels(15333, 16219, 13239)),
        (20, 20, AdLevels(15333, 16220, 13240)),
        (21, 21, AdLevels(15334, 16221, 13241)),
        (22, 22, AdLevels(15334, 16222, 13242)),
        (23, 23, AdLevels(15334, 16223, 13243)),
    ),
    "2019": (
        (0, 0, AdLevels(17000, 16751, 13236)),
        (1, 1, AdLevels(17000, 16752, 13236)),
        (2, 6, AdLevels(17001, 16754, 13237)),
        (7, 7, AdLevels(17001, 16755, 13238)),
        (8, 8, AdLevels(17002, 16756, 13239)),
        (9, 9, AdLevels(17002, 16757, 13240)),
        (10, 10, AdLevels(17003, 16758, 13241)),
        (11, 11, AdLevels(17003, 16759, 13242)),
        (12, 12, AdLevels(17003, 16760, 13243)),
        (13, 13, AdLevels(17003, 16761, 13243)),
        (14, 14, AdLevels(17003, 16762, 13243)),
        (15, 15, AdLevels(17003, 16763, 13243)),
    ),
    # SE RTM leaves AD as 2019 CU15 does: CSS-Exchange Get-ExchangeBuildVersionInformation.ps1 ("Latest Version
    # AD Settings" of SE: schema 17003, MESO 13243, org 16763), citing
    # https://learn.microsoft.com/exchange/plan-and-deploy/prepare-ad-and-domains (not in the reference set).
    "SE": ((0, 0, AdLevels(17003, 16763, 13243)),),
}


@dataclass(frozen=True, slots=True)
class Target:
    """One Exchange version at one cumulative update."""

    version: str  # "2013", "2016", "2019", "SE"
    cu: int  # 0 = RTM

    @property
    def family(self) -> str:
        """The code base: "2019" for SE, else the version itself."""
        return family(self.version)

    @property
    def label(self) -> str:
        return f"Exchange {self.version} {'RTM' if self.cu == 0 else f'CU{self.cu}'}"

    @property
    def build(self) -> Version:
        return Version.parse(_BUILDS[self.version][self.cu])

    @property
    def version_number(self) -> int:
        """The AD versionNumber encoding of this build (major.minor.build; rollups are not encoded)."""
        b = self.build
        return 0x70008000 | (b.major & 63) << 22 | (b.minor & 63) << 16 | (b.build & 0x7FFF)

    @property
    def net_supported(self) -> tuple[str, ...]:
        return _in_range(_NET_SUPPORT[self.version], self.cu)

    @property
    def net_minimum(self) -> tuple[str, int]:
        """The lowest supported .NET version for this CU and its Release value."""
        name = self.net_supported[0]
        return name, NET_RELEASES[name]

    @property
    def supported_builds(self) -> dict[int, str]:
        """Windows Server builds that can host this CU's server roles."""
        return {b: WINDOWS_BUILDS[b] for b, first in _OS_SUPPORT[self.version].items() if self.cu >= first}

    def first_cu_for_build(self, build: int) -> int | None:
        """The first CU of this version that supports that Windows build, or None if none does."""
        return _OS_SUPPORT[self.version].get(build)

    @property
    def ad_levels(self) -> AdLevels:
        return _in_range(_AD_LEVELS[self.version], self.cu)

    def at_least(self, version: str, cu: int) -> bool:
        """True when this target is ``version`` at CU ``cu`` or later (other versions: False)."""
        return self.version == version and self.cu >= cu


def latest_cu(version: str) -> int:
    return len(_BUILDS[version]) - 1


def make_target(version: str, cu: int | None = None) -> Target:
    """The target for --exchange/--cu. A bad value is a UsageError (one line, exit 3)."""
    version = normalize_version(version)
    if version not in EXCHANGE_VERSIONS:
        raise UsageError(f"--exchange must be one of {', '.join(EXCHANGE_VERSIONS)}, not {version!r}")
    last = latest_cu(version)
    if cu is None:
        return Target(version, last)
    if not 0 <= cu <= last:
        raise UsageError(f"--cu for Exchange {version} must be between 0 (RTM) and {last}, not {cu}")
    return Target(version, cu)


def parse_cu(text: str) -> int:
    """Accept '23', 'CU23', 'cu23' or 'RTM'."""
    raw = text.strip().upper()
    if raw == "RTM":
        return 0
    if raw.startswith("CU"):
        raw = raw[2:]
    if raw == "SP1":
        return 4
    if not raw.isdigit():
        raise UsageError(f"--cu must be a number such as 23, CU23 or RTM, not {text!r}")
    return int(raw)


def _in_range(table: tuple[tuple[int, int, _T], ...], cu: int) -> _T:
    for first, last, value in table:
        if first <= cu <= last:
            return value
    raise ValueError(f"no entry for CU {cu}")  # unreachable for a Target built by make_target
