"""When the target CU has to prepare the organisation (no Exchange organisation, or its objectVersion
below the CU's), Setup needs its account in Enterprise Admins (-519).
"""

from __future__ import annotations

from scanner.checks import installer_common as ic
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="GlobalUpdateRequired",
    severity=Severity.ERROR,
    scope=Scope.ORG,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="The organisation must be prepared and the installing account is not an Enterprise Admin",
        fr=("L'organisation doit être préparée et le compte d'installation n'est pas administrateur de l'entreprise"),
    ),
    remediation=Text(
        en=(
            "Run Setup /PrepareAD with an account in Enterprise Admins, or add the installing account"
            " to Enterprise Admins."
        ),
        fr=(
            "Lancez Setup /PrepareAD avec un compte membre du groupe Administrateurs de l'entreprise,"
            " ou ajoutez le compte d'installation à ce groupe."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/deployment-ref/ms-exch-setupreadiness-globalupdaterequired",
    facts=("ad.exchange_org", "installer.account"),
)


def evaluate(ctx: RuleContext) -> Verdict:
    needed, evidence = ic.org_prep_needed(ctx)
    if not needed:
        return ctx.passed("the organisation is already at the target CU's level: no /PrepareAD", evidence)
    acct = ic.account(ctx)
    evidence.update({"account": ic.label(acct), "enterprise_admins": acct.get("enterprise_admins")})
    if acct.get("enterprise_admins"):
        return ctx.passed(f"{ic.label(acct)} is in Enterprise Admins", evidence)
    return ctx.failed(f"/PrepareAD is due and {ic.label(acct)} is not in Enterprise Admins", evidence)
