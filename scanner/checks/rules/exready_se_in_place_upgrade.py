"""Whether Exchange SE can be installed on this server, and how: Microsoft supports an in-place upgrade to SE
(Setup run over the existing installation, like a cumulative update) from Exchange 2019 CU14 or CU15 only.
Exchange 2016, Exchange 2013 and Exchange 2019 before CU14 cannot be upgraded in place: SE goes on a new
server and the mailboxes move to it (a legacy upgrade). A server with no Exchange is a new installation.

The installed build is the highest ConfiguredVersion of the role keys under
HKLM\\SOFTWARE\\Microsoft\\ExchangeServer\\v15 (what Setup itself reads back); when the keys show nothing and AD
was read, the Exchange server object named like this computer is the fallback.
"""

from __future__ import annotations

from typing import Any

from scanner.checks import org_common, se_common
from scanner.checks import se_sources as se
from scanner.checks.context import RuleContext
from scanner.checks.upgrade_mode import configured_build
from scanner.facts.lifecycle import product_of
from scanner.facts.version import Version
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="ExreadySeInPlaceUpgrade",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("SE",),
    title=Text(
        en="The Exchange installed on this server cannot be upgraded in place to Exchange SE",
        fr="L'Exchange installé sur ce serveur ne peut pas être mis à niveau sur place vers Exchange SE",
    ),
    remediation=Text(
        en="Exchange 2019 before CU14: install CU14 or CU15 first, then Exchange SE over it. Exchange 2016 or "
        "2013: install Exchange SE on a new server (Windows Server 2019, 2022 or 2025), move the mailboxes "
        "and resources to it, then uninstall the old server.",
        fr="Exchange 2019 antérieur à CU14 : installez d'abord CU14 ou CU15, puis Exchange SE par-dessus. "
        "Exchange 2016 ou 2013 : installez Exchange SE sur un nouveau serveur (Windows Server 2019, 2022 ou "
        "2025), déplacez-y les boîtes aux lettres et ressources, puis désinstallez l'ancien serveur.",
    ),
    help_url=se.UPGRADE_TO_SE,
    facts=("exchange.v15.roles", "ad.exchange_servers"),
    sources=(se.IN_PLACE, se.BUILD),
)

V15_KEY = r"HKLM\SOFTWARE\Microsoft\ExchangeServer\v15"


def _ad_build(ctx: RuleContext) -> tuple[Version | None, str | None]:
    """The version of the AD server object named like this computer (None: none, or AD not read)."""
    if not ctx.has_ad:
        return None, None
    name = ctx.short_name
    match = next((s for s in org_common.exchange_servers(ctx) if str(s.get("name") or "").upper() == name), None)
    if match is None:
        return None, None
    return se_common.server_version(match), str(match.get("dn"))


def evaluate(ctx: RuleContext) -> Verdict:
    build, keys = configured_build(ctx)
    evidence: dict[str, Any] = {"registry": V15_KEY, "role_keys": keys, "in_place_from": ["Exchange 2019 CU14",
                                                                                         "Exchange 2019 CU15"]}
    source = "v15 role keys"
    if build is None:
        build, dn = _ad_build(ctx)
        if build is not None:
            source = f"AD server object {dn}"
    evidence["installed"] = str(build) if build is not None else None
    evidence["installed_from"] = source if build is not None else None
    if build is None:
        evidence["path"] = "new installation"
        return ctx.passed("no Exchange installed on this server: Exchange SE is a new installation", evidence)
    product = product_of(build)
    evidence["product"] = product
    label = se_common.cu_label(build)
    if product == "Exchange SE":
        evidence["path"] = "already SE"
        return ctx.passed(f"{label} is installed: already Exchange SE (apply SE updates in place)", evidence)
    if product == "Exchange 2019" and build >= se_common.EX2019_CU14:
        evidence["path"] = "in-place upgrade"
        return ctx.passed(f"{label} ({build}) is installed: Exchange SE can be installed in place over it",
                          evidence)
    if product == "Exchange 2019":
        evidence["path"] = "update to CU14/CU15 first, or new server"
        return ctx.failed(f"Exchange 2019 {build} is older than CU14: no in-place upgrade to SE from it", evidence)
    evidence["path"] = "new server (legacy upgrade)"
    return ctx.failed(f"{product or 'Exchange'} {build} is installed: SE cannot be installed in place over it; "
                      "install SE on a new server and move the mailboxes", evidence)
