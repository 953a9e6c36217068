"""Exchange 2016 needs every Exchange 2010 server at SP3 Update Rollup 11 (14.3.266) or later.

Documented: the readiness page and the Exchange 2016 system requirements (coexistence with Exchange 2010
is supported from SP3 RU11 on every 2010 server). Seen: the 2016 CU19 Setup log evaluates the rule through
the setting E14ServersNotMinVersionRequirement, a list of servers read from AD. Inferred: AD's serialNumber
and versionNumber keep an Exchange 2010 server's service pack build (14.3.123 for SP3), never its rollup,
so Setup can only hold each server against SP3: below SP3 fails, as Setup does.
At SP3 the rollup decides support, not Setup. It is read where it can be: the 2010 server's own
ExSetup.exe version (exchange.v14_setup), when that server is among the scanned hosts (RuleContext.peers).
Below RU11, or not readable, the verdict warns and says which servers and why; it never turns the cell
UNKNOWN for a rollup AD cannot hold.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.checks import org_common
from scanner.checks.context import RuleContext
from scanner.checks.targets import family
from scanner.facts.version import Version
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="E16E14CoexistenceMinVersionRequirement",
    severity=Severity.ERROR,
    scope=Scope.ORG,
    versions=("2016", "2019", "SE"),
    title=Text(
        en=("Exchange 2010 servers must be at SP3 Update Rollup 11 or later to coexist with Exchange 2016"),
        fr=(
            "Les serveurs Exchange 2010 doivent être en SP3 correctif cumulatif 11 ou ultérieur pour "
            "coexister avec Exchange 2016"
        ),
    ),
    remediation=Text(
        en=("Update every Exchange 2010 server to SP3 Update Rollup 11 or later before installing Exchange 2016."),
        fr=(
            "Mettez à jour chaque serveur Exchange 2010 en SP3 correctif cumulatif 11 ou ultérieur "
            "avant d'installer Exchange 2016."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/deployment-ref/ms-exch-setupreadiness-e16e14coexistenceminversionrequirement",
    facts=("ad.exchange_servers",),
)

SP3 = org_common.encode_version(14, 3, 0)
RU11 = Version.parse("14.3.266.2")  # Exchange 2010 SP3 RU11
PEER_FACT = "exchange.v14_setup"


def _own_build(ctx: RuleContext, name: str) -> tuple[Version | None, str]:
    """The server's ExSetup.exe version as it reported it, or None and why not."""
    fact = ctx.peer(name, PEER_FACT)
    if fact is None or not fact.present:
        return None, "not among the scanned hosts, or no v14\\Setup key reported"
    value = fact.value if isinstance(fact.value, Mapping) else {}
    parsed = Version.try_parse(value.get("exsetup_version"))
    if parsed is None:
        return None, "ExSetup.exe version not readable"
    return parsed, ""


def evaluate(ctx: RuleContext) -> Verdict:
    if family(ctx.exchange_version) == "2019":
        return ctx.not_applicable(
            f"Exchange {ctx.exchange_version} cannot coexist with Exchange 2010 at all: "
            "E19E14CoexistenceRequirement judges it", {}
        )
    servers = [
        s
        for s in org_common.with_serial(org_common.exchange_servers(ctx), "Version 14.")
        if int(s.get("roles") or 0) != 0
    ]
    evidence: dict[str, Any] = {
        "servers": [org_common.server_label(s) for s in servers],
        "minimum": "Exchange 2010 SP3 RU11 (14.3.266)",
    }
    if not servers:
        return ctx.not_applicable("no Exchange 2010 server in the organisation", evidence)
    numbers = {org_common.server_label(s): org_common.server_version_number(s) for s in servers}
    below_sp3 = [label for label, n in numbers.items() if n is not None and n < SP3]
    if below_sp3:
        evidence["below_sp3"] = below_sp3
        return ctx.failed(f"Exchange 2010 server(s) below SP3: {', '.join(below_sp3)}", evidence)
    no_version = [label for label, n in numbers.items() if n is None]
    builds: dict[str, str] = {}
    low: list[str] = []
    unread: list[str] = []
    for s in servers:
        name = str(s.get("name") or "")
        build, why = _own_build(ctx, name)
        in_ad = Version.try_parse(s.get("version"))
        if build is None and in_ad is not None and in_ad >= RU11:
            build = in_ad  # AD shows a later build than SP3 itself
        if build is None:
            unread.append(f"{name} ({why})")
        else:
            builds[name] = str(build)
            if build < RU11:
                low.append(f"{name} ({build})")
    evidence["exsetup_builds"] = builds
    if no_version:
        evidence["version_unreadable_in_ad"] = no_version
    setup = "Setup sees SP3 in AD" if not no_version else f"AD holds no version for {', '.join(no_version)}"
    if low:
        evidence["below_ru11"] = low
        return ctx.warned(f"{setup}, but Exchange 2010 below SP3 RU11 is not supported with Exchange 2016: "
                          f"{', '.join(low)}", evidence)
    if unread or no_version:
        evidence["rollup_not_read"] = unread
        return ctx.warned(f"{setup}; the update rollup (RU11 or later needed) could not be read for "
                          f"{', '.join(unread)}: AD does not record it", evidence)
    return ctx.passed(f"every Exchange 2010 server runs SP3 RU11 or later ({', '.join(sorted(builds))})",
                      evidence)
