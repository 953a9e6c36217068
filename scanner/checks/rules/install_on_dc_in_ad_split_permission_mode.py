"""On a domain controller Setup stops when AD split permissions are in effect: the Exchange Windows
Permissions and Exchange Trusted Subsystem groups exist and the latter is not a member of the
former.
"""

from __future__ import annotations

from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="InstallOnDCInADSplitPermissionMode",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en=("Exchange cannot be installed on a domain controller with Active Directory split permissions"),
        fr=(
            "Exchange ne peut pas être installé sur un contrôleur de domaine avec les autorisations "
            "fractionnées Active Directory"
        ),
    ),
    remediation=Text(
        en=(
            "Install Exchange on a member server, or leave Active Directory split permissions (Setup "
            "/PrepareAD /ActiveDirectorySplitPermissions:false), then scan again."
        ),
        fr=(
            "Installez Exchange sur un serveur membre, ou quittez les autorisations fractionnées "
            "Active Directory (Setup /PrepareAD /ActiveDirectorySplitPermissions:false), puis "
            "relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/deployment-ref/ms-exch-setupreadiness-installondcinadsplitpermissionmode",
    facts=("computer.domain_role", "ad.split_permissions"),
)


def evaluate(ctx: RuleContext) -> Verdict:
    role = int(ctx.value("computer.domain_role"))
    if role not in (4, 5):
        return ctx.not_applicable("not a domain controller", {"domain_role": role})
    split = ctx.value("ad.split_permissions")
    evidence = {"domain_role": role, **dict(split)}
    if split.get("ewp") and split.get("ets") and split.get("ets_member_of_ewp") is False:
        return ctx.failed("domain controller, and AD split permissions are in effect", evidence)
    return ctx.passed("domain controller, but AD split permissions are not in effect", evidence)
