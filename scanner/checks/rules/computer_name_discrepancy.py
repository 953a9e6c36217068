"""Setup compares the computer's NetBIOS name with its DNS host name (GetComputerNameEx), ignoring case,
and refuses to install when they differ. The NetBIOS name is COMPUTERNAME; the DNS host name is the
TCP/IP Hostname value. (Setup behaviour: Exchange 2013 CU23 readiness engine; also evaluated by the
2016/2019 Setup, as their logs show.)
"""

from __future__ import annotations

from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="ComputerNameDiscrepancy",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="The computer's NetBIOS name differs from its DNS host name",
        fr="Le nom NetBIOS de l'ordinateur diffère de son nom d'hôte DNS",
    ),
    remediation=Text(
        en=(
            "Rename the computer so that its NetBIOS name and DNS host name are the same (at most 15 "
            "characters), restart, then scan again."
        ),
        fr=(
            "Renommez l'ordinateur pour que son nom NetBIOS et son nom d'hôte DNS soient identiques (15 "
            "caractères au plus), redémarrez, puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/troubleshoot/windows-server/active-directory/naming-conventions-for-computer-domain-site-ou",
    facts=("computer.name", "computer.dns_hostname"),
)

REGISTRY = r"HKLM\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters\Hostname"


def evaluate(ctx: RuleContext) -> Verdict:
    netbios = str(ctx.value("computer.name")).strip()
    dns = str(ctx.value("computer.dns_hostname")).strip()
    evidence = {"netbios_name": netbios, "dns_host_name": dns, "registry": REGISTRY}
    if netbios.casefold() != dns.casefold():
        return ctx.failed(f"NetBIOS name {netbios} differs from DNS host name {dns}", evidence)
    return ctx.passed(f"NetBIOS name and DNS host name are both {netbios}", evidence)
