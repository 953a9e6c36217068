"""``exready inventory``: what a sweep would scan, and why everything else was left out.

With ``--ad URL`` it reads the computers from Active Directory (and the organisation facts); with
``--inventory FILE`` it shows the hosts of an inventory file. ``--output FILE`` writes the list as an
inventory CSV that ``exready scan --inventory`` reads back.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from tabulate import tabulate

from scanner.cli.ad_options import (
    AdAllowCleartext,
    AdAuthOption,
    AdBase,
    AdCaFile,
    AdDeadline,
    AdDnsServer,
    AdInsecure,
    AdName,
    AdNoDns,
    AdOu,
    AdResolve,
    AdResolveFile,
    AdStaleDays,
    AdStartTls,
    AdTimeout,
    AdTlsName,
    AdUrl,
    AdUser,
    ad_settings,
)
from scanner.cli.terminal import echo
from scanner.directory.discovery import ExclusionReason
from scanner.directory.settings import DEFAULT_STALE_DAYS, AdAuth
from scanner.errors import UsageError
from scanner.facts.serial import org_facts_to_dict
from scanner.i18n import Lang, default_lang
from scanner.inventory.ad import AdInventory, discover_hosts
from scanner.model.facts import OrgFacts
from scanner.model.host import Host
from scanner.report.csv_safe import write_csv

_WORDS: dict[str, tuple[str, str]] = {
    "name": ("Name", "Nom"),
    "fqdn": ("FQDN", "FQDN"),
    "address": ("Address", "Adresse"),
    "site": ("Site", "Site"),
    "os": ("Operating system", "Système"),
    "dc": ("DC", "DC"),
    "source": ("Source", "Source"),
    "port": ("Port", "Port"),
    "scheme": ("Scheme", "Schéma"),
    "auth": ("Authentication", "Authentification"),
    "tags": ("Tags", "Étiquettes"),
    "defaults": (
        "An empty port, scheme or authentication: the scan's --scheme and --auth decide (port 5985 for http, "
        "5986 for https).",
        "Port, schéma ou authentification vides : --scheme et --auth de l'analyse décident (port 5985 pour "
        "http, 5986 pour https).",
    ),
    "yes": ("yes", "oui"),
    "read-only": ("read-only", "lecture seule"),
    "read": (
        "{source}: {seen} computer objects read under {bases}",
        "{source} : {seen} objets ordinateur lus sous {bases}",
    ),
    "to_scan": ("{n} host(s) to scan", "{n} serveur(s) à analyser"),
    "left_out": ("Left out: {n}", "Écartés : {n}"),
    "none_left_out": ("Left out: none", "Écartés : aucun"),
    "site_unknown": ("Site unknown for {n} host(s):", "Site inconnu pour {n} serveur(s) :"),
    "org": (
        "Exchange organisation: {name} (objectVersion {version}); schema rangeUpper {schema}; "
        "{servers} Exchange server object(s), {rus} Recipient Update Service object(s)",
        "Organisation Exchange : {name} (objectVersion {version}) ; schéma rangeUpper {schema} ; "
        "{servers} objet(s) serveur Exchange, {rus} objet(s) Recipient Update Service",
    ),
    "no_org": (
        "No Exchange organisation in this forest (schema rangeUpper: {schema})",
        "Aucune organisation Exchange dans cette forêt (schéma rangeUpper : {schema})",
    ),
    "never_logged_on": (
        "Kept, never logged on (pre-staged account, or the machine never joined): {n}: {names}",
        "Conservés, jamais connectés (compte pré-créé, ou machine jamais jointe) : {n} : {names}",
    ),
    "none": ("none", "aucun"),
    "wrote": ("wrote {path}", "écrit : {path}"),
    ExclusionReason.NAME: ("name matches no --name pattern", "nom hors des motifs --name"),
    ExclusionReason.NOT_WINDOWS: (
        "not Windows (or no operating system recorded)",
        "pas Windows (ou système non renseigné)",
    ),
    ExclusionReason.WORKSTATION: ("Windows client, not Windows Server", "poste Windows, pas Windows Server"),
    ExclusionReason.DISABLED: ("account disabled", "compte désactivé"),
    ExclusionReason.STALE: (
        "stale (no logon within --stale-days, default 90)",
        "inactif (aucune connexion depuis --stale-days, 90 par défaut)",
    ),
    ExclusionReason.DUPLICATE: (
        "same short name as another computer already listed",
        "même nom court qu'un ordinateur déjà listé",
    ),
    "site unknown: name did not resolve": ("name did not resolve", "le nom ne se résout pas"),
    "site unknown: address in no AD subnet": ("address in no AD subnet", "adresse dans aucun sous-réseau AD"),
}

# the columns scan --inventory reads; port, scheme and auth carry a host's own connection settings
INVENTORY_CSV_HEADER = ("name", "fqdn", "address", "site", "port", "scheme", "auth", "tags")


def _w(key: str, lang: Lang, **values: object) -> str:
    pair = _WORDS.get(key)
    text = key if pair is None else (pair[1] if lang is Lang.FR else pair[0])
    return text.format(**values) if values else text


def host_rows(hosts: tuple[Host, ...], lang: Lang) -> list[list[str]]:
    return [
        [
            h.name,
            h.fqdn or "",
            h.address or "",
            h.site or "",
            h.os or "",
            _w("read-only", lang) if h.is_rodc else _w("yes", lang) if h.is_dc else "",
            h.source,
        ]
        for h in hosts
    ]


def file_host_rows(hosts: tuple[Host, ...]) -> list[list[str]]:
    """An inventory file's hosts with the connection settings each may carry of its own."""
    return [
        [h.name, h.fqdn or "", h.address or "", h.site or "", "" if h.port is None else str(h.port),
         h.scheme.value if h.scheme else "", h.auth.value if h.auth else "", " ".join(h.tags), h.source]
        for h in hosts
    ]


