"""Setup stops when the RebootPending subkey exists under Component Based Servicing."""

from __future__ import annotations

from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="PendingRebootWindowsComponents",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="A Windows component installation is waiting for a restart",
        fr="L'installation d'un composant Windows attend un redémarrage",
    ),
    remediation=Text(
        en="Restart the server to finish the Windows component (CBS) installation, then scan again.",
        fr=("Redémarrez le serveur pour terminer l'installation du composant Windows (CBS), puis relancez l'analyse."),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/deployment-ref/ms-exch-setupreadiness-pendingrebootwindowscomponents",
    facts=("reboot.pending",),
)


def evaluate(ctx: RuleContext) -> Verdict:
    sources = [str(s) for s in (ctx.value("reboot.pending") or [])]
    evidence = {
        "sources": sources,
        "registry": r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending",
    }
    if "cbs_reboot_pending" in sources:
        return ctx.failed("Component Based Servicing\\RebootPending key present", evidence)
    return ctx.passed("no Windows component restart pending", evidence)
