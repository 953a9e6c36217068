"""Setup stops when any msExchActiveDirectoryConnector object exists in the configuration partition."""

from __future__ import annotations

from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="AdcFound",
    severity=Severity.ERROR,
    scope=Scope.ORG,
    versions=("2013", "2016", "2019", "SE"),  # the 2016/2019 Setup logs show the rule evaluated
    title=Text(
        en="Active Directory Connector objects (Exchange 5.5 era) are still in the forest",
        fr=("Des objets Active Directory Connector (époque Exchange 5.5) sont encore présents dans la forêt"),
    ),
    remediation=Text(
        en=(
            "Remove the Active Directory Connector objects left from the Exchange 5.5 migration (ADSI"
            " Edit, configuration partition), let AD replicate, then scan again."
        ),
        fr=(
            "Supprimez les objets Active Directory Connector laissés par la migration Exchange 5.5 "
            "(ADSI Edit, partition de configuration), laissez AD répliquer, puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/one-or-more-active-directory-connector-servers-were-found-adcfound-exchange-2013-help",
    facts=("ad.adc_connectors",),
)


def evaluate(ctx: RuleContext) -> Verdict:
    found = [str(dn) for dn in ctx.value("ad.adc_connectors") or []]
    evidence = {"connectors": found}
    if found:
        return ctx.failed(f"{len(found)} Active Directory Connector object(s): {', '.join(found)}", evidence)
    return ctx.passed("no Active Directory Connector object", evidence)
