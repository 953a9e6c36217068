"""The sweep configuration file (TOML): everything a recurring, unattended sweep needs.

Every key is checked: an unknown key, a value of the wrong type or out of range is a ConfigError
naming the file and the key (``site.toml: [limits] concurrency: expected an integer from 0 to 5000,
got "many"``). Relative paths are relative to the configuration file, so a scheduler can run the sweep
from any working directory. Output paths may hold ``{date}`` (UTC, YYYY-MM-DD) and ``{run_id}``.

See ``example_config()`` for every key with its default.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from scanner.checks.targets import EXCHANGE_VERSIONS, latest_cu, normalize_version
from scanner.collect.limits import AUTO_CONCURRENCY, MAX_CONCURRENCY
from scanner.credentials import PASSWORD_ENV
from scanner.directory.settings import DEFAULT_STALE_DAYS
from scanner.directory.sites import parse_dns_server
from scanner.errors import ConfigError, UsageError
from scanner.transport.names import check_tls_name_pattern

_E = TypeVar("_E", bound=StrEnum)

# The name of the variable, as the AD options use it (scanner.directory.settings.AD_PASSWORD_ENV).
AD_PASSWORD_ENV = "EXREADY_AD_PASSWORD"  # noqa: S105 - a variable's name, not a password


class FailOn(StrEnum):
    """What makes the sweep exit non-zero (besides a failed or interrupted run, which always does)."""

    BLOCKED = "blocked"  # some host blocked (1) or unknown (2): the default
    UNKNOWN = "unknown"  # only some host unknown (2); blocked hosts exit 0
    NEVER = "never"  # neither; 0 unless the run itself failed (3) or was interrupted (130/143)


class CredentialSource(StrEnum):
    ENV = "env"  # the password in an environment variable
    FILE = "file"  # the password in a file only its owner can read
    KERBEROS = "kerberos"  # the Kerberos ticket cache (no password)


@dataclass(frozen=True, slots=True)
class CredentialsConfig:
    source: CredentialSource = CredentialSource.KERBEROS
    user: str | None = None
    password_env: str = PASSWORD_ENV
    password_file: Path | None = None
    ccache: Path | None = None  # KRB5CCNAME for the sweep; default: the environment's
    keytab: Path | None = None  # source = "kerberos": the ticket from this client keytab (user: its principal)


@dataclass(frozen=True, slots=True)
class AdConfig:
    url: str
    user: str | None = None
    auth: str = "simple"  # simple, ntlm, kerberos
    password_env: str = AD_PASSWORD_ENV
    password_file: Path | None = None
    starttls: bool = False
    ca_file: Path | None = None
    tls_name: str | None = None
    insecure_skip_tls_verify: bool = False
    allow_cleartext_bind: bool = False
    base: tuple[str, ...] = ()
    ou: tuple[str, ...] = ()
    name: tuple[str, ...] = ()
    stale_days: int | None = DEFAULT_STALE_DAYS  # 0 or None: no cutoff
    resolve_file: Path | None = None
    no_dns: bool = False
    dns_server: tuple[str, ...] = ()  # ADDRESS[:PORT], checked when read
    timeout: float = 10.0
    deadline: float = 120.0


@dataclass(frozen=True, slots=True)
class WinrmConfig:
    scheme: str = "http"
    auth: str = "negotiate"
    ca_file: Path | None = None
    insecure_skip_tls_verify: bool = False
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    operation_timeout: int = 20
    configuration_name: str = "Microsoft.PowerShell"  # the PowerShell endpoint (JEA/constrained)
    tls_name: str | None = None  # the name (or pattern) HTTPS certificates are checked for; default the FQDN
    transport: str = "lean"  # lean (asyncio) or pypsrp (a thread per host); Kerberos and CredSSP use pypsrp


@dataclass(frozen=True, slots=True)
class LimitsConfig:
    concurrency: int = AUTO_CONCURRENCY  # 0: chosen from the machine (collect.limits.auto_concurrency)
    deadline: float = 120.0
    auth_breaker: int = 5
    workers: int = 0  # processes running the sessions; 0: one per core (up to 4) from 200 hosts


@dataclass(frozen=True, slots=True)
class OutputsConfig:
    dir: Path | None = None  # relative output paths are under it; default: beside the config file
    csv: str | None = None
    csv_dialect: str = "excel"
    findings_csv: str | None = None
    html: str | None = None
    json: str | None = None
    log_json: str | None = None
    lang: str | None = None  # en or fr; default: $EXREADY_LANG, else the locale


DB_PASSWORD_ENV = "EXREADY_DB_PASSWORD"  # noqa: S105 - the name of a variable, not a password


@dataclass(frozen=True, slots=True)
class HistoryConfig:
    enabled: bool = True
    db: Path | None = None  # default: history.sqlite3 in the user's state directory
    lock_wait: float = 0.0
    url: str | None = None  # a PostgreSQL database instead of the file: postgresql://user@host/db
    password_env: str = DB_PASSWORD_ENV  # the database password, when libpq's own sources do not have it
    password_file: Path | None = None
    ca_file: Path | None = None  # TLS to the database: verify-full against this CA
    insecure_skip_tls_verify: bool = False
    spool_dir: Path | None = None  # results kept while the database is unreachable; default: state dir
    deliver_wait: float = 30.0  # at the end of a sweep, wait this long for an unreachable database


@dataclass(frozen=True, slots=True)
class SweepConfig:
    source: Path | None = None  # the file it was read from
    exchange: str = "2019"
    cu: int | None = None
    fail_on: FailOn = FailOn.BLOCKED
    zone: str = "default"  # the part of the network this sweep covers (its [inventory])
    inventory_file: Path | None = None
    ad: AdConfig | None = None
    credentials: CredentialsConfig = field(default_factory=CredentialsConfig)
    winrm: WinrmConfig = field(default_factory=WinrmConfig)
    limits: LimitsConfig = field(default_factory=LimitsConfig)
    outputs: OutputsConfig = field(default_factory=OutputsConfig)
    history: HistoryConfig = field(default_factory=HistoryConfig)

    def output_path(self, template: str | None, run_id: str, date: str) -> Path | None:
        """An output path with {run_id} and {date} filled in, under outputs.dir when relative."""
        if template is None:
            return None
        try:
            name = template.format(run_id=run_id, date=date)
        except (KeyError, IndexError, ValueError) as exc:
            raise ConfigError(
                f"{self._where()}: [outputs] {template!r}: only {{run_id}} and {{date}} may be used ({exc})"
            ) from None
        path = Path(name).expanduser()
        if path.is_absolute():
            return path
        base = self.outputs.dir or (self.source.parent if self.source else Path.cwd())
        return base / path

    def _where(self) -> str:
        return str(self.source) if self.source else "configuration"


# ---- reading ----------------------------------------------------------------------------------


class _Table:
    """One TOML table being read: every key taken is checked, and whatever is left over is an error."""

    def __init__(self, source: Path, name: str, raw: object) -> None:
        self.source = source
        self.name = name
        if not isinstance(raw, Mapping):
            raise ConfigError(f"{source}: {self._label()} must be a table")
        self.raw = dict(raw)
        self.taken: set[str] = set()

    def _label(self, key: str | None = None) -> str:
        section = f"[{self.name}]" if self.name else "top level"
        return f"{section} {key}" if key else section

    def fail(self, key: str, expected: str, value: object) -> ConfigError:
        return ConfigError(f"{self.source}: {self._label(key)}: expected {expected}, got {value!r}")

    def _get(self, key: str) -> object:
        self.taken.add(key)
        return self.raw.get(key)

    def has(self, key: str) -> bool:
        return key in self.raw

    def text(self, key: str, default: str | None = None) -> str | None:
        value = self._get(key)
        if value is None:
            return default
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, "non-empty text", value)
        return value.strip()

    def required_text(self, key: str) -> str:
        value = self.text(key)
        if value is None:
            raise ConfigError(f"{self.source}: {self._label(key)} is required")
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self._get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.fail(key, "true or false", value)
        return value

    def integer(self, key: str, default: int | None, low: int, high: int) -> int | None:
        value = self._get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.fail(key, f"an integer from {low} to {high}", value)
        return value

    def number(self, key: str, default: float, low: float, high: float) -> float:
        value = self._get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
            raise self.fail(key, f"a number of seconds from {low:g} to {high:g}", value)
        return float(value)

    def choice(self, key: str, kind: type[_E], default: _E) -> _E:
        value = self._get(key)
        if value is None:
            return default
        try:
            if not isinstance(value, str):
                raise ValueError(value)
            return kind(value.lower())
        except ValueError:
            choices = ", ".join(repr(k.value) for k in kind)
            raise self.fail(key, f"one of {choices}", value) from None

    def one_of(self, key: str, choices: tuple[str, ...], default: str) -> str:
        value = self._get(key)
        if value is None:
            return default
        if not isinstance(value, str) or value.lower() not in choices:
            raise self.fail(key, "one of " + ", ".join(repr(c) for c in choices), value)
        return value.lower()

    def version(self, key: str, choices: tuple[str, ...], default: str) -> str:
        """Text or a bare number (exchange = 2019 and exchange = "2019" both read naturally)."""
        value = self._get(key)
        if value is None:
            return default
        text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        if isinstance(text, str):
            text = normalize_version(text)  # exchange = "se" reads as Exchange SE
        if not isinstance(text, str) or text not in choices:
            raise self.fail(key, "one of " + ", ".join(choices), value)
        return text

    def path(self, key: str) -> Path | None:
        value = self.text(key)
        if value is None:
            return None
        path = Path(value).expanduser()
        return path if path.is_absolute() else self.source.parent / path

    def text_list(self, key: str) -> tuple[str, ...]:
        value = self._get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(key, "a list of non-empty texts", value)
        return tuple(v.strip() for v in value)

    def table(self, key: str) -> _Table:
        self.taken.add(key)
        name = f"{self.name}.{key}" if self.name else key
        return _Table(self.source, name, self.raw.get(key, {}))

    def done(self, known: tuple[str, ...] = ()) -> None:
        extra = sorted(set(self.raw) - self.taken)
        if extra:
            allowed = ", ".join(sorted(self.taken | set(known)))
            raise ConfigError(
                f"{self.source}: {self._label(extra[0])}: unknown key (known keys here: {allowed})"
            )


_ZONE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")
_SECTIONS = ("inventory", "credentials", "winrm", "limits", "outputs", "history")


def load_config(path: Path) -> SweepConfig:
    """Read and check a sweep configuration file. Raises ConfigError with the file and the key."""
    source = Path(path)
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the sweep configuration {source}: {exc.strerror or exc}") from exc
    try:
        raw = tomllib.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ConfigError(f"{source}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    return parse_config(raw, source)


def parse_config(raw: Mapping[str, Any], source: Path) -> SweepConfig:
    top = _Table(source, "", raw)
    exchange = top.version("exchange", EXCHANGE_VERSIONS, "2019")
    cu = top.integer("cu", None, 0, latest_cu(exchange))  # a CU this version never had is a typo
    fail_on = top.choice("fail_on", FailOn, FailOn.BLOCKED)
    zone = top.text("zone", "default") or "default"
    if not _ZONE.fullmatch(zone):
        raise top.fail("zone", "letters, digits, '.', '-' and '_' (up to 63 characters)", zone)

    inv = top.table("inventory")
    inventory_file = inv.path("file")
    ad = _ad(inv) if inv.has("ad") else None
    inv.done()
    if inventory_file is None and ad is None:
        raise ConfigError(f"{source}: [inventory] needs file = \"...\" or ad = \"ldaps://...\"")
    if inventory_file is not None and ad is not None:
        raise ConfigError(f"{source}: [inventory] file and ad exclude each other: choose one")

    cred = top.table("credentials")
    user = cred.text("user")
    default_source = CredentialSource.ENV if user else CredentialSource.KERBEROS
    credentials = CredentialsConfig(
        source=cred.choice("source", CredentialSource, default_source),
        user=user,
        password_env=cred.text("password_env", PASSWORD_ENV) or PASSWORD_ENV,
        password_file=cred.path("password_file"),
        ccache=cred.path("ccache"),
        keytab=cred.path("keytab"),
    )
    cred.done()
    _check_credentials(source, "credentials", credentials.source, user, credentials.password_file)
    if credentials.keytab is not None and credentials.source is not CredentialSource.KERBEROS:
        raise ConfigError(f"{source}: [credentials] keytab is only read with source = 'kerberos'")
    if credentials.keytab is not None and credentials.ccache is not None:
        raise ConfigError(f"{source}: [credentials] keytab and ccache exclude each other")

    win = top.table("winrm")
    winrm = WinrmConfig(
        scheme=win.one_of("scheme", ("http", "https"), "http"),
        auth=win.one_of("auth", ("negotiate", "kerberos", "ntlm", "basic", "credssp"), "negotiate"),
        ca_file=win.path("ca_file"),
        insecure_skip_tls_verify=win.boolean("insecure_skip_tls_verify", False),
        connect_timeout=win.number("connect_timeout", 10.0, 0.1, 600),
        read_timeout=win.number("read_timeout", 30.0, 1, 3600),
        operation_timeout=win.integer("operation_timeout", 20, 1, 3600) or 20,
        configuration_name=win.text("configuration_name", "Microsoft.PowerShell") or "Microsoft.PowerShell",
        tls_name=_tls_name(win),
        transport=win.one_of("transport", ("lean", "pypsrp"), "lean"),
    )
    win.done()

    lim = top.table("limits")
    limits = LimitsConfig(
        concurrency=lim.integer("concurrency", AUTO_CONCURRENCY, 0, MAX_CONCURRENCY) or AUTO_CONCURRENCY,
        deadline=lim.number("deadline", 120.0, 1, 86400),
        auth_breaker=lim.integer("auth_breaker", 5, 0, 1000) or 0,
        workers=lim.integer("workers", 0, 0, 64) or 0,
    )
    lim.done()

    out = top.table("outputs")
    outputs = OutputsConfig(
        dir=out.path("dir"),
        csv=out.text("csv"),
        csv_dialect=out.one_of("csv_dialect", ("excel", "excel-fr"), "excel"),
        findings_csv=out.text("findings_csv"),
        html=out.text("html"),
        json=out.text("json"),
        log_json=out.text("log_json"),
        lang=out.one_of("lang", ("en", "fr"), "") or None,
    )
    out.done()

    hist = top.table("history")
    history = HistoryConfig(
        enabled=hist.boolean("enabled", True),
        db=hist.path("db"),
        lock_wait=hist.number("lock_wait", 0.0, 0, 86400),
        url=hist.text("url"),
        password_env=hist.text("password_env", DB_PASSWORD_ENV) or DB_PASSWORD_ENV,
        password_file=hist.path("password_file"),
        ca_file=hist.path("ca_file"),
        insecure_skip_tls_verify=hist.boolean("insecure_skip_tls_verify", False),
        spool_dir=hist.path("spool_dir"),
        deliver_wait=hist.number("deliver_wait", 30.0, 0, 86400),
    )
    hist.done()
    if history.url is not None:
        if history.db is not None:
            raise ConfigError(f"{source}: [history] db and url exclude each other: choose one")
        if not history.url.lower().startswith(("postgresql://", "postgres://")):
            raise hist.fail("url", "a postgresql:// URL", history.url.split("@")[-1])
    top.done(_SECTIONS)

    config = SweepConfig(
        source=source,
        exchange=exchange,
        cu=cu,
        fail_on=fail_on,
        zone=zone,
        inventory_file=inventory_file,
        ad=ad,
        credentials=credentials,
        winrm=winrm,
        limits=limits,
        outputs=outputs,
        history=history,
    )
    for template in (outputs.csv, outputs.findings_csv, outputs.html, outputs.json, outputs.log_json):
        config.output_path(template, "RUN", "DATE")  # a bad placeholder fails now, not after the sweep
    return config


def _ad(inv: _Table) -> AdConfig:
    user = inv.text("ad_user")
    auth = inv.one_of("ad_auth", ("simple", "ntlm", "kerberos"), "simple")
    password_file = inv.path("ad_password_file")
    config = AdConfig(
        url=inv.required_text("ad"),
        user=user,
        auth=auth,
        password_env=inv.text("ad_password_env", AD_PASSWORD_ENV) or AD_PASSWORD_ENV,
        password_file=password_file,
        starttls=inv.boolean("starttls", False),
        ca_file=inv.path("ad_ca_file"),
        tls_name=inv.text("ad_tls_name"),
        insecure_skip_tls_verify=inv.boolean("ad_insecure_skip_tls_verify", False),
        allow_cleartext_bind=inv.boolean("ad_allow_cleartext_bind", False),
        base=inv.text_list("base"),
        ou=inv.text_list("ou"),
        name=inv.text_list("name"),
        stale_days=inv.integer("stale_days", DEFAULT_STALE_DAYS, 0, 36500),
        resolve_file=inv.path("resolve_file"),
        no_dns=inv.boolean("no_dns", False),
        dns_server=_dns_servers(inv),
        timeout=inv.number("ad_timeout", 10.0, 0.1, 600),
        deadline=inv.number("ad_deadline", 120.0, 1, 86400),
    )
    if auth != "kerberos" and user is None:
        raise ConfigError(f"{inv.source}: [inventory] ad_auth = {auth!r} needs ad_user")
    if config.no_dns and config.dns_server:
        raise ConfigError(f"{inv.source}: [inventory] ad_dns_server and no_dns contradict each other: choose one")
    return config


def _tls_name(win: _Table) -> str | None:
    value = win.text("tls_name")
    if value is not None:
        try:
            check_tls_name_pattern(value, option="tls_name")
        except UsageError as exc:
            raise ConfigError(f"{win.source}: [winrm] {exc}") from None
    return value


def _dns_servers(inv: _Table) -> tuple[str, ...]:
    values = inv.text_list("ad_dns_server")
    for value in values:
        try:
            parse_dns_server(value, option="ad_dns_server")
        except UsageError as exc:
            raise ConfigError(f"{inv.source}: [inventory] {exc}") from None
    return values


def _check_credentials(
    source: Path, section: str, kind: CredentialSource, user: str | None, password_file: Path | None
) -> None:
    if kind is not CredentialSource.KERBEROS and user is None:
        raise ConfigError(f"{source}: [{section}] source = {kind.value!r} needs user")
    if kind is CredentialSource.FILE and password_file is None:
        raise ConfigError(f"{source}: [{section}] source = 'file' needs password_file")
    if kind is not CredentialSource.FILE and password_file is not None:
        raise ConfigError(f"{source}: [{section}] password_file is only read with source = 'file'")


def example_config() -> str:
    """A commented configuration with every key (``exready sweep --example-config``)."""
    return _EXAMPLE


_EXAMPLE = """\
# exready sweep configuration. Relative paths are relative to this file.
exchange = "2019"            # target Exchange version: 2013, 2016, 2019 or SE
# cu = 14                    # target cumulative update, when the rules depend on it
fail_on = "blocked"          # blocked (exit 1/2), unknown (exit 2 only), never (exit 0)
# zone = "paris"             # the part of the network this scanner covers ([inventory] says what);
                             # several scanners sweep their zones into one PostgreSQL database

