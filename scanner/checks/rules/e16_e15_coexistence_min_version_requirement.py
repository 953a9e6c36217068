"""Exchange 2016 and 2019 Setup need every Exchange 2013 server (serialNumber 'Version 15.0', with
roles) at CU10 (15.0.1130) or later; servers of other versions are not concerned.

Documented: the readiness page (shared by 2016 and 2019) names CU10 "for coexistence with Exchange 2016 or
later"; Microsoft's Exchange 2019 system requirements support coexistence only with Exchange 2013 CU21
(15.0.1395) or later. Seen: the 2019 CU8 Setup logs evaluate the rule through the setting
E15ServersNotMinVersionRequirement but do not show its threshold. Unknown: whether 2019 Setup stops
between CU10 and CU21. So for Exchange 2019, below CU10 fails, CU10 to CU20 is UNKNOWN with that reason
(never a silent pass), CU21 and later passes.
"""

from __future__ import annotations

from typing import Any

from scanner.checks import org_common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Status, UnknownReason, Verdict

META = RuleMeta(
    id="E16E15CoexistenceMinVersionRequirement",
    severity=Severity.ERROR,
    scope=Scope.ORG,
    versions=("2016", "2019", "SE"),
    title=Text(
        en="Exchange 2013 servers must be at CU10 or later to coexist with this version",
        fr=("Les serveurs Exchange 2013 doivent être en CU10 ou ultérieure pour coexister avec cette version"),
    ),
    remediation=Text(
        en=(
            "Update every Exchange 2013 server to CU10 or later (ideally the latest CU) before "
            "installing Exchange 2016 or 2019."
        ),
        fr=(
            "Mettez à jour chaque serveur Exchange 2013 en CU10 ou ultérieure (idéalement la dernière"
            " CU) avant d'installer Exchange 2016 ou 2019."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/deployment-ref/ms-exch-setupreadiness-e16e15coexistenceminversionrequirement",
    facts=("ad.exchange_servers",),
)

MINIMUM = org_common.encode_version(15, 0, 1130)  # Exchange 2013 CU10
SUPPORTED_2019 = org_common.encode_version(15, 0, 1395)  # Exchange 2013 CU21
CU10 = "Exchange 2013 CU10 (15.0.1130)"
CU21 = "Exchange 2013 CU21 (15.0.1395)"


def evaluate(ctx: RuleContext) -> Verdict:
    verdict = org_common.coexistence_minimum(ctx, "Version 15.0", "Exchange 2013", MINIMUM, CU10)
    if ctx.exchange_version != "2019" or verdict.status is not Status.PASS:
        return verdict
    servers = [s for s in org_common.with_serial(org_common.exchange_servers(ctx), "Version 15.0")
               if int(s.get("roles") or 0) != 0]
    below, _ = org_common.below(servers, SUPPORTED_2019)
    evidence: dict[str, Any] = {**verdict.evidence, "supported_minimum_2019": CU21}
    if not below:
        return ctx.passed(f"every Exchange 2013 server is at {CU21} or later ({len(servers)})", evidence)
    evidence["below_supported_2019"] = [org_common.server_label(s) for s in below]
    return ctx.unknown(
        UnknownReason.FACT_MISSING,
        f"{len(below)} Exchange 2013 server(s) between CU10 and CU21 "
        f"({', '.join(evidence['below_supported_2019'])}): Microsoft supports Exchange 2019 only with "
        "CU21 or later, and whether Exchange 2019 Setup stops below CU21 is not published",
        evidence,
    )
