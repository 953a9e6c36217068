"""Whether this process can authenticate to WinRM with Kerberos, checked once before a sweep.

On Linux and macOS, pyspnego speaks Kerberos through python-gssapi, an optional dependency (the
``kerberos`` extra; it needs the system's Kerberos library to build). Without it, each host would
find out alone, one failure (or a silent fallback to NTLM) per host; the sweep asks once, before any
host is contacted. On Windows, pyspnego uses SSPI, which always has Kerberos.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterable

from scanner.model.host import AuthMethod, Host
from scanner.transport.settings import TransportSettings


def needs_kerberos(hosts: Iterable[Host], settings: TransportSettings) -> str | None:
    """Why the sweep needs Kerberos ("--auth kerberos", "the inventory's auth=kerberos for NAME", the
    ticket cache), or None."""
    if settings.credentials.username is None and settings.auth is not AuthMethod.BASIC:
        return "scanning without --user (the Kerberos ticket cache)"
    if settings.auth is AuthMethod.KERBEROS and any(h.auth is None for h in hosts):
        return "--auth kerberos"
    for host in hosts:
        if host.auth is AuthMethod.KERBEROS:
            return f"auth=kerberos for {host.name} ({host.source or 'the inventory'})"
    return None


def kerberos_unavailable() -> str | None:
    """None when this process can use Kerberos, else what is missing."""
    if sys.platform == "win32":
        return None
    try:
        importlib.import_module("gssapi")
    except ImportError:
        return "the python-gssapi package is not installed"
    except OSError as exc:  # the package is there, its Kerberos library is not
        return f"python-gssapi cannot load the system's Kerberos library ({exc})"
    return None


def kerberos_problem(hosts: Iterable[Host], settings: TransportSettings) -> str | None:
    """One line for the user when the sweep needs Kerberos and cannot have it, else None."""
    hosts = list(hosts)
    why = needs_kerberos(hosts, settings)
    if why is None:
        return None
    missing = kerberos_unavailable()
    if missing is None:
        return None
    return (f"{why} needs Kerberos, but {missing}: install the optional 'kerberos' extra "
            "(pip install 'exready[kerberos]'; it builds against the system's Kerberos library, e.g. "
            "libkrb5-dev), or use --auth negotiate or ntlm with --user")
