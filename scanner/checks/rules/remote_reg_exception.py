"""Setup opens the registry of its own computer through the Remote Registry service
([Microsoft.Win32.RegistryKey]::OpenRemoteBaseKey on the computer's FQDN) and stops when that throws.
The usual cause is the Remote Registry service disabled or removed. exready reads the service's Start
value: missing or disabled fails. On Windows Server 2012 and later the service starts on demand (a
trigger on its named pipe; exready assumes it is still there), so manual or automatic passes; on
Windows Server 2008 R2 a manual service must be running, which exready reads from the service state.
(Setup behaviour: Exchange 2013 CU23 readiness engine; the 2016/2019 Setup logs show the rule evaluated
too, and CSS-Exchange's SetupLogReviewer names the call. RegConnectRegistry's documentation: the service
must be running on the computer whose registry is opened.)
"""

from __future__ import annotations

from typing import Any

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="RemoteRegException",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="Setup cannot open this computer's registry through the Remote Registry service",
        fr="Le programme d'installation ne peut pas ouvrir le registre de cet ordinateur via le service "
        "Registre à distance",
    ),
    remediation=Text(
        en=(
            "Set the Remote Registry service (RemoteRegistry) to Automatic and start it (Set-Service "
            "RemoteRegistry -StartupType Automatic; Start-Service RemoteRegistry), then scan again."
        ),
        fr=(
            "Configurez le service Registre à distance (RemoteRegistry) en démarrage automatique et "
            "démarrez-le (Set-Service RemoteRegistry -StartupType Automatic; Start-Service RemoteRegistry), "
            "puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/windows/win32/api/winreg/nf-winreg-regconnectregistryw",
    facts=("os.current_build", "services.start", "services.status"),
)

SERVICE = "RemoteRegistry"


def evaluate(ctx: RuleContext) -> Verdict:
    start = common.service_start(ctx, SERVICE)
    evidence: dict[str, Any] = {"registry": f"{common.SERVICES_KEY}\\{SERVICE}\\Start",
                                "start": common.start_text(start)}
    if common.missing_or_disabled(start):
        return ctx.failed(f"Remote Registry service {common.start_text(start)}", evidence)
    build = common.os_build(ctx)
    evidence["os_build"] = build
    if start == 3 and common.is_nt61(build):
        status = common.service_status(ctx, SERVICE)
        evidence["status"] = status
        if status != "Running":
            return ctx.failed(f"Remote Registry service manual and {status or 'not installed'} on "
                              f"{common.windows_name(build)}", evidence)
    return ctx.passed(f"Remote Registry service Start {common.start_text(start)}", evidence)
