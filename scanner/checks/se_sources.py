"""Where each Exchange Server Subscription Edition (SE) value exready compares with comes from.

Microsoft's SE pages for system requirements, prerequisites, Active Directory preparation and build numbers
are not in the reference set exready was built from; where a value had to come from elsewhere (Microsoft's
CSS-Exchange support scripts, the Exchange Team blog, an SE install seen on a real host) or is inferred from
the Exchange 2019 CU15 value, the source says so. Values only: the rule text is exready's own.
"""

from __future__ import annotations

from scanner.model.rule import Source, SourceStatus

CSS_BUILDS = "https://github.com/microsoft/CSS-Exchange/blob/main/Shared/Get-ExchangeBuildVersionInformation.ps1"
CSS_OS_ANALYZER = (
    "https://github.com/microsoft/CSS-Exchange/blob/main/Diagnostics/HealthChecker/Analyzer/"
    "Invoke-AnalyzerOsInformation.ps1"
)
UPGRADE_TO_SE = "https://learn.microsoft.com/exchange/plan-and-deploy/deploy-new-installations/upgrade-to-exchange-server-se"
IN_PLACE_LOW_RISK = (
    "https://techcommunity.microsoft.com/blog/exchange/"
    "why-%E2%80%9Cin-place-upgrade%E2%80%9D-from-exchange-2019-to-exchange-se-is-low-risk/4410173"
)
PREREQUISITES_2019 = "https://learn.microsoft.com/exchange/plan-and-deploy/prerequisites?view=exchserver-2019"
SYSTEM_REQUIREMENTS_2019 = "https://learn.microsoft.com/exchange/plan-and-deploy/system-requirements?view=exchserver-2019"
WINDOWS_SERVER_RELEASES = "https://learn.microsoft.com/windows/release-health/windows-server-release-info"
NET_RELEASES = (
    "https://learn.microsoft.com/dotnet/framework/migration-guide/how-to-determine-which-versions-are-installed"
)
NOT_IN_SET = "Microsoft's SE page for this value is not in the reference set"

