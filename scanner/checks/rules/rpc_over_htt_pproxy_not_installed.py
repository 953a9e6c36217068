"""Setup asks Get-WindowsFeature whether RPC-over-HTTP-proxy is installed and fails when it is not."""

from __future__ import annotations

from scanner.checks import common
from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

FEATURE = "RPC-over-HTTP-proxy"

META = RuleMeta(
    id="RPCOverHTTPproxyNotInstalled",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="The RPC over HTTP Proxy feature is not installed",
        fr="La fonctionnalité Proxy RPC sur HTTP n'est pas installée",
    ),
    remediation=common.add_feature_remediation(FEATURE),
    help_url="https://learn.microsoft.com/exchange/plan-and-deploy/prerequisites",
    facts=("windows.features",),
)


def evaluate(ctx: RuleContext) -> Verdict:
    return common.judge_feature(ctx, FEATURE)