def render_ad_inventory(inv: AdInventory, lang: Lang) -> str:
    d = inv.discovery
    headers = [_w(k, lang) for k in ("name", "fqdn", "address", "site", "os", "dc", "source")]
    lines = [_w("read", lang, source=inv.source, seen=d.seen, bases="; ".join(d.bases)), ""]
    if inv.hosts:
        lines.append(
            tabulate(host_rows(inv.hosts, lang), headers=headers, tablefmt="simple", disable_numparse=True)
        )
        lines.append("")
    lines.append(_w("to_scan", lang, n=len(inv.hosts)))
    counts = d.exclusion_counts
    if counts:
        lines.append(_w("left_out", lang, n=sum(counts.values())))
        lines.extend(f"  {n:>5}  {_w(reason, lang)}" for reason, n in counts.items())
    else:
        lines.append(_w("none_left_out", lang))
    if d.never_logged_on:
        names = ", ".join(d.never_logged_on[:8]) + (", …" if len(d.never_logged_on) > 8 else "")
        lines.append(_w("never_logged_on", lang, n=len(d.never_logged_on), names=names))
    if d.site_notes:
        lines.append(_w("site_unknown", lang, n=len(d.site_notes)))
        by_note: dict[str, list[str]] = {}
        for host, note in sorted(d.site_notes.items()):
            by_note.setdefault(note, []).append(host)
        for note, hosts in by_note.items():
            shown = ", ".join(hosts[:8]) + (", …" if len(hosts) > 8 else "")
            sep = " : " if lang is Lang.FR else ": "
            lines.append(f"  {len(hosts):>5}  {_w(note, lang)}{sep}{shown}")
    summary = _org_line(inv.org, lang)
    if summary:
        lines.append(summary)
    return "\n".join(lines)


def _org_line(org: OrgFacts, lang: Lang) -> str:
    if not org.facts:
        return ""
    org_fact, schema = org.get("ad.exchange_org"), org.get("ad.exchange_schema_version")
    schema_text = str(schema.value) if schema is not None and schema.present else _w("none", lang)
    if org_fact is None or not org_fact.present:
        return _w("no_org", lang, schema=schema_text)
    servers, rus = org.get("ad.exchange_servers"), org.get("ad.rus")
    return _w(
        "org",
        lang,
        name=org_fact.value.get("name"),
        version=org_fact.value.get("object_version"),
        schema=schema_text,
        servers=len(servers.value) if servers and servers.present else "?",
        rus=len(rus.value) if rus and rus.present else "?",
    )


def ad_inventory_json(inv: AdInventory) -> dict[str, Any]:
    return {
        "source": inv.source,
        "seen": inv.discovery.seen,
        "bases": list(inv.discovery.bases),
        "hosts": [
            {
                "name": h.name,
                "fqdn": h.fqdn,
                "address": h.address,
                "site": h.site,
                "os": h.os,
                "is_dc": h.is_dc,
                "is_rodc": h.is_rodc,
                "source": h.source,
            }
            for h in inv.hosts
        ],
        "excluded": {reason.name.lower(): n for reason, n in inv.exclusions.items()},
        "excluded_hosts": [
            {"name": e.name, "dn": e.dn, "reason": e.reason.name.lower()} for e in inv.discovery.excluded
        ],
        "never_logged_on": list(inv.discovery.never_logged_on),
        "site_notes": dict(inv.discovery.site_notes),
        "org": org_facts_to_dict(inv.org),
    }