[inventory]
file = "servers.yaml"        # a plain list, CSV or YAML inventory
# or Active Directory instead of file:
# ad = "ldaps://dc1.corp.example"
# ad_user = "svc-exready@corp.example"
# ad_auth = "simple"         # simple (over TLS), ntlm, kerberos
# ad_password_env = "EXREADY_AD_PASSWORD"
# ad_password_file = "/etc/exready/ad.password"   # instead of the variable; mode 600
# starttls = false
# ad_allow_cleartext_bind = false   # true accepts a simple bind over plain ldap:// (password in clear)
# ad_ca_file = "/etc/exready/corp-ca.pem"
# base = ["OU=Servers,DC=corp,DC=example"]
# ou = []
# name = ["EX*"]
# stale_days = 90            # leave out computers with no logon for 90 days (the default; 0: off)
# resolve_file = "hosts.txt"
# no_dns = false
# ad_dns_server = ["10.0.0.53"]   # ask these DNS servers (ADDRESS[:PORT]), not the system resolver
# ad_timeout = 10
# ad_deadline = 120

[credentials]
# source = "kerberos"        # the ticket cache (default without user)
# ccache = "/var/lib/exready/krb5cc"
# keytab = "/etc/exready/svc-exready.keytab"   # with source = "kerberos": the ticket from this keytab
user = "CORP\\\\svc-exready"
source = "env"               # env (default with user), file, kerberos
password_env = "EXREADY_PASSWORD"
# password_file = "/etc/exready/winrm.password"  # with source = "file"; readable by its owner only

