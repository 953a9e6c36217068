"""Client Access (Cafe) role already installed. Setup looks only at Active Directory: a server object named
like this computer whose msExchCurrentServerRoles has bit 1. exready adds the local CafeRole key so a
real installation is told apart from a stale AD object. Without AD, the local key alone decides and the
evidence says so."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.checks import org_common
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


def evaluate(ctx: RuleContext) -> Verdict:
    if not ctx.has_ad:
        local = _local_cafe(ctx)
        evidence: dict[str, Any] = {
            "source": LOCAL_ONLY,
            "local_cafe_role_key": org_common.local_key_summary(local),
        }
        if local is not None and local.get("configured_version"):
            return ctx.failed(
                f"v15\\CafeRole ConfiguredVersion {local['configured_version']} ({LOCAL_ONLY})", evidence
            )
        return ctx.passed(f"no configured v15\\CafeRole key ({LOCAL_ONLY})", evidence)

    servers = ctx.optional("ad.exchange_servers") or []
    evidence = {"source": "active directory and local registry", "computer": ctx.short_name}
    try:
        local = _local_cafe(ctx)
        evidence["local_cafe_role_key"] = org_common.local_key_summary(local)
        unread = None
    except FactUnavailable as exc:
        local = None
        evidence["local_cafe_role_key"] = exc.detail
        unread = "the local CafeRole key could not be read"
    configured = local.get("configured_version") if local is not None else None
    return org_common.judge_server_object(
        ctx, servers, CAFE_BIT, ROLE_KEY, "Client Access", configured, unread, evidence
    )
