"""Judgements shared by the rules that read Active Directory: Exchange server objects by version, the
versionNumber encoding Setup compares, and "is this role already in AD for this computer", combined
with the local v15 registry key so that a stale AD object is told apart from a real installation.

Every read goes through the RuleContext: without AD the org facts raise NEEDS_AD, an unreadable fact
raises FACT_UNREADABLE, never a pass.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from scanner.checks.context import FactUnavailable, RuleContext
from scanner.checks.upgrade_mode import install_mode_only
from scanner.facts.version import Version
from scanner.model.rule import Text
from scanner.model.verdict import UnknownReason, Verdict

LEGACY_SERIAL = "Version 6."  # Exchange 2000 ("Version 6.0") and 2003 ("Version 6.5")
SERIAL_2007 = "Version 8."
SERIAL_2010 = "Version 14."
SERIAL_2013 = "Version 15.0"


def encode_version(major: int, minor: int, build: int) -> int:
    """AD versionNumber: 0x70008000 | major<<22 | minor<<16 | build (rollups are not encoded)."""
    return 0x70008000 | (major & 63) << 22 | (minor & 63) << 16 | (build & 0x7FFF)


def exchange_servers(ctx: RuleContext) -> list[Mapping[str, Any]]:
    """ad.exchange_servers (an empty list when the organisation has none)."""
    servers = ctx.optional("ad.exchange_servers") or []
    if not isinstance(servers, list):
        raise FactUnavailable(
            UnknownReason.FACT_UNREADABLE, "ad.exchange_servers", "ad.exchange_servers is not a list"
        )
    return [s for s in servers if isinstance(s, Mapping)]


def has_org(ctx: RuleContext) -> bool:
    """True when AD holds an Exchange organisation (ad.exchange_org present)."""
    return ctx.optional("ad.exchange_org") is not None


def dns_from_dn(dn: str) -> str:
    """contoso.test from CN=EX01,OU=Servers,DC=contoso,DC=test."""
    return ".".join(p.split("=", 1)[1].strip() for p in dn.split(",") if p.strip().upper().startswith("DC="))


def ad_domain(ctx: RuleContext) -> tuple[str | None, dict[str, Any]]:
    """The computer's Active Directory domain, lower case, and where it was read. The computer object's DN
    (ad.computers, as discovery found it) names the domain that holds the account; the primary DNS suffix
    (computer.domain, Tcpip\\Parameters\\Domain) is only the fallback for a host not discovered in AD,
    because in a disjoint namespace it names another domain. None: neither is known (a workgroup host)."""
    computers = ctx.peek("ad.computers")
    if computers is not None and computers.present and isinstance(computers.value, list):
        name = ctx.short_name
        for entry in computers.value:
            if isinstance(entry, Mapping) and str(entry.get("name") or "").upper() == name:
                domain = dns_from_dn(str(entry.get("dn") or "")).lower()
                if domain:
                    return domain, {"domain": domain, "domain_source": f"computer object {entry.get('dn')}"}
    suffix = ctx.optional("computer.domain")
    if not suffix:
        return None, {"domain": None, "domain_source": "not in a domain (no primary DNS suffix)"}
    domain = str(suffix).strip().rstrip(".").lower()
    return domain, {"domain": domain, "domain_source": "primary DNS suffix (the computer was not found in AD)"}


def required_ad_domain(ctx: RuleContext) -> tuple[str, dict[str, Any]]:
    """ad_domain, for rules that need one: a host in no domain is a missing fact."""
    domain, evidence = ad_domain(ctx)
    if domain is None:
        raise FactUnavailable(UnknownReason.FACT_MISSING, "computer.domain", "the computer's domain is not known")
    return domain, evidence


def without_org_objects(ctx: RuleContext, what: str) -> str:
    """Why there is no ``what`` (recipient policy, offline address book): no organisation in AD, or an
    organisation that has none. Evidence-only: an unreported ad.exchange_org claims neither."""
    org = ctx.peek("ad.exchange_org")
    if org is not None and org.present and isinstance(org.value, Mapping):
        return f"the Exchange organisation {org.value.get('name')} has no {what}"
    if org is not None and not org.present and org.error is None:
        return f"no {what}: no Exchange organisation in Active Directory yet"
    return f"no {what} in Active Directory"


def with_serial(servers: Sequence[Mapping[str, Any]], prefix: str) -> list[Mapping[str, Any]]:
    return [s for s in servers if str(s.get("serial_number") or "").startswith(prefix)]


def server_version_number(server: Mapping[str, Any]) -> int | None:
    """The versionNumber Setup compares: from the version derived from serialNumber, else the
    versionNumber attribute; None when neither is usable."""
    parsed = Version.try_parse(server.get("version"))
    if parsed is not None and len(parsed.parts) >= 3:
        return encode_version(parsed.parts[0], parsed.parts[1], parsed.parts[2])
    number = server.get("version_number")
    return number if isinstance(number, int) else None


def server_label(server: Mapping[str, Any]) -> str:
    version = server.get("version") or server.get("serial_number") or "version unknown"
    return f"{server.get('name')} ({version})"


def below(servers: Sequence[Mapping[str, Any]], minimum: int) -> tuple[list[Mapping[str, Any]], list[str]]:
    """Servers whose versionNumber is below ``minimum``, and the names of those whose version could
    not be read."""
    low, unreadable = [], []
    for s in servers:
        number = server_version_number(s)
        if number is None:
            unreadable.append(str(s.get("name")))
        elif number < minimum:
            low.append(s)
    return low, unreadable


def coexistence_minimum(
    ctx: RuleContext, prefix: str, product: str, minimum: int, minimum_label: str, *, warn: bool = False
) -> Verdict:
    """Fail (or warn) when a server of this older version (with roles, as Setup filters) is below the
    minimum build; not applicable when there is none."""
    servers = [s for s in with_serial(exchange_servers(ctx), prefix) if int(s.get("roles") or 0) != 0]
    evidence: dict[str, Any] = {"servers": [server_label(s) for s in servers], "minimum": minimum_label}
    if not servers:
        return ctx.not_applicable(f"no {product} server in the organisation", evidence)
    low, unreadable = below(servers, minimum)
    if low:
        evidence["below_minimum"] = [server_label(s) for s in low]
        text = f"{len(low)} {product} server(s) below {minimum_label}: {', '.join(evidence['below_minimum'])}"
        return ctx.warned(text, evidence) if warn else ctx.failed(text, evidence)
    if unreadable:
        evidence["version_unreadable"] = unreadable
        return ctx.unknown(
            UnknownReason.FACT_UNREADABLE,
            f"the version of {product} server(s) {', '.join(unreadable)} could not be read",
            evidence,
        )
    return ctx.passed(f"every {product} server is at {minimum_label} or later ({len(servers)})", evidence)


def forbidden_version(ctx: RuleContext, prefix: str, product: str, target: str) -> Verdict:
    """Fail when any server of a version that cannot coexist with the target is in the organisation."""
    servers = [s for s in with_serial(exchange_servers(ctx), prefix) if int(s.get("roles") or 0) != 0]
    evidence = {"servers": [server_label(s) for s in servers]}
    if not servers:
        return ctx.passed(f"no {product} server in the organisation", evidence)
    return ctx.failed(
        f"{len(servers)} {product} server(s) cannot coexist with {target}: {', '.join(evidence['servers'])}",
        evidence,
    )


def role_in_site(ctx: RuleContext, bit: int, role_name: str) -> Verdict:
    """Setup's <Role>NotPresentInSite: warn when no Exchange server with ``bit`` in
    msExchCurrentServerRoles has this computer's AD site as its msExchServerSite."""
    site = ctx.optional("computer.ad_site")
    if not site:
        return ctx.not_applicable("this computer has no AD site: InvalidADSite reports it", {})
    sites = {str(s.get("name")).upper(): s.get("site") for s in ctx.optional("ad.exchange_server_sites") or []}
    with_role = [str(s.get("name")).upper() for s in exchange_servers(ctx) if int(s.get("roles") or 0) & bit]
    here = [n for n in with_role if str(sites.get(n) or "").casefold() == str(site).casefold()]
    evidence = {"site": site, "servers_with_role": with_role, "in_site": here}
    if here:
        return ctx.passed(f"{role_name} server(s) in {site}: {', '.join(here)}", evidence)
    return ctx.warned(f"no {role_name} server in site {site}", evidence)


