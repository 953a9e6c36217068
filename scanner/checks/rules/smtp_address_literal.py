"""Setup stops when an SMTP address template of the default recipient policy is an IP literal such as
@[192.0.2.1].
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from scanner.checks import org_common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="SmtpAddressLiteral",
    severity=Severity.ERROR,
    scope=Scope.ORG,
    versions=("2013", "2016", "2019", "SE"),  # the 2016/2019 Setup logs show the rule evaluated
    title=Text(
        en="The default recipient policy uses an IP address literal as SMTP domain",
        fr=("La stratégie de destinataire par défaut utilise une adresse IP littérale comme domaine SMTP"),
    ),
    remediation=Text(
        en=(
            "Replace the IP-literal SMTP address template ([a.b.c.d]) of the recipient policy with a "
            "domain name, then scan again."
        ),
        fr=(
            "Remplacez le modèle d'adresse SMTP littérale ([a.b.c.d]) de la stratégie de destinataire"
            " par un nom de domaine, puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/smtp-addressing-format-not-supported-smtpaddressliteral-exchange-2013-help",
    facts=("ad.recipient_policy",),
)


def smtp_domains(policy: Mapping[str, Any]) -> list[str]:
    """The domains of the policy's SMTP proxy templates (primary first), e.g. 'smtp:@contoso.com'."""
    out = []
    for raw in sorted(policy.get("gateway_proxy") or [], key=lambda p: not str(p).startswith("SMTP:")):
        text = str(raw)
        if text.lower().startswith("smtp:") and "@" in text:
            out.append(text.split("@", 1)[1].strip().lower())
    return out


LITERAL = re.compile(r"^\[\d+\.\d+\.\d+\.\d+\]$")


def evaluate(ctx: RuleContext) -> Verdict:
    policy = ctx.optional("ad.recipient_policy")
    if policy is None:
        return ctx.not_applicable(org_common.without_org_objects(ctx, "recipient policy"), {})
    domains = smtp_domains(policy)
    literal = [d for d in domains if LITERAL.match(d)]
    evidence = {"policy": policy.get("name"), "smtp_domains": domains}
    if literal:
        return ctx.failed(f"IP-literal SMTP domain(s) in {policy.get('name')}: {', '.join(literal)}", evidence)
    return ctx.passed(f"no IP-literal SMTP domain in {policy.get('name')}", evidence)
