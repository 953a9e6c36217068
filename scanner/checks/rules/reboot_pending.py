r"""Setup stops when PendingFileRenameOperations is non-empty or UpdateExeVolatile\Flags is not 0. Other
pending-restart signals (Windows Update, a computer rename) are evidence, not this rule.
"""

from __future__ import annotations

from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="RebootPending",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="A restart is pending (file renames or an update waiting for a reboot)",
        fr=("Un redémarrage est en attente (renommages de fichiers ou mise à jour en attente de redémarrage)"),
    ),
    remediation=Text(
        en="Restart the server, then scan again.",
        fr="Redémarrez le serveur, puis relancez l'analyse.",
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/deployment-ref/ms-exch-setupreadiness-rebootpending",
    facts=("reboot.pending",),
)

SETUP_SOURCES = ("pending_file_rename", "update_exe_volatile")


def evaluate(ctx: RuleContext) -> Verdict:
    sources = [str(s) for s in (ctx.value("reboot.pending") or [])]
    hits = [s for s in sources if s in SETUP_SOURCES]
    evidence = {
        "sources": sources,
        "setup_reads": list(SETUP_SOURCES),
        "registry": [
            r"HKLM\SYSTEM\CurrentControlSet\Control\Session Manager\PendingFileRenameOperations",
            r"HKLM\SOFTWARE\Microsoft\Updates\UpdateExeVolatile\Flags",
        ],
    }
    if hits:
        return ctx.failed("restart pending: " + ", ".join(hits), evidence)
    return ctx.passed("no pending file renames or update restart", evidence)