NATIVE_MODE_REMEDIATION = Text(
    en=(
        "Raise the domain to native mode (a domain functional level of Windows Server 2003 or "
        "later), then scan again."
    ),
    fr=(
        "Passez le domaine en mode natif (niveau fonctionnel Windows Server 2003 ou ultérieur), "
        "puis relancez l'analyse."
    ),
)


def domain_modes(ctx: RuleContext) -> list[Mapping[str, Any]]:
    """ad.domain_modes: nTMixedDomain of each domain head, as read."""
    return [m for m in ctx.value("ad.domain_modes") or [] if isinstance(m, Mapping)]


def judge_domain_mode(ctx: RuleContext, modes: Sequence[Mapping[str, Any]], field: str, wanted: str) -> Verdict:
    """Fail when the domain whose ``field`` matches ``wanted`` (case-insensitively) is in mixed mode
    (nTMixedDomain 1)."""
    entry = next((m for m in modes if str(m.get(field) or "").casefold() == wanted), None)
    if entry is None:
        raise FactUnavailable(UnknownReason.FACT_MISSING, "ad.domain_modes", "the domain is not in the forest read")
    mixed = entry.get("mixed")
    evidence = {"domain": entry.get("domain"), "nTMixedDomain": mixed}
    if mixed is None and entry.get("error"):
        raise FactUnavailable(UnknownReason.FACT_UNREADABLE, "ad.domain_modes", str(entry.get("error")))
    if mixed == 1:
        return ctx.failed(f"{entry.get('domain')} is in mixed mode (nTMixedDomain 1)", evidence)
    return ctx.passed(f"{entry.get('domain')} is in native mode", evidence)


