"""Setup refuses a local logon (NameSamCompatible starting with the computer's name). exready judges
the named installer account: a local account of this server, or a name no domain of the forest
knows, fails.
"""

from __future__ import annotations

from scanner.checks import installer_common as ic
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="LoggedOntoDomain",
    severity=Severity.ERROR,
    scope=Scope.ORG,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="The installing account is not a domain account",
        fr="Le compte d'installation n'est pas un compte de domaine",
    ),
    remediation=Text(
        en="Run Setup with a domain account (DOMAIN\\user), not a local account of the server.",
        fr=(
            "Lancez le programme d'installation avec un compte de domaine (DOMAINE\\utilisateur), et "
            "non un compte local du serveur."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/deployment-ref/ms-exch-setupreadiness-loggedontodomain",
    facts=("installer.account",),
)


def evaluate(ctx: RuleContext) -> Verdict:
    acct = ic.account(ctx)
    evidence = {"account": ic.label(acct), "domain": acct.get("domain"), "found": bool(acct.get("found"))}
    if ic.is_local_to(ctx, acct):
        return ctx.failed(f"{ic.label(acct)} is a local account of {ctx.short_name}", evidence)
    if not acct.get("found"):
        return ctx.failed(f"{ic.label(acct)} is not an account of this forest's domains", evidence)
    return ctx.passed(f"domain account {ic.label(acct)} ({acct.get('domain')})", evidence)
