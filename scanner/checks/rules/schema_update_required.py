"""When the target CU has to extend the schema (rangeUpper of ms-Exch-Schema-Version-Pt below the
CU's), Setup needs its account in Schema Admins (-518) and Enterprise Admins (-519) of the forest
root domain.
"""

from __future__ import annotations

from scanner.checks import installer_common as ic
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="SchemaUpdateRequired",
    severity=Severity.ERROR,
    scope=Scope.ORG,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en=("The schema must be extended and the installing account is not in Schema Admins and Enterprise Admins"),
        fr=(
            "Le schéma doit être étendu et le compte d'installation n'est pas membre des groupes "
            "Administrateurs du schéma et Administrateurs de l'entreprise"
        ),
    ),
    remediation=Text(
        en=(
            "Run Setup /PrepareSchema with an account in both Schema Admins and Enterprise Admins "
            "(from the schema master's domain and site), or add the installing account to both "
            "groups."
        ),
        fr=(
            "Lancez Setup /PrepareSchema avec un compte membre des groupes Administrateurs du schéma "
            "et Administrateurs de l'entreprise (depuis le domaine et le site du maître de schéma), "
            "ou ajoutez le compte d'installation à ces deux groupes."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/deployment-ref/user-not-member-of-schema-admins",
    facts=("ad.exchange_schema_version", "installer.account"),
)


def evaluate(ctx: RuleContext) -> Verdict:
    needed, evidence = ic.schema_prep_needed(ctx)
    if not needed:
        return ctx.passed("the schema is already at the target CU's level: no /PrepareSchema", evidence)
    acct = ic.account(ctx)
    evidence.update(
        {
            "account": ic.label(acct),
            "schema_admins": acct.get("schema_admins"),
            "enterprise_admins": acct.get("enterprise_admins"),
        }
    )
    missing = [
        g
        for g, key in (("Schema Admins", "schema_admins"), ("Enterprise Admins", "enterprise_admins"))
        if not acct.get(key)
    ]
    if not missing:
        return ctx.passed(f"{ic.label(acct)} is in Schema Admins and Enterprise Admins", evidence)
    return ctx.failed(f"/PrepareSchema is due and {ic.label(acct)} is not in {' and '.join(missing)}", evidence)
