"""When no Exchange server with the Unified Messaging role (msExchCurrentServerRoles bit 16) exists at
this version or later, Setup needs its account in Organization Management or Enterprise Admins.
"""

from __future__ import annotations

from typing import Any

from scanner.checks import common, org_common
from scanner.checks import installer_common as ic
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="DelegatedUnifiedMessagingFirstInstall",
    severity=Severity.ERROR,
    scope=Scope.ORG,
    versions=("2013", "2016", "2019"),
    title=Text(
        en=("The first Unified Messaging server of this version must be installed by an organisation administrator"),
        fr=(
            "Le premier serveur messagerie unifiée de cette version doit être installé par un "
            "administrateur de l'organisation"
        ),
    ),
    remediation=Text(
        en=(
            "Install this first server with an account in Organization Management or Enterprise "
            "Admins; later servers can be installed by delegated administrators."
        ),
        fr=(
            "Installez ce premier serveur avec un compte membre de Organization Management ou des "
            "Administrateurs de l'entreprise ; les serveurs suivants peuvent être installés par des "
            "administrateurs délégués."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/deployment-ref/ms-exch-setupreadiness-delegatedunifiedmessagingfirstinstall",
    facts=("ad.exchange_servers", "installer.account"),
)

ROLE_BIT = 16


def evaluate(ctx: RuleContext) -> Verdict:
    if ctx.exchange_version == "2019":
        return ctx.not_applicable("Exchange 2019 has no Unified Messaging component", {})
    t = common.target(ctx)
    same_or_newer = [
        s
        for s in org_common.exchange_servers(ctx)
        if int(s.get("roles") or 0) & ROLE_BIT and (org_common.server_version_number(s) or 0) >= t.version_number
    ]
    evidence: dict[str, Any] = {
        "target": t.label,
        "role_bit": ROLE_BIT,
        "servers": [org_common.server_label(s) for s in same_or_newer],
    }
    if same_or_newer:
        return ctx.passed(f"not the first Unified Messaging server at {t.label} or later", evidence)
    acct = ic.account(ctx)
    evidence.update(
        {
            "account": ic.label(acct),
            "organization_management": acct.get("organization_management"),
            "enterprise_admins": acct.get("enterprise_admins"),
        }
    )
    if acct.get("organization_management") or acct.get("enterprise_admins"):
        return ctx.passed(f"{ic.label(acct)} may install the first Unified Messaging server", evidence)
    return ctx.failed(
        f"first Unified Messaging server at {t.label} or later and {ic.label(acct)} is neither in "
        "Organization Management nor an Enterprise Admin",
        evidence,
    )
