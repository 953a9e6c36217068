"""Which Exchange product a server build is, and whether Microsoft still supports it.

Builds: 15.0 is Exchange 2013, 15.1 is 2016, 15.2 below build 2562 is 2019, 15.2 from build 2562 (SE RTM,
15.2.2562.17) is Exchange Server Subscription Edition; 14.x is 2010, 8.x is 2007, 6.x is 2000/2003.
End of support (the extended support end dates in Microsoft's CSS-Exchange build table,
https://github.com/microsoft/CSS-Exchange/blob/main/Shared/Get-ExchangeBuildVersionInformation.ps1; the 2007 and
2010 dates are Microsoft's lifecycle dates): SE follows the Modern Lifecycle Policy, supported while current.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from scanner.facts.version import Version

SE_FIRST_BUILD = 2562

# product -> last day of extended support (None: Modern Lifecycle, supported while kept current)
END_OF_SUPPORT: dict[str, date | None] = {
    "Exchange 2000/2003": date(2014, 4, 8),
    "Exchange 2007": date(2017, 4, 11),
    "Exchange 2010": date(2020, 10, 13),
    "Exchange 2013": date(2023, 4, 11),
    "Exchange 2016": date(2025, 10, 14),
    "Exchange 2019": date(2025, 10, 14),
    "Exchange SE": None,
}


@dataclass(frozen=True, slots=True)
class Lifecycle:
    product: str  # "Exchange 2016", "Exchange SE", ...
    end_of_support: date | None  # None: Modern Lifecycle (SE)
    supported: bool  # on the day asked

    def as_fact(self) -> dict[str, object]:
        return {
            "product": self.product,
            "end_of_support": self.end_of_support.isoformat() if self.end_of_support else None,
            "supported": self.supported,
        }


def product_of(version: Version | None) -> str | None:
    """The Exchange product of a server version (major.minor.build), None when unknown."""
    if version is None or len(version.parts) < 2:
        return None
    major, minor = version.parts[0], version.parts[1]
    build = version.parts[2] if len(version.parts) > 2 else 0
    if major == 15:
        if minor == 2:
            return "Exchange SE" if build >= SE_FIRST_BUILD else "Exchange 2019"
        return {0: "Exchange 2013", 1: "Exchange 2016"}.get(minor)
    return {14: "Exchange 2010", 8: "Exchange 2007", 6: "Exchange 2000/2003"}.get(major)


def lifecycle(version: Version | None, on: date) -> Lifecycle | None:
    """The product and its support status on day ``on``; None for a version that is no known product."""
    product = product_of(version)
    if product is None:
        return None
    end = END_OF_SUPPORT[product]
    return Lifecycle(product, end, end is None or on <= end)
