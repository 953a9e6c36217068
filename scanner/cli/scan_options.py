"""Options shared by the commands that scan (scan, demo, sweep), and the settings they build."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Annotated

import typer

from scanner.checks.catalog import EXCHANGE_VERSIONS
from scanner.checks.targets import make_target, normalize_version
from scanner.collect.limits import MAX_CONCURRENCY
from scanner.collect.runner import SweepLimits
from scanner.credentials import PASSWORD_ENV, Credentials, resolve_credentials
from scanner.errors import UsageError
from scanner.i18n import Lang, default_lang
from scanner.model.host import AuthMethod, Scheme
from scanner.report.csv_safe import CsvDialect
from scanner.transport.settings import TransportSettings

WINRM = "WinRM"
LIMITS = "Limits"
OUT = "Outputs"

User = Annotated[str | None, typer.Option(
    "--user", "-u", metavar="USER", rich_help_panel=WINRM,
    help=f"Account for WinRM (DOMAIN\\user or user@domain). Password from ${PASSWORD_ENV} or a prompt. "
         "Without --user: the Kerberos ticket cache.")]
Keytab = Annotated[Path | None, typer.Option(
    "--keytab", metavar="FILE", rich_help_panel=WINRM,
    help="Kerberos: get the ticket from this client keytab (unattended runs); --user names the principal "
         "(default: the keytab's first).")]
Ccache = Annotated[Path | None, typer.Option(
    "--ccache", metavar="FILE", rich_help_panel=WINRM,
    help="Kerberos: use the tickets in this cache file (kinit -c FILE) instead of the default cache.")]
PasswordEnv = Annotated[str, typer.Option(
    "--password-env", metavar="VAR", rich_help_panel=WINRM,
    help="Environment variable that holds the password.")]
SchemeOpt = Annotated[Scheme, typer.Option(
    "--scheme", case_sensitive=False, rich_help_panel=WINRM,
    help="http: port 5985 with WinRM message encryption; https: port 5986 with TLS.")]
AuthOpt = Annotated[AuthMethod, typer.Option(
    "--auth", case_sensitive=False, rich_help_panel=WINRM,
    help="negotiate (Kerberos when a ticket and an FQDN allow it, else NTLM), kerberos, ntlm, "
         "basic (HTTPS only), credssp.")]
CaFile = Annotated[Path | None, typer.Option(
    "--ca-file", metavar="FILE", rich_help_panel=WINRM,
    help="CA bundle (PEM) to verify HTTPS listeners; default: the system's trust store.")]
Insecure = Annotated[bool, typer.Option(
    "--insecure-skip-tls-verify", rich_help_panel=WINRM,
    help="Do not verify HTTPS certificates (labs only).")]
TlsName = Annotated[str | None, typer.Option(
    "--tls-name", metavar="NAME", rich_help_panel=WINRM,
    help="Name to verify in HTTPS certificates (and send as SNI) instead of each host's FQDN: a name, or a "
         "pattern with {name} (short name), {fqdn}, {address}, e.g. '{name}.corp.example'. The inventory's "
         "tls_name column wins for its host.")]
ConfigurationName = Annotated[str, typer.Option(
    "--configuration-name", metavar="NAME", rich_help_panel=WINRM,
    help="PowerShell session configuration (endpoint) to open, e.g. a constrained or JEA endpoint's name.")]
Transport = Annotated[str, typer.Option(
    "--transport", metavar="lean|pypsrp", rich_help_panel=WINRM,
    help="How each session's WS-Man/PSRP conversation is held: lean (asyncio, no thread per host; NTLM, "
         "Negotiate without a Kerberos credential, Basic) or pypsrp (a thread per host). Kerberos and "
         "CredSSP always use pypsrp.")]
Concurrency = Annotated[int, typer.Option(
    "--concurrency", "-c", min=0, max=MAX_CONCURRENCY, metavar="N", rich_help_panel=LIMITS,
    help="Hosts scanned at once (up to 5000). 0, the default: 512 per CPU core, at most 2048 (128 and 1024 "
         "when some sessions need pypsrp's thread), within the free memory; the line it prints says what was "
         "chosen.")]
Workers = Annotated[int, typer.Option(
    "--workers", "-w", min=0, max=64, metavar="N", rich_help_panel=LIMITS,
    help="Processes that run the WinRM sessions (one uses about one CPU core). 0: one per core but one, up "
         "to 4, for 200 hosts or more.")]
Deadline = Annotated[float, typer.Option(
    "--deadline", min=1, metavar="SECONDS", rich_help_panel=LIMITS,
    help="Seconds one host may take, connect to close.")]
ConnectTimeout = Annotated[float, typer.Option(
    "--connect-timeout", min=0.1, metavar="SECONDS", rich_help_panel=LIMITS,
    help="Seconds to open a TCP connection.")]
ReadTimeout = Annotated[float, typer.Option(
    "--read-timeout", min=1, metavar="SECONDS", rich_help_panel=LIMITS,
    help="Seconds one socket read may wait (longer than --operation-timeout).")]
OperationTimeout = Annotated[int, typer.Option(
    "--operation-timeout", min=1, metavar="SECONDS", rich_help_panel=LIMITS,
    help="WS-Man OperationTimeout of one long-poll.")]
Breaker = Annotated[int, typer.Option(
    "--auth-breaker", min=0, metavar="N", rich_help_panel=LIMITS,
    help="Stop after this many consecutive authentication failures, so the account is not locked out "
         "(0: off).")]
def exchange_option(value: str | None) -> str | None:
    """--exchange as typed: "se" means Exchange SE (typer callback; None when the option is absent)."""
    return None if value is None else normalize_version(value)


Exchange = Annotated[str, typer.Option(
    "--exchange", "-x", metavar="2013|2016|2019|SE", callback=exchange_option,
    help="Target Exchange version.")]
Cu = Annotated[int | None, typer.Option("--cu", min=0, metavar="N", help="Target cumulative update.")]
CsvOut = Annotated[Path | None, typer.Option(
    "--csv", metavar="FILE", rich_help_panel=OUT, help="Write the matrix: one row per host x role.")]
CsvDialectOpt = Annotated[CsvDialect, typer.Option(
    "--csv-dialect", case_sensitive=False, rich_help_panel=OUT,
    help="excel (comma) or excel-fr (semicolon and a BOM, for French Excel).")]
FindingsCsvOut = Annotated[Path | None, typer.Option(
    "--findings-csv", metavar="FILE", rich_help_panel=OUT,
    help="Write the findings: one row per host and failing, warning or unknown rule, with the remediation.")]
HtmlOut = Annotated[Path | None, typer.Option(
    "--html", metavar="FILE", rich_help_panel=OUT,
    help="Write a self-contained HTML report (opens with no network).")]
JsonOut = Annotated[Path | None, typer.Option(
    "--json", metavar="FILE", rich_help_panel=OUT,
    help="Write facts, verdicts and the matrix (re-evaluate later with 'exready evaluate').")]
LangOpt = Annotated[Lang | None, typer.Option(
    "--lang", case_sensitive=False, rich_help_panel=OUT,
    help="en or fr (default: $EXREADY_LANG, else the locale).")]
Wide = Annotated[bool, typer.Option(
    "--wide", rich_help_panel=OUT,
    help="Print the matrix in its wide form (each cell names its first rule), whatever the terminal's width.")]
NoProgress = Annotated[bool, typer.Option(
    "--no-progress", rich_help_panel=OUT, help="No progress bar, even on a terminal.")]
Quiet = Annotated[bool, typer.Option(
    "--quiet", "-q", rich_help_panel=OUT, help="Do not print the matrix.")]


def winrm_credentials(user: str | None, password_env: str, keytab: Path | None = None,
                      ccache: Path | None = None) -> Credentials:
    """The WinRM account: a keytab or a ticket cache file (no password asked), else --user with its
    password, else the default Kerberos ticket cache."""
    if keytab is not None and ccache is not None:
        raise UsageError("--keytab and --ccache exclude each other: a keytab gets its own ticket")
    for option, path in (("--keytab", keytab), ("--ccache", ccache)):
        if path is not None and not path.is_file():
            raise UsageError(f"{option} {path}: no such file")
    if keytab is not None or ccache is not None:
        return Credentials(user, None, keytab=keytab, ccache=ccache)
    return resolve_credentials(user, env_var=password_env)


def transport_settings(credentials: Credentials, *, scheme: Scheme, auth: AuthMethod, ca_file: Path | None,
                       insecure: bool, connect_timeout: float, read_timeout: float, operation_timeout: int,
                       deadline: float, configuration_name: str = "Microsoft.PowerShell",
                       tls_name: str | None = None, transport: str = "lean") -> TransportSettings:
    if insecure and ca_file is not None:
        raise UsageError("--ca-file and --insecure-skip-tls-verify contradict each other")
    if ca_file is not None and not ca_file.is_file():
        raise UsageError(f"--ca-file {ca_file}: no such file")
    if auth is AuthMethod.BASIC and scheme is not Scheme.HTTPS:
        raise UsageError("Basic authentication sends the password in clear: use it only with --scheme https")
    if auth is AuthMethod.CREDSSP and importlib.util.find_spec("requests_credssp") is None:
        raise UsageError("--auth credssp needs the optional 'credssp' extra: pip install 'exready[credssp]'")
    if credentials.username is None and auth in (AuthMethod.BASIC, AuthMethod.NTLM, AuthMethod.CREDSSP):
        raise UsageError(f"--auth {auth.value} needs --user")
    if (credentials.keytab or credentials.ccache) and auth not in (AuthMethod.NEGOTIATE, AuthMethod.KERBEROS):
        raise UsageError(f"--keytab and --ccache are Kerberos credentials: use them with --auth kerberos or "
                         f"negotiate, not {auth.value}")
    return TransportSettings(
        credentials=credentials, scheme=scheme, auth=auth, ca_file=ca_file, verify_tls=not insecure,
        connection_timeout=connect_timeout, read_timeout=read_timeout,
        operation_timeout=operation_timeout, deadline=deadline, configuration_name=configuration_name,
        tls_name=tls_name, transport=transport.lower())


def sweep_limits(concurrency: int, deadline: float, breaker: int, account: str, workers: int = 0) -> SweepLimits:
    return SweepLimits(concurrency=concurrency, deadline=deadline, breaker_threshold=breaker,
                       breaker_account=account, workers=workers)


def check_target(exchange: str, cu: int | None) -> None:
    """Reject a version or CU that does not exist (one line, exit 3) before anything is read or scanned."""
    if exchange not in EXCHANGE_VERSIONS:
        raise UsageError(f"unknown Exchange version {exchange!r}; expected one of {', '.join(EXCHANGE_VERSIONS)}")
    make_target(exchange, cu)


def lang_or_default(lang: Lang | None) -> Lang:
    return lang if lang is not None else default_lang()
