"""On Windows Server 2008 R2 (NT 6.1) Setup refuses a Server Core installation."""

from __future__ import annotations

from typing import Any

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="WindowsServer2008CoreServerEdition",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013",),
    title=Text(
        en="Windows Server 2008 R2 Server Core cannot host Exchange 2013",
        fr="Windows Server 2008 R2 en mode Server Core ne peut pas héberger Exchange 2013",
    ),
    remediation=Text(
        en=(
            "Install Exchange 2013 on a full installation of Windows Server 2008 R2 SP1, or on "
            "Windows Server 2012 / 2012 R2."
        ),
        fr=(
            "Installez Exchange 2013 sur une installation complète de Windows Server 2008 R2 SP1, ou "
            "sur Windows Server 2012 / 2012 R2."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/exchange-2013-prerequisites-exchange-2013-help",
    facts=("os.current_build", "os.installation_type"),
)


def evaluate(ctx: RuleContext) -> Verdict:
    build = common.os_build(ctx)
    evidence: dict[str, Any] = {"os_build": build}
    if not common.is_nt61(build):
        return ctx.not_applicable(
            f"checked on Windows Server 2008 R2 only; this is {common.windows_name(build)}", evidence
        )
    kind = str(ctx.value("os.installation_type")).strip()
    evidence["installation_type"] = kind
    if kind.casefold() == "server core":
        return ctx.failed("Windows Server 2008 R2 Server Core installation", evidence)
    return ctx.passed(f"Windows Server 2008 R2, InstallationType {kind}", evidence)
