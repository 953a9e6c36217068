"""Whether Setup would run in Upgrade mode on a host rather than Install mode: Exchange SE installed over
Exchange 2019 CU14 or CU15 is an in-place upgrade, run like a cumulative update (Setup /Mode:Upgrade;
Microsoft's SE upgrade guidance, scanner/checks/se_sources.py IN_PLACE). Setup's Install-mode-only rules
(the <Role>AlreadyExists family, ClusSvcInstalledRoleBlock: modes [Install] in setup_rules.yaml) are not
run then.

The installed build is the highest ConfiguredVersion of the role keys under
HKLM\\SOFTWARE\\Microsoft\\ExchangeServer\\v15 (what Setup reads back after an installation).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.checks.context import FactUnavailable, RuleContext
from scanner.facts.lifecycle import product_of
from scanner.facts.version import Version
from scanner.model.verdict import UnknownReason, Verdict

EX2019_CU14 = Version.parse("15.2.1544.4")  # the first 2019 CU SE installs over


def configured_build(ctx: RuleContext) -> tuple[Version | None, list[dict[str, Any]]]:
    """The highest configured role version under v15 (None: no role configured), and the keys read."""
    roles = ctx.optional("exchange.v15.roles") or []
    if not isinstance(roles, list):
        raise FactUnavailable(UnknownReason.FACT_UNREADABLE, "exchange.v15.roles", "exchange.v15.roles is not a list")
    keys: list[dict[str, Any]] = []
    best: Version | None = None
    for r in roles:
        if not isinstance(r, Mapping):
            continue
        configured = Version.try_parse(r.get("configured_version"))
        keys.append({"key": r.get("key"), "configured_version": r.get("configured_version")})
        if configured is not None and (best is None or configured > best):
            best = configured
    return best, keys


def se_in_place_from(ctx: RuleContext) -> Version | None:
    """The Exchange 2019 CU14/CU15 build SE would be installed over on this host, or None (another target,
    no such installation, or role keys that could not be read: then the Install-mode rule judges as usual)."""
    if ctx.exchange_version != "SE":
        return None
    try:
        build, _ = configured_build(ctx)
    except FactUnavailable:
        return None
    if build is not None and product_of(build) == "Exchange 2019" and build >= EX2019_CU14:
        return build
    return None


def install_mode_only(ctx: RuleContext) -> Verdict | None:
    """NOT_APPLICABLE for an Install-mode-only rule on a host SE upgrades in place, else None."""
    build = se_in_place_from(ctx)
    if build is None:
        return None
    return ctx.not_applicable(
        f"Exchange 2019 {build} is installed: Exchange SE is installed over it in place (Setup's Upgrade "
        "mode), where Setup does not run this Install-mode rule",
        {"installed": str(build), "mode": "Upgrade", "registry": r"HKLM\SOFTWARE\Microsoft\ExchangeServer\v15"},
    )
