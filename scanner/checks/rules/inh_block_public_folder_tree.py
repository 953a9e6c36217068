"""Exchange 2013 Setup stops a Mailbox install when permission inheritance is blocked (SE_DACL_PROTECTED)
on the object it reads for the "Public Folder tree".

Source (2013 CU23 engine, decompiled): the setting behind the rule is the nTSecurityDescriptor of the first
msExchAdminGroup found one level under "CN=Administrative Groups," + the DN of the organisation's first
administrative group; the rule fails when its control flags carry 0x1000. That container does not exist
in an organisation as Exchange builds it, so in practice Setup finds no object and the rule cannot fail
(inferred). exready repeats that lookup (fail when it finds a protected object) and also reads the DACL of
every administrative group: the rule's help page asks for inheritance on the organisation, administrative
group and public folder objects, so a protected administrative group warns even where Setup would pass.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.checks.context import FactUnavailable, RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import UnknownReason, Verdict

META = RuleMeta(
    id="InhBlockPublicFolderTree",
    severity=Severity.ERROR,
    scope=Scope.ORG,
    versions=("2013", "2019", "SE"),  # the 2019 Setup logs show the rule evaluated
    title=Text(
        en="Permission inheritance is blocked on an Exchange administrative group object",
        fr="L'héritage des autorisations est bloqué sur un objet groupe d'administration Exchange",
    ),
    remediation=Text(
        en="In ADSI Edit, open the object named in the verdict, Security > Advanced, and enable inheritance from "
        "the parent; let Active Directory replicate, then scan again.",
        fr="Dans ADSI Edit, ouvrez l'objet indiqué dans le verdict, Sécurité > Avancé, et activez l'héritage "
        "depuis le parent ; laissez Active Directory répliquer, puis relancez l'analyse.",
    ),
    help_url="https://learn.microsoft.com/exchange/access-control-list-acl-inheritance-is-blocked-"
    "inhblockpublicfoldertree-exchange-2013-help",
    facts=("ad.admin_group_acl",),
)


def evaluate(ctx: RuleContext) -> Verdict:
    acl = ctx.optional("ad.admin_group_acl")
    if acl is None:
        return ctx.not_applicable("no Exchange organisation in Active Directory")
    lookup = acl.get("setup_lookup") if isinstance(acl.get("setup_lookup"), Mapping) else {}
    groups = [g for g in acl.get("admin_groups") or [] if isinstance(g, Mapping)]
    evidence: dict[str, Any] = {"setup_lookup": dict(lookup),
                                "admin_groups": {str(g.get("name")): g.get("dacl_protected") for g in groups}}
    if lookup.get("found") and lookup.get("dacl_protected"):
        return ctx.failed(f"inheritance is blocked on {lookup['found']}, the object Setup reads", evidence)
    unread = [str(g.get("name")) for g in groups if g.get("dacl_protected") is None]
    if lookup.get("found") and lookup.get("dacl_protected") is None:
        unread.append(str(lookup["found"]))
    if unread:
        raise FactUnavailable(UnknownReason.FACT_UNREADABLE, "ad.admin_group_acl",
                              f"the security descriptor of {', '.join(unread)} could not be read")
    protected = [str(g.get("name")) for g in groups if g.get("dacl_protected")]
    if protected:
        return ctx.warned(f"inheritance is blocked on administrative group(s) {', '.join(protected)}; Setup's own "
                          "lookup does not reach them, the help page asks for inheritance there", evidence)
    where = lookup.get("found") or "no object (the container it searches does not exist)"
    return ctx.passed(f"Setup's lookup finds {where}; inheritance is on for {len(groups)} administrative "
                      "group(s)", evidence)
