"""Setup 2013 CU23 stops when the MachinePolicy (or UserPolicy) execution policy is Restricted; the
documentation says any Group Policy definition blocks. A Restricted machine policy fails; any other
value set by policy warns. The user scope lives in the installing account's profile and is not read.
"""

from __future__ import annotations

from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="PowerShellExecutionPolicyCheckSet",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019"),
    title=Text(
        en="A PowerShell execution policy is set by Group Policy",
        fr="Une stratégie d'exécution PowerShell est définie par stratégie de groupe",
    ),
    remediation=Text(
        en=(
            "Remove the PowerShell execution policy setting from the Group Policy that applies to "
            "this server (Computer and User configuration > Windows PowerShell > Turn on Script "
            "Execution), update policy, then scan again."
        ),
        fr=(
            "Retirez le paramètre de stratégie d'exécution PowerShell de la stratégie de groupe "
            "appliquée à ce serveur (Configuration ordinateur et utilisateur > Windows PowerShell > "
            "Activer l'exécution des scripts), mettez à jour les stratégies, puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/deployment-ref/ms-exch-setupreadiness-powershellexecutionpolicycheckset",
    facts=("policy.execution_policy",),
)

REGISTRY = r"HKLM\SOFTWARE\Policies\Microsoft\Windows\PowerShell\ExecutionPolicy"


def evaluate(ctx: RuleContext) -> Verdict:
    policy = ctx.optional("policy.execution_policy")
    evidence = {
        "registry": REGISTRY,
        "machine_policy": policy,
        "user_policy": "not read: it lives in the installing account's profile",
    }
    if policy is None:
        return ctx.passed("no machine execution policy set by Group Policy", evidence)
    if str(policy).casefold() == "restricted":
        return ctx.failed("Group Policy sets the machine execution policy to Restricted", evidence)
    return ctx.warned(
        f"Group Policy sets the machine execution policy to {policy}; the documentation says any "
        "policy set this way blocks Setup",
        evidence,
    )
