"""Setup stops when the schema master's computer reports operatingSystemVersion 5.2 (Windows Server
2003) without Service Pack 2 (the help page says SP1; Setup checks SP2).
"""

from __future__ import annotations

from scanner.checks.context import FactUnavailable, RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import UnknownReason, Verdict

META = RuleMeta(
    id="SchemaFSMONotWin2003SPn",
    severity=Severity.ERROR,
    scope=Scope.ORG,
    versions=("2013", "2016", "2019", "SE"),  # the 2016/2019 Setup logs show the rule evaluated
    title=Text(
        en="The schema master runs Windows Server 2003 without Service Pack 2",
        fr="Le maître de schéma exécute Windows Server 2003 sans le Service Pack 2",
    ),
    remediation=Text(
        en=(
            "Move the schema master role to a domain controller running a later Windows Server, or "
            "install Service Pack 2 on it, then scan again."
        ),
        fr=(
            "Transférez le rôle de maître de schéma vers un contrôleur de domaine sous un Windows "
            "Server plus récent, ou installez-y le Service Pack 2, puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/schemafsmonotwin2003spn-exchange-2013-help",
    facts=("ad.schema_master_os",),
)


def evaluate(ctx: RuleContext) -> Verdict:
    master = ctx.value("ad.schema_master_os")
    version = str(master.get("os_version") or "")
    sp = str(master.get("service_pack") or "")
    os_name = str(master.get("os_name") or "").strip()
    evidence = {"schema_master": master.get("dns_host_name"), "os_name": os_name or None, "os_version": version,
                "service_pack": sp}
    if not version:
        raise FactUnavailable(
            UnknownReason.FACT_UNREADABLE,
            "ad.schema_master_os",
            "the schema master's operatingSystemVersion was not readable",
        )
    if version.startswith("5.2") and not sp.startswith("Service Pack 2"):
        return ctx.failed(f"schema master on Windows Server 2003 ({version}, {sp or 'no service pack'})", evidence)
    # operatingSystem names the system (a Samba DC reports "Samba" and its own release as the version);
    # saved documents from before it was read name only the version
    system = os_name or "operatingSystemVersion"
    return ctx.passed(f"schema master runs {system} {version} {sp}".strip() + ", not Windows Server 2003", evidence)
