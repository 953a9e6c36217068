"""Setup stops when a static domain controller is set for Exchange AD access (ConfigDCHostName) and
differs from the one given with /DomainController. exready cannot know the switch, so any override
fails, with the value in the evidence.
"""

from __future__ import annotations

from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="ConfigDCHostNameMismatch",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="A domain controller override is set in the registry",
        fr="Un contrôleur de domaine est imposé dans le registre",
    ),
    remediation=Text(
        en=(
            "Remove the ConfigDCHostName override (MSExchange ADAccess\\Instance0), or run Setup with "
            "/DomainController naming that same domain controller."
        ),
        fr=(
            "Supprimez le contrôleur imposé ConfigDCHostName (MSExchange ADAccess\\Instance0), ou "
            "lancez le programme d'installation avec /DomainController en nommant ce même contrôleur "
            "de domaine."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/domain-controller-override-is-set-in-the-registry-configdchostnamemismatch-exchange-2013-help",
    facts=("exchange.adaccess_config_dc",),
)

REGISTRY = r"HKLM\SYSTEM\CurrentControlSet\Services\MSExchange ADAccess\Instance0\ConfigDCHostName"


def evaluate(ctx: RuleContext) -> Verdict:
    override = ctx.optional("exchange.adaccess_config_dc")
    evidence = {"registry": REGISTRY, "config_dc_host_name": override}
    if override is None or not str(override).strip():
        return ctx.passed("no domain controller override", evidence)
    return ctx.failed(
        f"ConfigDCHostName is set to {override}: Setup stops unless /DomainController:{override} is given", evidence
    )
