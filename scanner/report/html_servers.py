"""The HTML report's "Exchange servers in Active Directory" section: every Exchange server object the scan read
from AD, with its version, product and whether Microsoft still supports it (ad.exchange_servers), so the
migration lead sees what still has to go. Nothing when AD was not read."""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import date
from typing import Any

from scanner.facts.lifecycle import lifecycle
from scanner.facts.version import Version
from scanner.model.run import ScanResult

_WORDS: Mapping[str, tuple[str, str]] = {
    "title": ("Exchange servers in Active Directory", "Serveurs Exchange dans Active Directory"),
    "server": ("Server", "Serveur"),
    "version": ("Version", "Version"),
    "product": ("Product", "Produit"),
    "support": ("Microsoft support", "Support Microsoft"),
    "supported": ("supported", "pris en charge"),
    "modern": ("supported (Modern Lifecycle)", "pris en charge (cycle de vie moderne)"),
    "ended": ("ended {date}", "terminé le {date}"),
    "unknown": ("unknown", "inconnu"),
    "summary": ("{n} of {total} out of support", "{n} sur {total} hors support"),
}


def _w(key: str, lang: str, **values: object) -> str:
    en, fr = _WORDS[key]
    return (fr if lang == "fr" else en).format(**values)


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=False)


def _support(server: Mapping[str, Any], today: date) -> tuple[str | None, bool | None, str | None]:
    """(product, supported, end of support ISO date) from the facts, or from the version for older facts."""
    if "supported" in server:
        supported = server.get("supported")
        return (server.get("product"), supported if isinstance(supported, bool) else None,
                server.get("end_of_support"))
    life = lifecycle(Version.try_parse(server.get("version")), today)
    if life is None:
        return None, None, None
    return life.product, life.supported, life.end_of_support.isoformat() if life.end_of_support else None


def exchange_servers_section(result: ScanResult, lang: str, today: date | None = None) -> str:
    fact = result.org.facts.get("ad.exchange_servers")
    if fact is None or not fact.present or not isinstance(fact.value, list) or not fact.value:
        return ""
    day = today or date.today()
    rows = []
    gone = 0
    for s in fact.value:
        if not isinstance(s, Mapping):
            continue
        product, supported, end = _support(s, day)
        if supported is False:
            gone += 1
            text, css = _w("ended", lang, date=end or "?"), "st-fail"
        elif supported:
            text, css = _w("modern", lang) if end is None else _w("supported", lang), "st-pass"
        else:
            text, css = _w("unknown", lang), "st-unknown"
        rows.append(f'<tr><td>{_e(s.get("name"))}</td><td>{_e(s.get("version") or s.get("serial_number"))}</td>'
                    f'<td>{_e(product or _w("unknown", lang))}</td><td class="{css}">{_e(text)}</td></tr>')
    return (
        f'<section id="exchange-servers"><h2>{_e(_w("title", lang))}</h2>'
        f'<p>{_e(_w("summary", lang, n=gone, total=len(rows)))}</p><table class="counts"><thead><tr>'
        f'<th>{_e(_w("server", lang))}</th><th>{_e(_w("version", lang))}</th><th>{_e(_w("product", lang))}</th>'
        f'<th>{_e(_w("support", lang))}</th></tr></thead><tbody>' + "".join(rows) + "</tbody></table></section>"
    )
