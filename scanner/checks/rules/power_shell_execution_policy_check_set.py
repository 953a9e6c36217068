"""Setup stops when a Group Policy sets the PowerShell execution policy: Exchange 2013 CU23 fails when the
MachinePolicy or the UserPolicy scope resolves to Restricted (decompiled engine); the readiness page says
any definition of either scope blocks. A Restricted scope fails; any other value set by policy warns.

How a scope resolves is PowerShell's own rule (SecuritySupport.cs, GetGroupPolicyValue), read from the
raw values of the scope's SOFTWARE\\Policies\\Microsoft\\Windows\\PowerShell key: EnableScripts 0 means
Restricted whatever ExecutionPolicy says; EnableScripts 1 means the ExecutionPolicy value; no EnableScripts
(or another value) means the scope is not set by policy, whatever ExecutionPolicy says. MachinePolicy
(HKLM) takes precedence over UserPolicy (HKCU of the account that runs Setup).

The UserPolicy scope belongs to the installing account. The collector reads HKCU of the account the scan
runs as; that is the installing account's only when the installer account is named and is the same one.
Otherwise the verdict is UNKNOWN with the reason (never a pass on a scope that was not read). Saved
documents from before policy.gpo_machine keep their policy.execution_policy (the machine scope, resolved).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.checks.context import FactUnavailable, RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import UnknownReason, Verdict

META = RuleMeta(
    id="PowerShellExecutionPolicyCheckSet",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
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
    facts=("policy.gpo_machine", "policy.gpo_user", "policy.execution_policy", "installer.account"),
)

MACHINE_KEY = r"HKLM\SOFTWARE\Policies\Microsoft\Windows\PowerShell"
USER_KEY = r"HKCU\SOFTWARE\Policies\Microsoft\Windows\PowerShell"
RESTRICTED = "Restricted"


def resolve(raw: Mapping[str, Any] | None) -> str | None:
    """The scope's execution policy as PowerShell resolves it; None: not set by policy (Undefined)."""
    if raw is None:
        return None
    enable = raw.get("enable_scripts")
    if enable is None:
        return None
    try:
        enabled = int(enable)
    except (TypeError, ValueError):
        return None
    if enabled == 0:
        return RESTRICTED
    if enabled == 1:
        policy = raw.get("execution_policy")
        return str(policy) if policy else None
    return None


def _machine(ctx: RuleContext, evidence: dict[str, Any]) -> str | None:
    try:
        raw = ctx.optional("policy.gpo_machine")
    except FactUnavailable as exc:
        old = ctx.peek("policy.execution_policy")
        if exc.reason is not UnknownReason.FACT_MISSING or old is None:
            raise
        # a saved document from before the raw values were collected: its machine scope, as resolved then
        value = ctx.optional("policy.execution_policy")
        evidence["machine"] = {"registry": MACHINE_KEY, "resolved": value, "source": "policy.execution_policy"}
        return str(value) if value is not None else None
    value = resolve(raw)
    evidence["machine"] = {"registry": MACHINE_KEY, "raw": raw, "resolved": value}
    return value


def _split(account: str) -> tuple[str, str]:
    """('CONTOSO', 'exadmin') from CONTOSO\\exadmin; ('contoso.test', 'exadmin') from exadmin@contoso.test."""
    text = account.strip()
    if "\\" in text:
        domain, user = text.split("\\", 1)
        return domain.casefold(), user.casefold()
    if "@" in text:
        user, domain = text.split("@", 1)
        return domain.casefold(), user.casefold()
    return "", text.casefold()


def same_account(read_as: str, installer: str, installer_facts: Mapping[str, Any] | None) -> bool:
    """Whether the account the scan ran as is the named installer account."""
    read_domain, read_user = _split(read_as)
    domain, user = _split(installer)
    if read_user != user:
        return False
    names = {domain}
    if installer_facts:
        names |= {str(installer_facts.get(k) or "").casefold() for k in ("prefix", "domain", "netbios")}
    return not domain or read_domain in names


def _user(ctx: RuleContext, evidence: dict[str, Any]) -> tuple[str | None, tuple[UnknownReason, str] | None]:
    """The UserPolicy scope of the installing account, or why it is not known."""
    try:
        raw = ctx.value("policy.gpo_user")
    except FactUnavailable as exc:
        evidence["user"] = {"registry": USER_KEY, "read": exc.detail}
        if ctx.installer is None:  # whose scope it would be is not known either
            return None, (UnknownReason.NEEDS_INPUT, "the installing account is not named and its user "
                          f"scope was not read ({exc.detail})")
        return None, (exc.reason, f"the user scope could not be read: {exc.detail}")
    read_as = str(raw.get("account") or "") if isinstance(raw, Mapping) else ""
    policy = raw.get("policy") if isinstance(raw, Mapping) else None
    value = resolve(policy if isinstance(policy, Mapping) else None)
    evidence["user"] = {"registry": USER_KEY, "account": read_as, "raw": policy, "resolved": value}
    if ctx.installer is None:
        return value, (UnknownReason.NEEDS_INPUT,
                       f"the user scope was read for {read_as or 'the scanning account'} (policy "
                       f"{value or 'not set'}); name the installing account to judge its own")
    fact = ctx.installer.get("installer.account")
    details = fact.value if fact is not None and isinstance(fact.value, Mapping) else None
    if not read_as or not same_account(read_as, ctx.installer.account, details):
        return value, (UnknownReason.FACT_MISSING,
                       f"the user scope was read for {read_as or 'an unnamed account'}, not for the installing "
                       f"account {ctx.installer.account}, whose profile the scan cannot read")
    return value, None


def evaluate(ctx: RuleContext) -> Verdict:
    evidence: dict[str, Any] = {"precedence": "MachinePolicy, then UserPolicy"}
    machine = _machine(ctx, evidence)
    if machine is not None and machine.casefold() == RESTRICTED.casefold():
        return ctx.failed("Group Policy sets the machine execution policy to Restricted", evidence)
    user, unknown = _user(ctx, evidence)
    if unknown is None and user is not None and user.casefold() == RESTRICTED.casefold():
        account = ctx.installer.account if ctx.installer is not None else ""
        return ctx.failed(f"Group Policy sets the user execution policy of {account} to Restricted", evidence)
    if unknown is not None:
        reason, why = unknown
        seen = f"machine scope {machine or 'not set by policy'}; "
        return ctx.unknown(reason, seen + why, evidence)
    defined = [f"{scope} {value}" for scope, value in (("machine", machine), ("user", user)) if value]
    if defined:
        return ctx.warned(
            f"Group Policy sets the execution policy ({', '.join(defined)}); the documentation says any "
            "policy set this way blocks Setup",
            evidence,
        )
    return ctx.passed("no execution policy set by Group Policy, machine or user scope", evidence)
