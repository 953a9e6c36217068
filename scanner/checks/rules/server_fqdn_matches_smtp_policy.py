"""Setup stops when the SMTP domain of the default recipient policy's address template equals this
server's FQDN: mail for the server itself would be accepted as the organisation's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.checks import org_common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="ServerFQDNMatchesSMTPPolicy",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),  # the 2016/2019 Setup logs show the rule evaluated
    title=Text(
        en="The server's FQDN is an SMTP domain of the default recipient policy",
        fr="Le nom FQDN du serveur est un domaine SMTP de la stratégie de destinataire par défaut",
    ),
    remediation=Text(
        en=(
            "Remove the server's FQDN from the recipient policy's SMTP addresses (or use another "
            "server name), then scan again."
        ),
        fr=(
            "Retirez le nom FQDN du serveur des adresses SMTP de la stratégie de destinataire (ou "
            "utilisez un autre nom de serveur), puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/serverfqdnmatchessmtppolicy-exchange-2013-help",
    facts=("computer.name", "computer.domain", "ad.recipient_policy"),
)


def smtp_domains(policy: Mapping[str, Any]) -> list[str]:
    """The domains of the policy's SMTP proxy templates (primary first), e.g. 'smtp:@contoso.com'."""
    out = []
    for raw in sorted(policy.get("gateway_proxy") or [], key=lambda p: not str(p).startswith("SMTP:")):
        text = str(raw)
        if text.lower().startswith("smtp:") and "@" in text:
            out.append(text.split("@", 1)[1].strip().lower())
    return out


def evaluate(ctx: RuleContext) -> Verdict:
    fqdn = f"{ctx.value('computer.name')}.{ctx.value('computer.domain')}".strip().rstrip(".").lower()
    policy = ctx.optional("ad.recipient_policy")
    if policy is None:
        return ctx.not_applicable(org_common.without_org_objects(ctx, "recipient policy"), {"fqdn": fqdn})
    domains = smtp_domains(policy)
    evidence = {"fqdn": fqdn, "policy": policy.get("name"), "smtp_domains": domains}
    if fqdn in domains:
        return ctx.failed(f"{fqdn} is an SMTP domain of {policy.get('name')}", evidence)
    return ctx.passed(f"{fqdn} is not an SMTP domain of {policy.get('name')}", evidence)
