"""User-facing words in English and French. Rule texts live with the rules; this holds the rest."""

from __future__ import annotations

import os
from enum import StrEnum

LANG_ENV = "EXREADY_LANG"


class Lang(StrEnum):
    EN = "en"
    FR = "fr"


def default_lang() -> Lang:
    """EXREADY_LANG, else the locale's language when it is French, else English."""
    for var in (LANG_ENV, "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "").lower()
        if value:
            return Lang.FR if value.startswith("fr") else Lang.EN
    return Lang.EN


_WORDS: dict[str, tuple[str, str]] = {
    "READY": ("READY", "PRÊT"),
    "READY_WITH_WARNINGS": ("READY (warnings)", "PRÊT (avertissements)"),
    "READY_WITH_WARNINGS_short": ("READY (warn)", "PRÊT (avert.)"),
    "BLOCKED": ("BLOCKED", "BLOQUÉ"),
    "UNKNOWN": ("UNKNOWN", "INCONNU"),
    "host": ("Host", "Serveur"),
    "site": ("Site", "Site"),
    "notes": ("Notes", "Remarques"),
    "role": ("Role", "Rôle"),
    "summary": ("Summary by role", "Synthèse par rôle"),
    "rule": ("Rule", "Règle"),
    "status": ("Status", "Statut"),
    "severity": ("Severity", "Gravité"),
    "detail": ("Detail", "Détail"),
    "outcome": ("Outcome", "Résultat du scan"),
    "warnings": ("Warnings", "Avertissements"),
    "reason": ("Reason", "Raison"),
    "evidence": ("Evidence", "Éléments"),
    "n_rules": ("{count} rules: {names}", "{count} règles : {names}"),
    "pass": ("pass", "conforme"),
    "fail": ("fail", "échec"),
    "warn": ("warn", "avertissement"),
    "not_applicable": ("not applicable", "sans objet"),
    "unknown": ("unknown", "inconnu"),
    "hosts_scanned": ("{ok} of {total} hosts scanned", "{ok} serveurs analysés sur {total}"),
    "wrote": ("wrote {path}", "écrit : {path}"),
    "legend_not_judged": (
        "* some rules were not judged, e.g. {example}. Details: exready show HOST",
        "* certaines règles n'ont pas été évaluées, par ex. {example}. Détails : exready show HOST"),
    "not_judged_ad": ("not judged without Active Directory (scan with --ad): {rules}",
                      "non évaluées sans Active Directory (analyser avec --ad) : {rules}"),
    "not_judged_installer": ("not judged without the installer account (--installer-account): {rules}",
                             "non évaluées sans le compte d'installation (--installer-account) : {rules}"),
    "cell_not_judged": ("could not be judged: {rules}", "non évaluables : {rules}"),
    "and_more": ("{names} and {count} more", "{names} et {count} autres"),
    # how a host's scan ended (OutcomeKind), in the matrix's notes and in show
    "ok": ("ok", "ok"),
    "unreachable": ("unreachable", "injoignable"),
    "auth_failed": ("auth_failed", "authentification refusée"),
    "timeout": ("timeout", "délai dépassé"),
    "tls_error": ("tls_error", "erreur TLS"),
    "remote_fault": ("remote_fault", "erreur distante"),
    "probe_error": ("probe_error", "erreur de collecte"),
    "not_attempted": ("not_attempted", "non tenté"),
    "interrupted": ("interrupted", "interrompu"),
    "organisation": ("Organisation (no server in the document; the rules judged from the directory)",
                     "Organisation (aucun serveur dans le document ; règles évaluées depuis l'annuaire)"),
    "no_host": ("no host named {name} in {source}", "aucun serveur nommé {name} dans {source}"),
    "breaker_stopped": (
        "the authentication breaker stopped the run: {failed} host(s) refused the account (first: {host}: "
        "{reason}); {skipped} host(s) not attempted, so that the account is not locked out",
        "le disjoncteur d'authentification a arrêté l'analyse : {failed} serveur(s) ont refusé le compte "
        "(premier : {host} : {reason}) ; {skipped} serveur(s) non tenté(s), pour ne pas verrouiller le compte"),
    "pypsrp_for_some_hosts": (
        "exready: {count} host(s) authenticate with Kerberos or CredSSP: their sessions run on pypsrp (a thread "
        "each), the others on the lean asyncio path",
        "exready : {count} serveur(s) s'authentifient par Kerberos ou CredSSP : leurs sessions passent par pypsrp "
        "(un thread chacune), les autres par le chemin asyncio allégé"),
    "breaker_stopped_short": (
        "the authentication breaker stopped the run: {skipped} host(s) not attempted, so that the account is "
        "not locked out",
        "le disjoncteur d'authentification a arrêté l'analyse : {skipped} serveur(s) non tenté(s), pour ne pas "
        "verrouiller le compte"),
}


def t(key: str, lang: Lang = Lang.EN, **values: object) -> str:
    pair = _WORDS.get(key)
    if pair is None:
        return key
    text = pair[1] if lang is Lang.FR else pair[0]
    return text.format(**values) if values else text
