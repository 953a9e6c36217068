"""The ``--ad*`` options, shared by ``exready inventory`` and ``exready scan``.

A command declares the options it wants with these Annotated aliases and passes the values to
``ad_settings(...)``, which validates them and reads the password (EXREADY_AD_PASSWORD, else a
prompt on a terminal; never an option)::

    def scan(ad: AdUrl = None, ad_user: AdUser = None, base: AdBase = None, ...):
        settings = ad_settings(ad, ad_user=ad_user, bases=base, ...) if ad else None
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from ldap3.core.exceptions import LDAPInvalidDnError
from ldap3.utils.dn import parse_dn

from scanner.credentials import Credentials, resolve_credentials
from scanner.directory.settings import (
    AD_PASSWORD_ENV,
    DEFAULT_STALE_DAYS,
    AdAuth,
    AdSettings,
    BindSettings,
    DiscoverySettings,
    SearchScopeSpec,
    parse_dc_url,
)
from scanner.directory.sites import parse_dns_server, parse_resolve_items, read_hosts_file
from scanner.errors import UsageError

PANEL = "Active Directory"

AdUrl = Annotated[
    str | None,
    typer.Option(
        "--ad",
        metavar="URL",
        rich_help_panel=PANEL,
        help="Domain controller: ldaps://dc1.corp.example (default port 636), ldap://dc1 with --starttls, "
        "or a host name (LDAPS). Plain ldap:// without --starttls is refused for a simple bind unless "
        "--ad-allow-cleartext-bind.",
    ),
]
AdUser = Annotated[
    str | None,
    typer.Option(
        "--ad-user",
        metavar="USER",
        rich_help_panel=PANEL,
        help=f"Bind account (UPN, or DOMAIN\\name for NTLM). Password from {AD_PASSWORD_ENV} or a prompt.",
    ),
]
AdAuthOption = Annotated[
    AdAuth,
    typer.Option(
        "--ad-auth",
        case_sensitive=False,
        rich_help_panel=PANEL,
        help="simple (over TLS), ntlm, or kerberos (needs the 'kerberos' extra; connect by FQDN).",
    ),
]
AdStartTls = Annotated[
    bool,
    typer.Option("--starttls", rich_help_panel=PANEL, help="With ldap://: upgrade to TLS before binding."),
]
AdCaFile = Annotated[
    Path | None,
    typer.Option(
        "--ad-ca-file",
        metavar="FILE",
        rich_help_panel=PANEL,
        help="CA bundle (PEM) to verify the DC's certificate; default: the system's trust store.",
    ),
]
AdTlsName = Annotated[
    str | None,
    typer.Option(
        "--ad-tls-name",
        metavar="NAME",
        rich_help_panel=PANEL,
        help="The name to expect in the DC's certificate when --ad gives an address.",
    ),
]
AdInsecure = Annotated[
    bool,
    typer.Option(
        "--ad-insecure-skip-tls-verify",
        "--ad-insecure-skip-verify-tls",
        rich_help_panel=PANEL,
        help="Do not verify the DC's certificate (labs only).",
    ),
]
AdAllowCleartext = Annotated[
    bool,
    typer.Option(
        "--ad-allow-cleartext-bind",
        rich_help_panel=PANEL,
        help="Accept a simple bind over plain ldap:// (no TLS): the password crosses the network in clear.",
    ),
]
AdBase = Annotated[
    list[str] | None,
    typer.Option(
        "--base",
        metavar="DN",
        rich_help_panel=PANEL,
        help="Search this DN and everything below it (repeatable). Default: the whole domain.",
    ),
]
AdOu = Annotated[
    list[str] | None,
    typer.Option(
        "--ou",
        metavar="DN",
        rich_help_panel=PANEL,
        help="Search only the computers directly in this OU (repeatable).",
    ),
]
AdName = Annotated[
    list[str] | None,
    typer.Option(
        "--name",
        metavar="GLOB",
        rich_help_panel=PANEL,
        help="Keep only computers whose short name matches (fnmatch, case-insensitive; repeatable).",
    ),
]
AdStaleDays = Annotated[
    int,
    typer.Option(
        "--stale-days",
        metavar="DAYS",
        min=0,
        rich_help_panel=PANEL,
        help=f"Leave out computers with no logon (lastLogonTimestamp) within DAYS days (default "
        f"{DEFAULT_STALE_DAYS}; 0: keep them all). An account that never logged on is kept and listed.",
    ),
]
AdResolve = Annotated[
    list[str] | None,
    typer.Option(
        "--resolve",
        metavar="NAME=ADDRESS",
        rich_help_panel=PANEL,
        help="Address of a computer, for its AD site and as the address to scan (repeatable).",
    ),
]
AdResolveFile = Annotated[
    Path | None,
    typer.Option(
        "--resolve-file",
        metavar="FILE",
        rich_help_panel=PANEL,
        help="Hosts-format file (ADDRESS NAME...) with computer addresses.",
    ),
]
AdNoDns = Annotated[
    bool,
    typer.Option(
        "--no-dns",
        rich_help_panel=PANEL,
        help="Do not ask DNS for addresses: sites come only from --resolve/--resolve-file.",
    ),
]
AdDnsServer = Annotated[
    list[str] | None,
    typer.Option(
        "--ad-dns-server",
        metavar="ADDRESS[:PORT]",
        rich_help_panel=PANEL,
        help="Ask this DNS server (A records of the computers' FQDNs; repeatable) instead of the system "
        "resolver, within --ad-deadline. An IP address, [IPv6]:PORT for a port with IPv6.",
    ),
]
AdTimeout = Annotated[
    float,
    typer.Option(
        "--ad-timeout",
        metavar="SECONDS",
        min=0.1,
        rich_help_panel=PANEL,
        help="Connect timeout towards the DC; one LDAP answer may take three times as long.",
    ),
]
AdDeadline = Annotated[
    float,
    typer.Option(
        "--ad-deadline",
        metavar="SECONDS",
        min=1,
        rich_help_panel=PANEL,
        help="Bound on the whole AD discovery (bind, searches, DNS).",
    ),
]


def _checked_dns(values: list[str] | None, option: str) -> tuple[str, ...]:
    out = []
    for dn in values or []:
        try:
            if not dn.strip() or not parse_dn(dn.strip()):
                raise LDAPInvalidDnError(dn)
        except LDAPInvalidDnError:
            raise UsageError(
                f"{option} {dn!r} is not a distinguished name (e.g. OU=Servers,DC=corp,DC=example)"
            ) from None
        out.append(dn.strip())
    return tuple(out)


def ad_settings(
    url: str,
    *,
    ad_user: str | None = None,
    ad_auth: AdAuth = AdAuth.SIMPLE,
    starttls: bool = False,
    ca_file: Path | None = None,
    tls_name: str | None = None,
    insecure: bool = False,
    allow_cleartext: bool = False,
    bases: list[str] | None = None,
    ous: list[str] | None = None,
    names: list[str] | None = None,
    stale_days: int | None = DEFAULT_STALE_DAYS,
    resolve: list[str] | None = None,
    resolve_file: Path | None = None,
    no_dns: bool = False,
    dns_servers: list[str] | None = None,
    timeout: float = 10.0,
    deadline: float = 120.0,
    credentials: Credentials | None = None,
) -> AdSettings:
    """Validate the --ad* values and read the bind password. Raises UsageError / CredentialError."""
    endpoint = parse_dc_url(url, starttls=starttls)
    servers = tuple(parse_dns_server(s) for s in dns_servers or [])
    if servers and no_dns:
        raise UsageError("--ad-dns-server and --no-dns contradict each other: choose one")
    if insecure and ca_file is not None:
        raise UsageError("--ad-ca-file and --ad-insecure-skip-tls-verify contradict each other: choose one")
    if ad_auth is AdAuth.KERBEROS and ad_user is None:
        creds = credentials or Credentials(None, None)  # the ticket cache
    else:
        if ad_user is None:
            raise UsageError(
                f"--ad needs --ad-user for --ad-auth {ad_auth} (the password comes from "
                f"{AD_PASSWORD_ENV} or a prompt)"
            )
        creds = credentials or resolve_credentials(ad_user, env_var=AD_PASSWORD_ENV)
    given = dict(read_hosts_file(resolve_file)) if resolve_file else {}
    given.update(parse_resolve_items(resolve or []))
    scopes = tuple(SearchScopeSpec(dn, subtree=True) for dn in _checked_dns(bases, "--base")) + tuple(
        SearchScopeSpec(dn, subtree=False) for dn in _checked_dns(ous, "--ou")
    )
    bind = BindSettings(
        endpoint=endpoint,
        credentials=creds,
        auth=ad_auth,
        ca_file=ca_file,
        verify_tls=not insecure,
        allow_cleartext_bind=allow_cleartext,
        tls_name=tls_name,
        connect_timeout=timeout,
        receive_timeout=max(timeout, 1.0) * 3,
    )
    discovery = DiscoverySettings(
        bases=scopes,
        name_globs=tuple(n.strip() for n in names or [] if n.strip()),
        stale_days=stale_days or None,  # 0: no cutoff
        resolve=given,
        use_dns=not no_dns,
        dns_servers=servers,
        deadline=deadline,
    )
    return AdSettings(bind=bind, discovery=discovery)
