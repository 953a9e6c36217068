"""Setup needs the Windows Media codecs that Unified Messaging uses (Desktop Experience on Windows Server
2008 R2 and 2012/2012 R2, Server Media Foundation on 2012 and later for Exchange 2016/2019). It reads the
version of System32\\wmspdmod.dll and wmspdmoe.dll and fails when either file is missing or is version
10.0.0.x with a revision below 3804. When a Windows component install is waiting for a restart it skips
the test (PendingRebootWindowsComponents reports that). (Setup behaviour: Exchange 2013 CU23 readiness
engine; the 2016/2019 Setup logs show the rule evaluated too.)
"""

from __future__ import annotations

from typing import Any

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.facts.version import Version
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="LonghornWmspdmoxNotInstalled",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="The Windows Media codecs (wmspdmod.dll, wmspdmoe.dll) are missing or too old",
        fr="Les codecs Windows Media (wmspdmod.dll, wmspdmoe.dll) sont absents ou trop anciens",
    ),
    remediation=Text(
        en=(
            "Add the Desktop-Experience feature (Exchange 2013) or the Server-Media-Foundation feature "
            "(Exchange 2016 and 2019), restart, then scan again."
        ),
        fr=(
            "Ajoutez la fonctionnalité Desktop-Experience (Exchange 2013) ou Server-Media-Foundation "
            "(Exchange 2016 et 2019), redémarrez, puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/prerequisites",
    facts=("reboot.pending", "file.wmspdmod_dll", "file.wmspdmoe_dll"),
)

FILES = (("wmspdmod.dll", "file.wmspdmod_dll"), ("wmspdmoe.dll", "file.wmspdmoe_dll"))
MIN_REVISION = 3804  # of a 10.0.0.x file


def too_old(found: Version) -> bool:
    parts = (*found.parts, 0, 0, 0, 0)
    return parts[:3] == (10, 0, 0) and parts[3] < MIN_REVISION


def evaluate(ctx: RuleContext) -> Verdict:
    pending = ctx.value("reboot.pending") or []
    evidence: dict[str, Any] = {"reboot_pending": list(pending)}
    if "cbs_reboot_pending" in pending:
        return ctx.not_applicable(
            "a Windows component install waits for a restart: Setup skips this test", evidence)
    bad = []
    for name, fact in FILES:
        found = common.file_version(ctx, fact)
        evidence[name] = common.file_evidence(found)
        if found is None:
            bad.append(f"{name} missing")
        elif too_old(found):
            bad.append(f"{name} {found} below 10.0.0.{MIN_REVISION}")
    if bad:
        return ctx.failed("Windows Media codecs: " + ", ".join(bad), evidence)
    return ctx.passed("wmspdmod.dll and wmspdmoe.dll present", evidence)