BUILD = Source(
    "Exchange SE RTM is build 15.2.2562.17, released 2025-07-01; 15.2 builds from 2562 on are SE",
    CSS_BUILDS,
    SourceStatus.SETUP,
    f"{NOT_IN_SET} (learn.microsoft.com/exchange/new-features/build-numbers-and-release-dates); the values "
    "are those of Microsoft's CSS-Exchange build table, which cites that page. No SE CU was listed there "
    "by April 2026, so --cu accepts RTM (0) only.",
)
CODE_BASE = Source(
    "SE RTM is the Exchange 2019 CU15 code base: its Setup runs the 2019 readiness rules",
    IN_PLACE_LOW_RISK,
    SourceStatus.INFERRED,
    "The Exchange Team states that SE RTM changes nothing but the build number, branding and licence terms "
    "compared with 2019 CU15 and its hotfixes; that its Setup therefore runs the 2019 CU15 readiness rules "
    "with the same thresholds is exready's inference.",
)
OS_SUPPORT = Source(
    "SE RTM runs on Windows Server 2019 (build 17763), 2022 (20348) and 2025 (26100), Desktop Experience or "
    "Server Core",
    UPGRADE_TO_SE,
    SourceStatus.INFERRED,
    f"{NOT_IN_SET} (system-requirements?view=exchserver-se). The SE upgrade guidance names Windows Server "
    "2025 as a target of new SE servers, and SE installs on it are reported "
    "(https://www.samuraj-cz.com/en/article/exchange-server-2016-to-subscription-edition-se-migration-part-1); "
    "2019, 2022 and Server Core are those of Exchange 2019 CU15, whose code SE RTM is.",
)
BUILD_2025 = Source("Windows Server 2025 is build 26100 (version 24H2)", WINDOWS_SERVER_RELEASES)
NET_SUPPORT = Source(
    "SE RTM supports .NET Framework 4.8 and 4.8.1; Setup refuses a Release below 528040 (4.8)",
    "https://eightwone.com/author/mdrooij/page/28/",
    SourceStatus.CONTRADICTORY,
    f"{NOT_IN_SET} (supportability matrix). The Exchange MVP table linked lists 4.8 and 4.8.1 for SE RTM but "
    "4.8.1 only for Exchange 2019 CU14/CU15, whose code SE RTM is; Microsoft's HealthChecker recommends 4.8.1 "
    f"for 2019 CU14+ and SE except on Windows Server 2019 ({CSS_OS_ANALYZER}), where 4.8.1 does not install. "
    "exready accepts 4.8 (Release 528040) as the minimum, as the SE row says; Setup's own threshold is not "
    "published.",
)
NET_RELEASE = Source(".NET Framework 4.8 is Release 528040 or later, 4.8.1 is 533320 or later", NET_RELEASES)
URL_REWRITE = Source(
    "SE RTM needs the IIS URL Rewrite Module (2.1) on the Mailbox role",
    PREREQUISITES_2019,
    SourceStatus.INFERRED,
    f"{NOT_IN_SET} (prerequisites?view=exchserver-se). Exchange 2019 needs it from CU11; SE RTM is 2019 CU15 "
    "code.",
)
VISUAL_CPP = Source(
    "SE RTM needs the Visual C++ 2013 runtime on the Mailbox role and the Visual C++ 2012 runtime on Edge "
    "Transport",
    PREREQUISITES_2019,
    SourceStatus.INFERRED,
    f"{NOT_IN_SET} (prerequisites?view=exchserver-se); these are the Exchange 2019 CU15 prerequisites.",
)
UCMA = Source(
    "SE RTM needs the Unified Communications Managed API 4.0 Core Runtime on the Mailbox role",
    PREREQUISITES_2019,
    SourceStatus.INFERRED,
    f"{NOT_IN_SET} (prerequisites?view=exchserver-se); this is an Exchange 2019 CU15 prerequisite.",
)
AD_LEVELS = Source(
    "SE RTM prepares AD to schema rangeUpper 17003, organisation objectVersion 16763, Microsoft Exchange "
    "System Objects objectVersion 13243 (as 2019 CU15)",
    CSS_BUILDS,
    SourceStatus.SETUP,
    f"{NOT_IN_SET} (prepare-ad-and-domains); the values are those of Microsoft's CSS-Exchange table, "
    "cross-checked with https://mxlit.com/posts/kb-00033.",
)
FOREST_LEVEL = Source(
    "SE RTM needs the forest functional level Windows Server 2012 R2 or higher",
    SYSTEM_REQUIREMENTS_2019,
    SourceStatus.INFERRED,
    f"{NOT_IN_SET} (system-requirements?view=exchserver-se); this is the Exchange 2019 requirement.",
)
SERVER_CORE = Source(
    "SE RTM can be installed on Server Core",
    SYSTEM_REQUIREMENTS_2019,
    SourceStatus.INFERRED,
    f"{NOT_IN_SET}; Exchange 2019 supports Server Core and SE RTM is its CU15 code.",
)
BLOCKS_2013 = Source(
    "SE RTM Setup prevents coexistence with Exchange 2013 (any Exchange 2013 server in the organisation)",
    UPGRADE_TO_SE,
    SourceStatus.DOCUMENTED,
    "The page states the block; the name of the Setup readiness rule behind it is not published, so exready "
    "judges it under its own id.",
)
SUPPORTED_COEXISTENCE = Source(
    "SE coexists with Exchange 2016 CU23 and Exchange 2019 CU14 or CU15; SE CU2 Setup will refuse every "
    "version out of support when it ships",
    UPGRADE_TO_SE,
    SourceStatus.UNDOCUMENTED,
    "The minimum builds are Microsoft's supported coexistence (Exchange Team, 'Upgrading your organization "
    "from current versions to Exchange Server SE', not in the reference set; repeated by "
    "https://www.otsnews.co.uk/how-to-prepare-your-infrastructure-for-exchange-server-se/). Whether SE RTM "
    "Setup stops below them is not documented: Microsoft documents only the Exchange 2013 block for RTM, so "
    "exready warns instead of blocking.",
)
IN_PLACE = Source(
    "Exchange SE installs in place over Exchange 2019 CU14 or CU15 only; Exchange 2016 (and 2019 before "
    "CU14) needs new SE servers and mailbox moves (a legacy upgrade)",
    UPGRADE_TO_SE,
)
LIFECYCLE = Source(
    "Exchange 2013 left support on 2023-04-11, Exchange 2016 and 2019 on 2025-10-14; SE follows the Modern "
    "Lifecycle Policy (supported while it is kept current)",
    CSS_BUILDS,
    SourceStatus.SETUP,
    "The dates are the extended support end dates in Microsoft's CSS-Exchange build table (Microsoft "
    "Lifecycle pages not in the reference set); https://practical365.com/exchange-server-subscription-edition-jaap "
    "repeats the 2025-10-14 date.",
)
