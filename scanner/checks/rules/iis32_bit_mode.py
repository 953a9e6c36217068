"""Setup stops when IIS application pools default to 32-bit (enable32BitAppOnWin64 in the
applicationPoolDefaults of applicationHost.config, read as a file rather than through
WebAdministration).
"""

from __future__ import annotations

from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="Iis32BitMode",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="IIS application pools default to 32-bit mode",
        fr="Les pools d'applications IIS sont en mode 32 bits par défaut",
    ),
    remediation=Text(
        en=(
            "Set enable32BitAppOnWin64 to false in the application pool defaults (IIS Manager > "
            "Application Pools > Set Application Pool Defaults), then scan again."
        ),
        fr=(
            "Réglez enable32BitAppOnWin64 sur false dans les valeurs par défaut des pools "
            "d'applications (Gestionnaire IIS > Pools d'applications > Définir les valeurs par "
            "défaut), puis relancez l'analyse."
        ),
    ),
    help_url="https://learn.microsoft.com/exchange/iis-is-in-32-bit-compatibility-mode-iis32bitmode-exchange-2013-help",
    facts=("iis.app_pool_32bit",),
)

CONFIG = r"%SystemRoot%\System32\inetsrv\config\applicationHost.config"


def evaluate(ctx: RuleContext) -> Verdict:
    enabled = ctx.optional("iis.app_pool_32bit")
    evidence = {"file": CONFIG, "element": "applicationPoolDefaults/@enable32BitAppOnWin64", "value": enabled}
    if enabled is None:
        return ctx.not_applicable(
            "IIS is not configured (no applicationHost.config): the IIS rules report it", evidence
        )
    if enabled:
        return ctx.failed("applicationPoolDefaults enable32BitAppOnWin64 is true", evidence)
    return ctx.passed("application pools default to 64-bit", evidence)