# ---- role already exists --------------------------------------------------------------------------


def _local_key(ctx: RuleContext, role_key: str) -> tuple[Mapping[str, Any] | None, str | None]:
    """The v15\\<role_key> registry entry, or None; plus why it could not be read."""
    try:
        entries = ctx.optional("exchange.v15.roles") or []
    except FactUnavailable as exc:
        return None, exc.detail
    for e in entries:
        if isinstance(e, Mapping) and str(e.get("key", "")).casefold() == role_key.casefold():
            return e, None
    return None, None


ROLE_ALREADY_EXISTS_REMEDIATION = Text(
    en="If the role is really installed on this computer there is nothing to install. If Active "
    "Directory keeps the server object of a failed or removed installation, run Setup "
    "/Mode:RecoverServer on this computer or remove the stale object, then scan again.",
    fr="Si le rôle est réellement installé sur cet ordinateur, il n'y a rien à installer. Si Active "
    "Directory conserve l'objet serveur d'une installation échouée ou supprimée, lancez Setup "
    "/Mode:RecoverServer sur cet ordinateur ou supprimez l'objet obsolète, puis relancez l'analyse.",
)
ROLE_ALREADY_EXISTS_FACTS = ("computer.name", "exchange.v15.roles", "ad.exchange_org", "ad.exchange_servers")


def local_key_summary(entry: Mapping[str, Any] | None) -> dict[str, Any]:
    """A v15 role key as evidence: whether it is there, and its configured and unpacked versions."""
    if entry is None:
        return {"present": False}
    return {
        "present": True,
        "configured_version": entry.get("configured_version"),
        "unpacked_version": entry.get("unpacked_version"),
    }


def judge_server_object(
    ctx: RuleContext,
    servers: Sequence[Mapping[str, Any]],
    bit: int,
    role_key: str,
    role_name: str,
    configured: Any,
    local_unread: str | None,
    evidence: dict[str, Any],
) -> Verdict:
    """The AD half of <Role>AlreadyExists: the server object named like this computer, whether it has
    ``bit``, and what the local v15\\<role_key> key (``configured`` version, or ``local_unread``: why
    it could not be read) says about it."""
    name = ctx.short_name
    match = next((s for s in servers if str(s.get("name", "")).upper() == name), None)
    if match is None:
        return ctx.passed(f"no Exchange server object named {name} in AD", evidence)
    roles = int(match.get("roles") or 0)
    evidence["ad_server"] = {
        "dn": match.get("dn"),
        "roles": roles,
        "serial_number": match.get("serial_number"),
    }
    if not roles & bit:
        return ctx.passed(f"AD server object {name} has no {role_name} role (roles={roles})", evidence)
    if configured:
        evidence["assessment"] = "installed"
        return ctx.failed(
            f"AD server object {name} has the {role_name} role and v15\\{role_key} is configured "
            f"({configured}): the role is installed",
            evidence,
        )
    if local_unread is not None:
        evidence["assessment"] = "ad_only"
        return ctx.failed(f"AD server object {name} has the {role_name} role; {local_unread}", evidence)
    evidence["assessment"] = "stale_ad_object"
    return ctx.failed(
        f"AD server object {name} has the {role_name} role but v15\\{role_key} is not "
        "configured: a stale AD object (recover or clean up)",
        evidence,
    )


def role_already_exists(ctx: RuleContext, bit: int, role_key: str, role_name: str) -> Verdict:
    """Setup's <Role>AlreadyExists: a server object named like this computer under the organisation has
    ``bit`` in msExchCurrentServerRoles. The local v15 key says whether the role is really installed
    (it is) or the AD object is stale (a failed or removed installation: recover or clean up)."""
    upgrade = install_mode_only(ctx)  # SE over 2019 CU14/CU15: Setup's Upgrade mode skips this rule
    if upgrade is not None:
        return upgrade
    local, local_error = _local_key(ctx, role_key)
    configured = local.get("configured_version") if local is not None else None
    local_evidence: Any = local_error or local_key_summary(local)
    name = ctx.short_name
    evidence: dict[str, Any] = {"computer": name, "bit": bit, f"local_{role_key}_key": local_evidence}
    if not ctx.has_ad:
        if configured:
            # certain without AD: Setup will find the server object the installation created
            evidence["source"] = "local registry only; AD not read"
            return ctx.failed(
                f"v15\\{role_key} ConfiguredVersion {configured}: the {role_name} role is "
                "installed (AD not read)",
                evidence,
            )
        raise FactUnavailable(
            UnknownReason.NEEDS_AD,
            "ad.exchange_servers",
            f"Setup judges this from the Exchange server objects in Active Directory, "
            f"which were not read (no configured v15\\{role_key} key locally)",
        )
    if not has_org(ctx):
        return ctx.not_applicable("no Exchange organisation in Active Directory", evidence)
    unread = "the local v15 keys could not be read" if local_error else None
    return judge_server_object(ctx, exchange_servers(ctx), bit, role_key, role_name, configured, unread, evidence)
