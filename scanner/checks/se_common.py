"""Judgements shared by the Exchange SE rules: which product each Exchange server object in AD is (from its
version), and the builds Microsoft names for coexistence with SE and for the in-place upgrade to SE.

Values and their sources: scanner/checks/se_sources.py and scanner/facts/lifecycle.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from scanner.checks import org_common
from scanner.checks.context import RuleContext
from scanner.checks.upgrade_mode import EX2019_CU14 as EX2019_CU14  # the first 2019 CU beside/under SE
from scanner.facts.lifecycle import product_of
from scanner.facts.version import Version

EX2016_CU23 = Version.parse("15.1.2507.6")  # the last 2016 CU, the one SE coexists with
SE_RTM = Version.parse("15.2.2562.17")


def server_version(server: Mapping[str, Any]) -> Version | None:
    return Version.try_parse(server.get("version"))


def servers_with_roles(ctx: RuleContext) -> list[Mapping[str, Any]]:
    """Exchange server objects with roles (msExchCurrentServerRoles not 0), as Setup filters them."""
    return [s for s in org_common.exchange_servers(ctx) if int(s.get("roles") or 0) != 0]


def of_product(servers: Sequence[Mapping[str, Any]], product: str) -> list[Mapping[str, Any]]:
    return [s for s in servers if product_of(server_version(s)) == product]


def cu_label(version: Version | None) -> str:
    """A readable CU name for the 2016/2019 builds SE cares about (else the build itself)."""
    if version is None:
        return "version unknown"
    names: dict[tuple[int, ...], str] = {(15, 1, 2507): "Exchange 2016 CU23", (15, 2, 1544): "Exchange 2019 CU14",
             (15, 2, 1748): "Exchange 2019 CU15", (15, 2, 2562): "Exchange SE RTM"}
    key = tuple(version.parts[:3])
    return names.get(key, str(version))
