"""Exchange 2016 cannot run on Server Core or Nano Server; Exchange 2019 can. The registry value
InstallationType ('Server', 'Server Core', 'Nano Server') tells them apart.
"""

from __future__ import annotations

from scanner.checks import se_sources as se
from scanner.checks.context import RuleContext
from scanner.checks.targets import family
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="IsServerCoreInstalled",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2016", "2019", "SE"),
    title=Text(
        en=("Windows Server Core or Nano Server is installed (Exchange 2016 needs the Desktop Experience)"),
        fr=("Windows Server Core ou Nano Server est installé (Exchange 2016 exige l'expérience utilisateur)"),
    ),
    remediation=Text(
        en=(
            "Exchange 2016 needs Windows Server with the Desktop Experience: reinstall Windows with "
            "it, or install Exchange 2019 or SE, which support Server Core."
        ),
        fr=(
            "Exchange 2016 exige Windows Server avec l'expérience utilisateur : réinstallez Windows "
            "avec celle-ci, ou installez Exchange 2019 ou SE, qui prennent en charge Server Core."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/deployment-ref/ms-exch-setupreadiness-isservercoreinstalled",
    facts=("os.installation_type",),
    sources=(se.SERVER_CORE,),  # the Exchange SE values (scanner/checks/se_sources.py)
)


def evaluate(ctx: RuleContext) -> Verdict:
    kind = str(ctx.value("os.installation_type")).strip()
    evidence = {
        "registry": r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\InstallationType",
        "installation_type": kind,
    }
    if family(ctx.exchange_version) == "2019":
        return ctx.not_applicable(
            f"Exchange {ctx.exchange_version} supports Server Core (InstallationType {kind})", evidence
        )
    if kind.casefold() == "server":
        return ctx.passed("Windows Server with the Desktop Experience", evidence)
    return ctx.failed(f"InstallationType is {kind!r}, not 'Server'", evidence)
