r"""From Exchange 2016 CU22, Windows Server 2012 and 2012 R2 need the Universal C Runtime update
KB2999226. Its presence is judged by System32\ucrtbase.dll, which the update installs; the hotfix
list is evidence.
"""

from __future__ import annotations

from typing import Any

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="KB2999226NotInstalled",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2016", "2019", "SE"),
    title=Text(
        en="Update KB2999226 (Universal C Runtime) is not installed",
        fr="La mise à jour KB2999226 (Universal C Runtime) n'est pas installée",
    ),
    remediation=Text(
        en=(
            "Install KB2999226 (Update for Universal C Runtime in Windows) on Windows Server 2012 / "
            "2012 R2, restart, then scan again."
        ),
        fr=(
            "Installez KB2999226 (mise à jour du Universal C Runtime de Windows) sur Windows Server "
            "2012 / 2012 R2, redémarrez, puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/deployment-ref/ms-exch-setupreadiness-kb2999226notinstalled",
    facts=("os.current_build", "file.ucrtbase_dll", "hotfix.ids"),
)

FIRST_CU = 22
KB = "KB2999226"


def evaluate(ctx: RuleContext) -> Verdict:
    t = common.target(ctx)
    build = common.os_build(ctx)
    hotfix = ctx.peek("hotfix.ids")
    listed = hotfix.present and KB in {str(i).upper() for i in (hotfix.value or [])} if hotfix else None
    evidence: dict[str, Any] = {
        "os_build": build,
        "target": t.label,
        "file": r"%SystemRoot%\System32\ucrtbase.dll",
        f"{KB.lower()}_listed": listed,
    }
    if t.version != "2016":
        return ctx.not_applicable(
            f"an Exchange 2016 requirement; {t.label} runs only where the runtime is built in", evidence
        )
    if t.cu < FIRST_CU:
        return ctx.not_applicable(f"{t.label} does not require {KB} (from CU{FIRST_CU})", evidence)
    if build not in (common.BUILD_2012, common.BUILD_2012R2):
        return ctx.not_applicable(f"{common.windows_name(build)} has the Universal C Runtime built in", evidence)
    found = common.file_version(ctx, "file.ucrtbase_dll")
    evidence["ucrtbase_dll"] = common.file_evidence(found)
    if found is None:
        return ctx.failed(f"ucrtbase.dll not found: {KB} not installed", evidence)
    return ctx.passed(f"Universal C Runtime present (ucrtbase.dll {found})", evidence)
