"""Client Access (Cafe) role already installed. Setup looks only at Active Directory: a server object named
like this computer whose msExchCurrentServerRoles has bit 1. exready adds the local CafeRole key so a
real installation is told apart from a stale AD object. Without AD, the local key alone decides and the
evidence says so."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.checks.context import FactUnavailable, RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="CafeRoleAlreadyExists",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019"),
    title=Text(
        en="The Client Access server role is already installed on this computer",
        fr="Le rôle serveur d'accès au client est déjà installé sur cet ordinateur",
    ),
    remediation=Text(
        en="If the role is really installed, there is nothing to install. If Active Directory keeps a stale "
        "server object from a failed or removed installation, recover the server with Setup "
        "/Mode:RecoverServer or remove the stale object, then scan again.",
        fr="Si le rôle est réellement installé, il n'y a rien à installer. Si Active Directory conserve un "
        "objet serveur obsolète issu d'une installation échouée ou supprimée, récupérez le serveur avec "
        "Setup /Mode:RecoverServer ou supprimez l'objet obsolète, puis relancez l'analyse.",
    ),
    help_url="https://learn.microsoft.com/exchange/client-access-server-role-is-already-installed-exchange-2013-help",
    facts=("computer.name", "exchange.v15.roles", "ad.exchange_servers"),
)

CAFE_BIT = 1
ROLE_KEY = "CafeRole"
LOCAL_ONLY = "local registry only; AD not read"


def _local_cafe(ctx: RuleContext) -> Mapping[str, Any] | None:
    entries = ctx.optional("exchange.v15.roles") or []
    for e in entries:
        if str(e.get("key", "")).casefold() == ROLE_KEY.casefold():
            return dict(e)
    return None


def _local_summary(key: Mapping[str, Any] | None) -> dict[str, Any]:
    if key is None:
        return {"present": False}
    return {
        "present": True,
        "configured_version": key.get("configured_version"),
        "unpacked_version": key.get("unpacked_version"),
    }


def evaluate(ctx: RuleContext) -> Verdict:
    if not ctx.has_ad:
        local = _local_cafe(ctx)
        evidence: dict[str, Any] = {"source": LOCAL_ONLY, "local_cafe_role_key": _local_summary(local)}
        if local is not None and local.get("configured_version"):
            return ctx.failed(
                f"v15\\CafeRole ConfiguredVersion {local['configured_version']} ({LOCAL_ONLY})", evidence
            )
        return ctx.passed(f"no configured v15\\CafeRole key ({LOCAL_ONLY})", evidence)

    servers = ctx.optional("ad.exchange_servers") or []
    name = ctx.short_name
    match = next((s for s in servers if str(s.get("name", "")).upper() == name), None)
    evidence = {"source": "active directory and local registry", "computer": name}
    try:
        local = _local_cafe(ctx)
        evidence["local_cafe_role_key"] = _local_summary(local)
    except FactUnavailable as exc:
        local = None
        evidence["local_cafe_role_key"] = exc.detail
    if match is None:
        return ctx.passed(f"no Exchange server object named {name} in AD", evidence)
    roles = int(match.get("roles") or 0)
    evidence["ad_server"] = {
        "dn": match.get("dn"),
        "roles": roles,
        "serial_number": match.get("serial_number"),
    }
    if not roles & CAFE_BIT:
        return ctx.passed(f"AD server object {name} has no Client Access role (roles={roles})", evidence)
    if local is not None and local.get("configured_version"):
        evidence["assessment"] = "installed"
        return ctx.failed(
            f"AD server object {name} has the Client Access role and v15\\CafeRole is configured "
            f"({local['configured_version']}): the role is installed",
            evidence,
        )
    evidence["assessment"] = "stale_ad_object"
    if isinstance(evidence["local_cafe_role_key"], str):
        evidence["assessment"] = "ad_only"
        return ctx.failed(
            f"AD server object {name} has the Client Access role; the local CafeRole key could not be read",
            evidence,
        )
    return ctx.failed(
        f"AD server object {name} has the Client Access role but v15\\CafeRole is not configured: "
        "a stale AD object (recover or clean up)",
        evidence,
    )
