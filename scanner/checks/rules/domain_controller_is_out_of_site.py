"""Setup stops when the domain controller it uses is not in this computer's AD site.

Seen: Exchange 2013 CU23 Setup logs (CSS-Exchange Setup/Tests/PrerequisiteCheck/DCOutOfSite) compare the
settings SiteName (this computer's site) and DomainControllerSiteName (the site of the DC Setup picked),
and fail with "Setup must use a domain controller in the same site as this computer". Documented: the
Exchange 2016/2019 system requirements ask for at least one writable domain controller that is also a
global catalog in the site where Exchange is installed. Judged from AD: with no writable global catalog
in the host's site, any DC Setup picks is out of site (fail); with one, Setup's site-aware DC location
finds it (pass). Out of reach: a DC named with /DomainController at install time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="DomainControllerIsOutOfSite",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="No writable global catalog domain controller in this server's AD site",
        fr="Aucun contrôleur de domaine catalogue global accessible en écriture dans le site AD de ce serveur",
    ),
    remediation=Text(
        en="Place a writable domain controller that is a global catalog in this server's AD site (or move the "
        "server's subnet to a site that has one), let replication finish, then scan again.",
        fr="Placez un contrôleur de domaine accessible en écriture et catalogue global dans le site AD de ce "
        "serveur (ou rattachez le sous-réseau du serveur à un site qui en a un), attendez la réplication, puis "
        "relancez l'analyse.",
    ),
    help_url="https://learn.microsoft.com/exchange/domaincontrollerisoutofsite-exchange-2013-help",
    facts=("computer.ad_site", "ad.site_dcs"),
)


def evaluate(ctx: RuleContext) -> Verdict:
    site = ctx.optional("computer.ad_site")
    if not site:
        return ctx.not_applicable("this computer has no AD site: InvalidADSite reports it")
    dcs = [d for d in ctx.value("ad.site_dcs") or [] if isinstance(d, Mapping)]
    here = [d for d in dcs if str(d.get("site") or "").casefold() == str(site).casefold()]
    usable = [str(d.get("dns_host_name") or d.get("server")) for d in here if d.get("gc") and not d.get("read_only")]
    evidence: dict[str, Any] = {
        "site": site,
        "dcs_in_site": [{"server": d.get("server"), "gc": d.get("gc"), "read_only": d.get("read_only")}
                        for d in here],
        "writable_gcs": usable,
    }
    if usable:
        return ctx.passed(f"writable global catalog(s) in {site}: {', '.join(usable)}", evidence)
    if here:
        return ctx.failed(f"no writable global catalog in {site} (its DCs are read-only or not global catalogs)",
                          evidence)
    return ctx.failed(f"no domain controller in site {site}: Setup would use one from another site", evidence)
