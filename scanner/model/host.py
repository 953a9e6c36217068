"""A host to scan, as the inventory describes it."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Scheme(StrEnum):
    HTTP = "http"  # port 5985, WinRM message encryption
    HTTPS = "https"  # port 5986, TLS


class AuthMethod(StrEnum):
    NEGOTIATE = "negotiate"  # Kerberos when a ticket and an FQDN allow it, else NTLM
    KERBEROS = "kerberos"
    NTLM = "ntlm"
    BASIC = "basic"  # over HTTPS only
    CREDSSP = "credssp"


@dataclass(frozen=True, slots=True)
class Host:
    """One server. ``name`` is the short (NetBIOS-like) name, upper case; it is the host's key."""

    name: str
    fqdn: str | None = None
    address: str | None = None  # where to connect; defaults to the FQDN, then the name
    tls_name: str | None = None  # the name its HTTPS certificate carries, when not its FQDN
    site: str | None = None  # AD site
    port: int | None = None  # None: 5985 for HTTP, 5986 for HTTPS
    scheme: Scheme | None = None  # None: the sweep's default
    auth: AuthMethod | None = None  # None: the sweep's default
    source: str = ""  # "file:line" or the AD distinguished name
    is_dc: bool = False
    is_rodc: bool = False  # a read-only domain controller (is_dc is then True too); Setup refuses it
    os: str | None = None  # operatingSystem, as AD or the inventory gives it
    tags: tuple[str, ...] = field(default=())

    @property
    def target(self) -> str:
        """What the transport connects to: the address if given, else the FQDN, else the name."""
        return self.address or self.fqdn or self.name
