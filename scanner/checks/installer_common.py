"""Judgements shared by the rules about the installing account and about the preparation Setup would have to
run: the account's facts (installer.account, read from AD when --installer-account names it) and whether
the target CU's schema, organisation or domain preparation is still due.

Order matters for a useful answer: each rule first asks AD whether the privileged step is needed at all
(no installer account is needed when it is not), and only then asks about the account, so a rule is
UNKNOWN for want of --installer-account only when the account really decides.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.checks import org_common
from scanner.checks.common import target
from scanner.checks.context import FactUnavailable, RuleContext
from scanner.model.rule import Text
from scanner.model.verdict import UnknownReason, Verdict

ACCOUNT = "installer.account"


def account(ctx: RuleContext) -> Mapping[str, Any]:
    value = ctx.value(ACCOUNT)
    if not isinstance(value, Mapping):
        raise FactUnavailable(UnknownReason.FACT_UNREADABLE, ACCOUNT, f"{ACCOUNT} is not a mapping")
    return value


def label(acct: Mapping[str, Any]) -> str:
    return str(acct.get("account") or "the installer account")


def is_local_to(ctx: RuleContext, acct: Mapping[str, Any]) -> bool:
    """The account was named as a local account of this computer (HOST\\user or .\\user)."""
    prefix = str(acct.get("prefix") or "").strip().upper()
    return prefix in (".", ctx.short_name)


def schema_prep_needed(ctx: RuleContext) -> tuple[bool, dict[str, Any]]:
    """Whether /PrepareSchema is still due for the target CU (rangeUpper below the CU's)."""
    need = target(ctx).ad_levels.schema_range_upper
    found = ctx.optional("ad.exchange_schema_version")
    evidence = {"schema_range_upper": found, "needed": need}
    return not (isinstance(found, int) and found >= need), evidence


def org_prep_needed(ctx: RuleContext) -> tuple[bool, dict[str, Any]]:
    """Whether /PrepareAD is still due: no organisation, or its objectVersion below the CU's."""
    need = target(ctx).ad_levels.org_object_version
    org = ctx.optional("ad.exchange_org")
    found = org.get("object_version") if isinstance(org, Mapping) else None
    evidence = {"org_object_version": found, "needed": need}
    return not (isinstance(found, int) and found >= need), evidence


def host_domain(ctx: RuleContext) -> Mapping[str, Any]:
    """This computer's domain as AD lists it (ad.domains), matched on its DNS name: the AD domain of its
    computer object, the primary DNS suffix only for a host not found in AD (org_common.ad_domain)."""
    name = org_common.required_ad_domain(ctx)[0]
    domains = ctx.value("ad.domains")
    for d in domains if isinstance(domains, list) else []:
        if isinstance(d, Mapping) and str(d.get("dns_name") or "").rstrip(".").casefold() == name:
            return d
    raise FactUnavailable(UnknownReason.FACT_MISSING, "ad.domains",
                          f"domain {name} is not a domain of the forest exready read")



# ---- NoE1xServerWarning ---------------------------------------------------------------------------


def add_servers_first_remediation(product: str) -> Text:
    return Text(
        en=(
            f"If you still need to add {product} servers, install them before preparing Active "
            "Directory for this version; otherwise nothing to do."
        ),
        fr=(
            f"Si vous devez encore ajouter des serveurs {product}, installez-les avant de préparer"
            " Active Directory pour cette version ; sinon, rien à faire."
        ),
    )


def prep_closes_door(ctx: RuleContext, keep: tuple[str, ...], product: str) -> Verdict:
    """Setup's NoE1xServerWarning: when /PrepareAD is still due and no server whose serialNumber
    starts with one of ``keep`` exists, preparing the organisation shuts out ``product`` servers."""
    needed, evidence = org_prep_needed(ctx)
    if not needed:
        return ctx.not_applicable(
            "the organisation is already prepared for the target CU: Setup does not warn", evidence
        )
    servers = org_common.exchange_servers(ctx)
    kept = [org_common.server_label(s) for s in servers if str(s.get("serial_number") or "").startswith(keep)]
    evidence["servers"] = kept
    if kept:
        return ctx.passed(f"{len(kept)} server(s) already keep the door open", evidence)
    return ctx.warned(f"preparing the organisation now closes it to {product} servers", evidence)

# ---- Delegated<Role>FirstInstall ------------------------------------------------------------------

FIRST_INSTALL_REMEDIATION = Text(
    en=(
        "Install this first server with an account in Organization Management or Enterprise "
        "Admins; later servers can be installed by delegated administrators."
    ),
    fr=(
        "Installez ce premier serveur avec un compte membre de Organization Management ou des "
        "Administrateurs de l'entreprise ; les serveurs suivants peuvent être installés par des "
        "administrateurs délégués."
    ),
)


def first_install_by_org_admin(ctx: RuleContext, bit: int, role_name: str) -> Verdict:
    """Setup's Delegated<Role>FirstInstall: when no server with ``bit`` in msExchCurrentServerRoles is
    at the target version or later, the installing account must be in Organization Management or
    Enterprise Admins. The account is read only when this is the first such server."""
    t = target(ctx)
    same_or_newer = [
        s
        for s in org_common.exchange_servers(ctx)
        if int(s.get("roles") or 0) & bit and (org_common.server_version_number(s) or 0) >= t.version_number
    ]
    evidence: dict[str, Any] = {
        "target": t.label,
        "role_bit": bit,
        "servers": [org_common.server_label(s) for s in same_or_newer],
    }
    if same_or_newer:
        return ctx.passed(f"not the first {role_name} server at {t.label} or later", evidence)
    acct = account(ctx)
    evidence.update(
        {
            "account": label(acct),
            "organization_management": acct.get("organization_management"),
            "enterprise_admins": acct.get("enterprise_admins"),
        }
    )
    if acct.get("organization_management") or acct.get("enterprise_admins"):
        return ctx.passed(f"{label(acct)} may install the first {role_name} server", evidence)
    return ctx.failed(
        f"first {role_name} server at {t.label} or later and {label(acct)} is neither in "
        "Organization Management nor an Enterprise Admin",
        evidence,
    )
