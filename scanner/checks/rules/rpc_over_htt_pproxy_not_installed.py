"""Setup asks Get-WindowsFeature whether RPC-over-HTTP-proxy is installed and fails when it is not."""

from __future__ import annotations

from typing import Any

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="RPCOverHTTPproxyNotInstalled",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019"),
    title=Text(
        en="The RPC over HTTP Proxy feature is not installed",
        fr="La fonctionnalité Proxy RPC sur HTTP n'est pas installée",
    ),
    remediation=Text(
        en=(
            "Add the RPC-over-HTTP-proxy Windows feature (Install-WindowsFeature RPC-over-HTTP-proxy), then scan again."
        ),
        fr=(
            "Ajoutez la fonctionnalité Windows RPC-over-HTTP-proxy (Install-WindowsFeature "
            "RPC-over-HTTP-proxy), puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/prerequisites",
    facts=("windows.features",),
)

FEATURE = "RPC-over-HTTP-proxy"


def evaluate(ctx: RuleContext) -> Verdict:
    evidence: dict[str, Any] = {"feature": FEATURE, "source": "Get-WindowsFeature"}
    installed = common.feature_installed(ctx, FEATURE)
    evidence["installed"] = installed
    if not installed:
        return ctx.failed("RPC-over-HTTP-proxy is not installed", evidence)
    return ctx.passed("RPC-over-HTTP-proxy is installed", evidence)