[winrm]
scheme = "http"              # http (5985, message encryption) or https (5986, TLS)
auth = "negotiate"           # negotiate, kerberos, ntlm, basic (https only), credssp
# ca_file = "/etc/exready/corp-ca.pem"
insecure_skip_tls_verify = false
connect_timeout = 10
read_timeout = 30
operation_timeout = 20
# configuration_name = "Microsoft.PowerShell"   # the PowerShell endpoint; a constrained/JEA one by name
# tls_name = "{name}.corp.example"  # HTTPS: the name certificates carry, if not the FQDN ({name} {fqdn} {address})
# transport = "lean"          # lean (asyncio, no thread per host) or pypsrp; Kerberos and CredSSP use pypsrp

[limits]
concurrency = 0              # hosts at once; 0: 512 per core, at most 2048 (pypsrp: 128, 1024), within free memory
deadline = 120               # seconds per host
auth_breaker = 5             # consecutive authentication failures that stop the sweep; 0: off
workers = 0                  # processes running the sessions; 0: one per core but one (up to 4) from 200 hosts

[outputs]
dir = "out"                  # relative output paths go here
csv = "matrix-{date}.csv"    # {date}: UTC date; {run_id}: the sweep's id
csv_dialect = "excel-fr"     # excel (comma) or excel-fr (semicolon + BOM)
findings_csv = "findings-{date}.csv"
html = "report-{date}.html"
json = "scan-{date}.json"
log_json = "events.jsonl"    # appended to, one JSON object per line
lang = "en"                  # en or fr

[history]
enabled = true
# db = "/var/lib/exready/history.sqlite3"   # default: the user's state directory
# url = "postgresql://exready@db.corp.example/exready"   # a shared PostgreSQL database instead
# password_env = "EXREADY_DB_PASSWORD"   # never in the URL; or libpq's PGPASSWORD, ~/.pgpass, service
# password_file = "/etc/exready/db.password"   # mode 600
# ca_file = "/etc/exready/db-ca.pem"     # TLS with sslmode=verify-full (the default off loopback)
# spool_dir = "/var/lib/exready/spool"   # results kept here while the database is unreachable
# deliver_wait = 30          # at the end of a sweep, seconds to wait for it to come back
lock_wait = 0                # seconds to wait for a running sweep on the same database (or zone)
"""
