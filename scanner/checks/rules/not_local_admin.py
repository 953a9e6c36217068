"""Setup needs its account in the local Administrators group (S-1-5-32-544). exready matches the named
installer account's SID and its tokenGroups (nested groups included) against the group's members
read on the server.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.checks import installer_common as ic
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="NotLocalAdmin",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="The installing account is not a local administrator of this server",
        fr="Le compte d'installation n'est pas administrateur local de ce serveur",
    ),
    remediation=Text(
        en=(
            "Add the installing account (or a group it belongs to, such as Domain Admins) to the "
            "local Administrators group of this server, or install with an account that is already a "
            "member."
        ),
        fr=(
            "Ajoutez le compte d'installation (ou un groupe dont il est membre, comme Admins du "
            "domaine) au groupe Administrateurs local de ce serveur, ou installez avec un compte qui "
            "en est déjà membre."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/the-logged-on-user-is-not-a-member-of-the-local-administrators-group-notlocaladmin-exchange-2013-help",
    facts=("installer.account", "local.administrators"),
)


def evaluate(ctx: RuleContext) -> Verdict:
    acct = ic.account(ctx)
    members = [m for m in (ctx.value("local.administrators") or []) if isinstance(m, Mapping)]
    member_sids = {str(m.get("sid") or "").upper() for m in members}
    evidence: dict[str, Any] = {"account": ic.label(acct), "administrators": [m.get("name") for m in members]}
    if ic.is_local_to(ctx, acct):
        user = ic.label(acct).split("\\")[-1].casefold()
        names = {str(m.get("name") or "").split("\\")[-1].casefold() for m in members}
        if user in names:
            return ctx.passed(f"local account {ic.label(acct)} is a member of Administrators", evidence)
        return ctx.failed(f"local account {ic.label(acct)} is not a member of Administrators", evidence)
    if not acct.get("found"):
        return ctx.failed(f"{ic.label(acct)} was not found in Active Directory", evidence)
    token = {str(s).upper() for s in [acct.get("sid"), *(acct.get("groups") or [])] if s}
    via = sorted(str(m.get("name")) for m in members if str(m.get("sid") or "").upper() in token)
    evidence["member_through"] = via
    if token & member_sids:
        return ctx.passed(f"{ic.label(acct)} is a local administrator through {', '.join(via)}", evidence)
    return ctx.failed(f"neither {ic.label(acct)} nor any of its groups is in the local Administrators group", evidence)
