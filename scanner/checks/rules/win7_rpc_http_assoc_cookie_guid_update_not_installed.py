"""KB2619234 on Windows Server 2008 R2: Setup compares the file versions of rpchttp.dll and rpcrt4.dll
against the LDR-branch build of the update. The installed-hotfix list is evidence only: Setup never
reads it, and a GDR-branch file with a lower fourth part fails even when the KB is listed."""

from __future__ import annotations

from typing import Any

from scanner.checks.context import RuleContext
from scanner.facts.version import Version
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="Win7RpcHttpAssocCookieGuidUpdateNotInstalled",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="KB2619234 (RPC over HTTP association cookie update) is not installed",
        fr="La mise à jour KB2619234 (cookie d'association RPC sur HTTP) n'est pas installée",
    ),
    remediation=Text(
        en="Install update KB2619234 for Windows Server 2008 R2 so that rpchttp.dll and rpcrt4.dll reach "
        "6.1.7601.21855 (SP1, build 7601) or 6.1.7600.21085 (RTM, build 7600), restart, then scan again.",
        fr="Installez la mise à jour KB2619234 pour Windows Server 2008 R2 afin que rpchttp.dll et "
        "rpcrt4.dll "
        "atteignent 6.1.7601.21855 (SP1, build 7601) ou 6.1.7600.21085 (RTM, build 7600), redémarrez, "
        "puis relancez l'analyse.",
    ),
    help_url="https://learn.microsoft.com/exchange/kb2619234-update-not-installed-exchange-2013-help",
    facts=("os.current_build", "file.rpchttp_dll", "file.rpcrt4_dll", "hotfix.ids"),
)

KB = "KB2619234"
THRESHOLDS: dict[str, Version] = {
    "7600": Version.of(6, 1, 7600, 21085),
    "7601": Version.of(6, 1, 7601, 21855),
}
_NO_VERSION = Version.of(0, 0, 0, 0)


def _hotfix_evidence(ctx: RuleContext) -> Any:
    f = ctx.peek("hotfix.ids")
    if f is None:
        return "not reported"
    if not f.present:
        return f"{f.status.value}: {f.error}" if f.error else f.status.value
    ids = {str(i).strip().upper() for i in f.value or []}
    return KB in ids


def evaluate(ctx: RuleContext) -> Verdict:
    build = str(ctx.value("os.current_build")).strip()
    threshold = THRESHOLDS.get(build)
    evidence: dict[str, Any] = {"os_build": build, f"{KB.lower()}_listed": _hotfix_evidence(ctx)}
    if threshold is None:
        return ctx.not_applicable(f"OS build {build} is not Windows Server 2008 R2 (7600/7601)", evidence)
    evidence["threshold"] = str(threshold)
    rpchttp = ctx.version("file.rpchttp_dll")
    evidence["rpchttp_dll"] = str(rpchttp) if rpchttp is not None else "absent"
    # Setup only requires the update when RPC over HTTP is there (rpchttp.dll with a version).
    if rpchttp is None or rpchttp == _NO_VERSION:
        return ctx.passed("rpchttp.dll is not present; the update is not required", evidence)
    rpcrt4 = ctx.required_version("file.rpcrt4_dll")  # always there on a working Windows: absent is a gap
    evidence["rpcrt4_dll"] = str(rpcrt4)
    low = [
        f"{name} {v} < {threshold}"
        for name, v in (("rpchttp.dll", rpchttp), ("rpcrt4.dll", rpcrt4))
        if v < threshold
    ]
    if low:
        return ctx.failed(f"build {build}: " + ", ".join(low), evidence)
    return ctx.passed(f"build {build}: rpchttp.dll {rpchttp}, rpcrt4.dll {rpcrt4} (>= {threshold})", evidence)
