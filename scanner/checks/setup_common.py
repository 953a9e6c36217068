"""Judgements shared by the Setup rules on Windows Server 2008 R2 prerequisites and on the Exchange role
keys of this server (HKLM\\SOFTWARE\\Microsoft\\ExchangeServer\\v15\\<role>)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from scanner.checks import common
from scanner.checks.common import Builds
from scanner.checks.context import FactUnavailable, RuleContext
from scanner.facts.version import Version
from scanner.model.rule import Text
from scanner.model.verdict import UnknownReason, Verdict

ONLY_2008R2 = Builds(common.is_nt61, "Windows Server 2008 R2")
V15_KEY = r"HKLM\SOFTWARE\Microsoft\ExchangeServer\v15"
PREREQUISITES_2013 = "https://learn.microsoft.com/exchange/exchange-2013-prerequisites-exchange-2013-help"


def add_2008r2_feature_remediation(feature: str) -> Text:
    return Text(
        en=f"Add the {feature} feature (Import-Module ServerManager; Add-WindowsFeature {feature}), then scan "
        "again.",
        fr=f"Ajoutez la fonctionnalité {feature} (Import-Module ServerManager; Add-WindowsFeature {feature}), "
        "puis relancez l'analyse.",
    )


def _roles(ctx: RuleContext) -> list[Mapping[str, Any]]:
    roles = ctx.optional("exchange.v15.roles") or []
    if not isinstance(roles, list):
        raise FactUnavailable(UnknownReason.FACT_UNREADABLE, "exchange.v15.roles", "exchange.v15.roles is not a list")
    return [r for r in roles if isinstance(r, Mapping)]


def role_key(ctx: RuleContext, names: Sequence[str]) -> Mapping[str, Any] | None:
    """The first of ``names`` (a role key and its older fallback name) present under v15, or None."""
    by_name = {str(r.get("key") or "").casefold(): r for r in _roles(ctx)}
    for name in names:
        if name.casefold() in by_name:
            return by_name[name.casefold()]
    return None


def judge_min_version(ctx: RuleContext, names: Sequence[str], role: str) -> Verdict:
    """Setup's <Role>MinVersionCheck in Install mode: fail when the role's key shows this build or a later
    one both unpacked and configured (the role is already installed at that level)."""
    build = common.target(ctx).build
    key = role_key(ctx, names)
    evidence: dict[str, Any] = {"registry": f"{V15_KEY}\\{'|'.join(names)}", "target_build": str(build)}
    if key is None:
        return ctx.passed(f"no {role} role key: the role is not installed", evidence)
    unpacked, configured = key.get("unpacked_version"), key.get("configured_version")
    evidence.update({"key": key.get("key"), "unpacked_version": unpacked, "configured_version": configured})
    if not unpacked:
        return ctx.passed(f"the {role} role key has no UnpackedVersion", evidence)
    found = Version.try_parse(unpacked)
    if found is None:
        raise FactUnavailable(UnknownReason.FACT_UNREADABLE, "exchange.v15.roles",
                              f"UnpackedVersion of {key.get('key')} is not a version: {unpacked!r}")
    if found >= build and str(unpacked).strip() == str(configured or "").strip():
        return ctx.failed(f"the {role} role is already installed at {unpacked} (target {build})", evidence)
    if found >= build:
        return ctx.passed(f"{role} {unpacked} is unpacked but not configured: Setup resumes it", evidence)
    return ctx.passed(f"{role} {unpacked} is older than {build}: an upgrade, not a new install", evidence)
