"""How to reach and bind to a domain controller, and what to discover. Values only: no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit

from scanner.credentials import Credentials
from scanner.directory.sites import DnsServer
from scanner.errors import UsageError

AD_PASSWORD_ENV = "EXREADY_AD_PASSWORD"  # noqa: S105 - the name of a variable, not a password

# AD answers at most MaxPageSize (1000 by default) entries per page; asking for more is silently capped.
MAX_PAGE_SIZE = 1000
# A computer account refreshes lastLogonTimestamp every 9 to 14 days (ms-DS-Logon-Time-Sync-Interval,
# https://learn.microsoft.com/en-us/windows/win32/adschema/a-lastlogontimestamp): none for 90 days
# means the machine is gone or off. --stale-days 0 turns the cutoff off.
DEFAULT_STALE_DAYS = 90


class AdAuth(StrEnum):
    SIMPLE = "simple"
    NTLM = "ntlm"
    KERBEROS = "kerberos"


class LdapSecurity(StrEnum):
    LDAPS = "ldaps"  # TLS from the first byte, port 636
    STARTTLS = "starttls"  # plain 389, then the StartTLS extended operation
    PLAIN = "plain"  # no TLS at all: only when the user wrote ldap:// and did not ask for StartTLS


@dataclass(frozen=True, slots=True)
class DcEndpoint:
    host: str
    port: int
    security: LdapSecurity

    @property
    def url(self) -> str:
        scheme = "ldaps" if self.security is LdapSecurity.LDAPS else "ldap"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}"


def parse_dc_url(url: str, starttls: bool = False) -> DcEndpoint:
    """``ldaps://dc1.corp.example:636``, ``ldap://dc1`` (with --starttls, or plain) or a bare host name
    (LDAPS). Anything else is a UsageError."""
    text = url.strip()
    if not text:
        raise UsageError("--ad needs a domain controller: ldaps://dc1.corp.example (or a host name)")
    if "://" not in text:
        text = "ldaps://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise UsageError(f"--ad {url!r} is not a valid LDAP URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("ldap", "ldaps"):
        raise UsageError(f"--ad {url!r}: the scheme must be ldaps:// or ldap://, not {parts.scheme}://")
    if not parts.hostname:
        raise UsageError(f"--ad {url!r} names no domain controller")
    if parts.path not in ("", "/") or parts.query or parts.username or parts.password:
        raise UsageError(f"--ad {url!r}: give only scheme, host and port (use --base for a search base)")
    if scheme == "ldaps":
        if starttls:
            raise UsageError("--starttls goes with ldap:// URLs; ldaps:// is already encrypted")
        return DcEndpoint(parts.hostname, port or 636, LdapSecurity.LDAPS)
    security = LdapSecurity.STARTTLS if starttls else LdapSecurity.PLAIN
    return DcEndpoint(parts.hostname, port or 389, security)


@dataclass(frozen=True, slots=True)
class BindSettings:
    endpoint: DcEndpoint
    credentials: Credentials = field(repr=False)
    auth: AdAuth = AdAuth.SIMPLE
    ca_file: Path | None = None  # CA bundle for the DC's certificate; None: the system store
    verify_tls: bool = True  # False only through --ad-insecure-skip-tls-verify
    tls_name: str | None = None  # the name to check in the certificate when connecting by address
    connect_timeout: float = 10.0
    receive_timeout: float = 30.0  # one LDAP response
    # A simple bind over plain LDAP sends the password as it is: only when the user says so, by name
    # (NTLM and Kerberos never send it; they are not refused).
    allow_cleartext_bind: bool = False

    def __post_init__(self) -> None:
        if self.connect_timeout <= 0 or self.receive_timeout <= 0:
            raise UsageError("LDAP timeouts must be positive")
        if self.ca_file is not None and not self.ca_file.is_file():
            raise UsageError(f"--ad-ca-file {self.ca_file}: no such file")
        if self.auth is AdAuth.NTLM and self.credentials.username and "\\" not in self.credentials.username:
            raise UsageError("--ad-auth ntlm needs the user as DOMAIN\\name (e.g. CORP\\svc-exready)")
        if self.auth is not AdAuth.KERBEROS and not self.credentials.username:
            raise UsageError(f"--ad-auth {self.auth} needs --ad-user (only Kerberos can use a ticket cache)")
        if (self.endpoint.security is LdapSecurity.PLAIN and self.auth is AdAuth.SIMPLE
                and not self.allow_cleartext_bind):
            raise UsageError(
                f"--ad {self.endpoint.url} without --starttls would send the bind password in clear: use "
                "ldaps://, --starttls or --ad-auth ntlm/kerberos (or --ad-allow-cleartext-bind to accept it)")


@dataclass(frozen=True, slots=True)
class SearchScopeSpec:
    dn: str
    subtree: bool  # False: only objects directly below dn (an --ou)


@dataclass(frozen=True, slots=True)
class DiscoverySettings:
    bases: tuple[SearchScopeSpec, ...] = ()  # empty: the domain (defaultNamingContext), subtree
    name_globs: tuple[str, ...] = ()  # fnmatch on the short name, case-insensitive; empty: every name
    stale_days: int | None = None  # exclude computers with no logon within this many days
    page_size: int = 500
    # Where host addresses come from, for the site lookup (AD does not store addresses):
    resolve: Mapping[str, str] = field(default_factory=dict)  # upper-case short name or FQDN -> address
    use_dns: bool = True  # ask DNS (short timeout) for names not in ``resolve``
    # the DNS servers to ask (A records, these only); empty: the system resolver
    dns_servers: tuple[DnsServer, ...] = ()
    dns_timeout: float = 2.0
    deadline: float = 120.0  # wall-clock bound for the whole discovery, bind included

    def __post_init__(self) -> None:
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:
            raise UsageError(
                f"the LDAP page size must be between 1 and {MAX_PAGE_SIZE} (AD caps pages there)"
            )
        if self.stale_days is not None and self.stale_days <= 0:
            raise UsageError("--stale-days must be a positive number of days")
        if self.deadline <= 0:
            raise UsageError("the discovery deadline must be positive")
        if self.dns_servers and not self.use_dns:
            raise UsageError("--ad-dns-server and --no-dns contradict each other: choose one")


@dataclass(frozen=True, slots=True)
class AdSettings:
    """Everything ``exready inventory --ad`` and ``exready scan --ad`` need to read AD."""

    bind: BindSettings
    discovery: DiscoverySettings = field(default_factory=DiscoverySettings)

    @property
    def source(self) -> str:
        return self.bind.endpoint.url
