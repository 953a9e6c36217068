"""The computer's domain has not been prepared for Exchange. Setup checks this only for a domain other
than the forest root (the root is prepared by /PrepareAD): some "Microsoft Exchange System Objects"
container in that domain must have objectVersion 12433 or more.

The domain is the computer's Active Directory domain, read from its computer object's DN (ad.computers),
not its primary DNS suffix: in a disjoint namespace a child-domain server can carry the root's suffix.
A host that discovery did not find in AD falls back to the suffix, and the evidence says so."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.checks import org_common
from scanner.checks.context import FactUnavailable, RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import UnknownReason, Verdict

META = RuleMeta(
    id="DomainPrepRequired",
    severity=Severity.ERROR,
    scope=Scope.ORG,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="The computer's domain has not been prepared for Exchange",
        fr="Le domaine de l'ordinateur n'a pas été préparé pour Exchange",
    ),
    remediation=Text(
        en="Run Setup /PrepareDomain for this domain (or /PrepareAllDomains) with an account that is a "
        "Domain Admin there, after /PrepareSchema and /PrepareAD, then let Active Directory replicate.",
        fr="Exécutez Setup /PrepareDomain pour ce domaine (ou /PrepareAllDomains) avec un compte "
        "administrateur de ce domaine, après /PrepareSchema et /PrepareAD, puis laissez Active Directory "
        "répliquer.",
    ),
    help_url="https://learn.microsoft.com/exchange/domain-preparation-required-domainpreprequired-exchange-2013-help",
    facts=("computer.domain", "ad.computers", "ad.forest", "ad.domains"),
)

PREPARED_OBJECT_VERSION = 12433  # the lowest MESO objectVersion Setup accepts


def evaluate(ctx: RuleContext) -> Verdict:
    name, evidence = org_common.ad_domain(ctx)
    if not name:
        return ctx.not_applicable("the computer is not in a domain", evidence)
    forest: Any = ctx.value("ad.forest")
    root = str(forest.get("dns_name") or "").lower() if isinstance(forest, Mapping) else ""
    evidence["forest_root"] = root
    if name == root:
        return ctx.passed(f"{name} is the forest root domain: /PrepareAD prepares it", evidence)
    domains = ctx.value("ad.domains")
    entry = next(
        (d for d in domains if isinstance(d, Mapping) and str(d.get("dns_name", "")).lower() == name), None
    )
    if entry is None:
        raise FactUnavailable(
            UnknownReason.FACT_MISSING,
            "ad.domains",
            f"domain {name} is not a domain of the forest read from AD ({root})",
        )
    if entry.get("error"):
        raise FactUnavailable(
            UnknownReason.FACT_UNREADABLE,
            "ad.domains",
            f"domain {name} could not be read from this DC: {entry['error']}",
        )
    version = entry.get("mesos_object_version")
    evidence["mesos_object_version"] = version
    if not isinstance(version, int) or version < PREPARED_OBJECT_VERSION:
        found = (
            "no Microsoft Exchange System Objects container"
            if version is None
            else f"objectVersion {version}"
        )
        return ctx.failed(
            f"domain {name} is not prepared ({found}; needs {PREPARED_OBJECT_VERSION} or more)", evidence
        )
    return ctx.passed(f"domain {name} is prepared (objectVersion {version})", evidence)
