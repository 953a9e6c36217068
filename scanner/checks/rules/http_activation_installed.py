"""On Windows Server 2008 R2 Setup checks that WCF HTTP Activation 3.x (the NET-HTTP-Activation feature)
is installed by looking for its registry key, HKLM\\SOFTWARE\\Microsoft\\NET Framework Setup\\NDP\\v3.0\\
Setup\\Windows Communication Foundation\\HTTPActivation, and refuses to go on without it. (Setup
behaviour: Exchange 2013 CU23 readiness engine; the 2016/2019 Setup logs show the rule evaluated too,
where it can only pass. Prerequisite: Microsoft's Exchange 2013 prerequisites page.)
"""

from __future__ import annotations

from typing import Any

from scanner.checks import common, setup_common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="HttpActivationInstalled",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="WCF HTTP Activation (NET-HTTP-Activation) is missing on Windows Server 2008 R2",
        fr="L'activation HTTP de WCF (NET-HTTP-Activation) est absente de Windows Server 2008 R2",
    ),
    remediation=setup_common.add_2008r2_feature_remediation("NET-HTTP-Activation"),
    help_url=setup_common.PREREQUISITES_2013,
    facts=("os.current_build", "netfx3.http_activation"),
)

REGISTRY = (r"HKLM\SOFTWARE\Microsoft\NET Framework Setup\NDP\v3.0\Setup\Windows Communication Foundation"
            r"\HTTPActivation")


def evaluate(ctx: RuleContext) -> Verdict:
    build = common.os_build(ctx)
    evidence: dict[str, Any] = {"os_build": build, "registry": REGISTRY}
    if not common.is_nt61(build):
        return ctx.not_applicable(
            f"checked on Windows Server 2008 R2 only; this is {common.windows_name(build)}", evidence)
    present = bool(ctx.value("netfx3.http_activation"))
    evidence["key_present"] = present
    if not present:
        return ctx.failed("the WCF HTTPActivation key is missing: NET-HTTP-Activation is not installed", evidence)
    return ctx.passed("WCF HTTP Activation is installed", evidence)
