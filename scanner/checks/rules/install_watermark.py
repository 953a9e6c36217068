"""A setup run that stopped part-way leaves a Watermark value under its role key in
HKLM\\SOFTWARE\\Microsoft\\ExchangeServer\\v15. Setup fails on any watermark value in any subkey
(not only those whose Action is Install); the verdict names the key and its Action.

Roles: the 2013 CU23 engine declares it for every server role and for Global, not for AdminTools
(Appendix A of the readiness catalogue), so the ManagementTools column does not run it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.checks.context import RuleContext
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

META = RuleMeta(
    id="InstallWatermark",
    severity=Severity.ERROR,
    scope=Scope.HOST,
    versions=("2013", "2016", "2019", "SE"),
    title=Text(
        en="An earlier Exchange Setup run stopped part-way (installation watermark present)",
        fr="Une exécution précédente du programme d'installation d'Exchange s'est arrêtée en cours "
        "(marqueur d'installation présent)",
    ),
    remediation=Text(
        en="Finish the interrupted operation first: run Setup again for the role named in the watermark (the "
        "graphical Setup resumes from it), or remove that role. Do not delete the Watermark value by hand.",
        fr="Terminez d'abord l'opération interrompue : relancez le programme d'installation pour le rôle "
        "indiqué par le marqueur (l'installation graphique reprend à partir de celui-ci), ou supprimez ce "
        "rôle. Ne supprimez pas la valeur Watermark à la main.",
    ),
    help_url="https://learn.microsoft.com/exchange/"
    "setup-failure-occurred-while-installing-a-server-role-installwatermark-exchange-2013-help",
    facts=("exchange.v15.roles",),
)

V15 = r"HKLM\SOFTWARE\Microsoft\ExchangeServer\v15"


def evaluate(ctx: RuleContext) -> Verdict:
    entries = ctx.optional("exchange.v15.roles")
    if entries is None:
        return ctx.passed("no ExchangeServer\\v15 key", {"registry": V15})
    marked: list[Mapping[str, Any]] = [e for e in entries if e.get("watermark") is not None]
    evidence: dict[str, Any] = {
        "registry": V15,
        "keys": [str(e.get("key")) for e in entries],
        "watermarks": [
            {"key": e.get("key"), "action": e.get("action"), "watermark": e.get("watermark")} for e in marked
        ],
    }
    if not marked:
        return ctx.passed(f"no Watermark value under {len(entries)} v15 subkey(s)", evidence)
    parts = [
        f"v15\\{e.get('key')} (Action={e.get('action') or 'none'}, Watermark={e.get('watermark')})"
        for e in marked
    ]
    return ctx.failed("watermark under " + "; ".join(parts), evidence)
