"""The names a host goes by on the wire, apart from where the transport connects.

The transport connects to ``Host.target`` (the inventory's address, else its FQDN, else its name), but a
Windows server's services are registered under its FQDN: the WinRM HTTPS listener's certificate names it
(CN and DNS name, rarely an IP address), and so do its Kerberos service principals. A host reached by
address is therefore verified, and asked for by SNI, under its FQDN.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from scanner.errors import TlsError, UsageError
from scanner.model.host import Host

# The placeholders a --tls-name pattern may hold.
_FIELDS = ("name", "fqdn", "address")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")


def service_hostname(host: Host) -> str:
    """The name the host's services are known by: its FQDN when the inventory gives one, else what the
    transport connects to (an address, or a name that resolves). A WinRM HTTPS certificate names it, and
    Kerberos builds the host's service principal from it."""
    return host.fqdn or host.target


@dataclass(frozen=True, slots=True)
class TlsName:
    """The name checked in a host's certificate (and sent as SNI unless it is an address), and where it
    came from, for the message when the certificate names something else."""

    name: str
    source: str  # "the inventory's tls_name", "--tls-name", "the host's FQDN", "the address connected to"...


def check_tls_name_pattern(pattern: str, option: str = "--tls-name") -> None:
    """Refuse a --tls-name pattern with an unknown placeholder or a character no host name has (UsageError)."""
    for field in _PLACEHOLDER.findall(pattern):
        if field not in _FIELDS:
            raise UsageError(f"{option} {pattern!r}: unknown placeholder {{{field}}} "
                             f"(known: {', '.join('{' + f + '}' for f in _FIELDS)})")
    literal = _PLACEHOLDER.sub("x", pattern)
    if not literal or "{" in literal or "}" in literal or not _is_name(literal.lower()):
        raise UsageError(f"{option} {pattern!r}: expected a host name, or a pattern such as "
                         "'{name}.corp.example' ({name}: the short name, {fqdn}, {address})")


def tls_server_name(host: Host, pattern: str | None = None) -> TlsName:
    """The name to verify in ``host``'s HTTPS certificate: the inventory's ``tls_name`` for this host, else
    the sweep's --tls-name ``pattern`` filled in for it, else ``service_hostname``. A pattern that needs a
    field the inventory does not give for this host is this host's TlsError."""
    if host.tls_name:
        return TlsName(host.tls_name.lower(), "the inventory's tls_name")
    if pattern:
        values = {"name": host.name.lower(), "fqdn": host.fqdn, "address": host.address}
        missing = [f for f in _PLACEHOLDER.findall(pattern) if not values.get(f)]
        if missing:
            raise TlsError(f"--tls-name {pattern!r} needs the host's {missing[0]}, which the inventory does not "
                           "give for this host")
        return TlsName(_PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), pattern).lower(), "--tls-name")
    if host.fqdn:
        return TlsName(host.fqdn, "the host's FQDN")
    if host.address:
        return TlsName(host.address, "the address connected to")
    return TlsName(host.target.lower(), "the name connected to")


def _is_name(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        pass
    else:
        return True
    labels = text.rstrip(".").split(".")
    return len(text) <= 253 and all(_LABEL.fullmatch(label) for label in labels)