def write_inventory_csv(path: Path, hosts: tuple[Host, ...]) -> None:
    write_csv(
        path,
        INVENTORY_CSV_HEADER,
        ([h.name, h.fqdn or "", h.address or "", h.site or "", "" if h.port is None else str(h.port),
          h.scheme.value if h.scheme else "", h.auth.value if h.auth else "", ";".join(h.tags)] for h in hosts),
    )


def inventory(
    ad: AdUrl = None,
    inventory_file: Annotated[
        Path | None,
        typer.Option(
            "--inventory", metavar="FILE", help="Show the hosts of an inventory file instead of reading AD."
        ),
    ] = None,
    ad_user: AdUser = None,
    ad_auth: AdAuthOption = AdAuth.SIMPLE,
    starttls: AdStartTls = False,
    ad_ca_file: AdCaFile = None,
    ad_tls_name: AdTlsName = None,
    ad_insecure: AdInsecure = False,
    ad_allow_cleartext_bind: AdAllowCleartext = False,
    base: AdBase = None,
    ou: AdOu = None,
    name: AdName = None,
    stale_days: AdStaleDays = DEFAULT_STALE_DAYS,
    resolve: AdResolve = None,
    resolve_file: AdResolveFile = None,
    no_dns: AdNoDns = False,
    ad_dns_server: AdDnsServer = None,
    ad_timeout: AdTimeout = 10.0,
    ad_deadline: AdDeadline = 120.0,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Also write the hosts as an inventory CSV for `scan --inventory`.",
        ),
    ] = None,
    org_facts: Annotated[
        Path | None,
        typer.Option(
            "--org-facts",
            metavar="FILE",
            help="Also save the organisation facts (JSON) for offline evaluation.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of the table.")] = False,
    lang: Annotated[
        Lang | None, typer.Option("--lang", help="en or fr (default: EXREADY_LANG, the locale).")
    ] = None,
) -> None:
    """List what would be scanned: from Active Directory (--ad) with the computers left out, counted by
    reason, or from an inventory file (--inventory)."""
    chosen = lang or default_lang()
    if ad and inventory_file:
        raise UsageError("give either --ad or --inventory, not both")
    if inventory_file is not None:
        _file_inventory(inventory_file, chosen, output, as_json)
        return
    if not ad:
        raise UsageError("exready inventory needs --ad URL (a domain controller) or --inventory FILE")
    settings = ad_settings(
        ad,
        ad_user=ad_user,
        ad_auth=ad_auth,
        starttls=starttls,
        ca_file=ad_ca_file,
        tls_name=ad_tls_name,
        insecure=ad_insecure,
        allow_cleartext=ad_allow_cleartext_bind,
        bases=base,
        ous=ou,
        names=name,
        stale_days=stale_days,
        resolve=resolve,
        resolve_file=resolve_file,
        no_dns=no_dns,
        dns_servers=ad_dns_server,
        timeout=ad_timeout,
        deadline=ad_deadline,
    )
    inv = discover_hosts(settings)
    if as_json:
        typer.echo(json.dumps(ad_inventory_json(inv), indent=2, ensure_ascii=False))
    else:
        echo(render_ad_inventory(inv, chosen))  # names and attributes read from the directory
    if output is not None:
        write_inventory_csv(output, inv.hosts)
        typer.echo(_w("wrote", chosen, path=output), err=as_json)
    if org_facts is not None:
        from scanner.facts.serial import facts_to_json

        _write_text(org_facts, json.dumps(facts_to_json([], inv.org), indent=2, ensure_ascii=False) + "\n")
        typer.echo(_w("wrote", chosen, path=org_facts), err=as_json)


def _file_inventory(path: Path, lang: Lang, output: Path | None, as_json: bool) -> None:
    from scanner.inventory.file import load_inventory

    inv = load_inventory(path)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "source": inv.source,
                    "hosts": [
                        {
                            "name": h.name,
                            "fqdn": h.fqdn,
                            "address": h.address,
                            "site": h.site,
                            "port": h.port,
                            "scheme": h.scheme.value if h.scheme else None,
                            "auth": h.auth.value if h.auth else None,
                            "tags": list(h.tags),
                            "source": h.source,
                        }
                        for h in inv.hosts
                    ],
                    "merged": list(inv.merged),
                },
                indent=2,
                ensure_ascii=False,
            )
        )
    else:
        keys = ("name", "fqdn", "address", "site", "port", "scheme", "auth", "tags", "source")
        echo(tabulate(file_host_rows(inv.hosts), headers=[_w(k, lang) for k in keys], tablefmt="simple",
                      disable_numparse=True))
        typer.echo(_w("to_scan", lang, n=len(inv.hosts)))
        typer.echo(_w("defaults", lang))
        for line in inv.merged:
            echo(f"  merged: {line}")
    if output is not None:
        write_inventory_csv(output, inv.hosts)


def _write_text(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None


def register(app: typer.Typer) -> None:
    app.command("inventory")(inventory)
