"""Kerberos for WinRM: the service principal that names a host, the client credential a sweep uses,
and one line for each Kerberos failure.

The credential comes from one of four places: the default ticket cache (``kinit`` first), an explicit
ticket cache file, a password, or a keytab. A password or a keytab is turned into a ticket-granting
ticket once per process, in a MEMORY ticket cache that no file holds; every session of the sweep then
reads that cache, and the service tickets it gets are kept there for the sessions that follow.

The Kerberos libraries (python-gssapi and python-krb5, the ``kerberos`` extra) are imported only
when a Kerberos credential is first needed.
"""

from __future__ import annotations

import hashlib
import ipaddress
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.credentials import (
    EXPIRED,
    KDC_UNREACHABLE,
    NO_TICKET,
    NTLM_REFUSED,
    SKEW,
    Credentials,
    explain_kerberos,
    no_such_principal,
    ticket_refused,
)
from scanner.errors import AuthFailed
from scanner.model.host import Host

# The service class Windows' WinRM client asks a ticket for. Active Directory maps HTTP/ onto a
# computer account's HOST/ (sPNMappings), so a domain member needs no SPN of its own for it.
SERVICE = "HTTP"


@dataclass(frozen=True, slots=True)
class ServicePrincipal:
    service: str
    hostname: str

    def __str__(self) -> str:
        return f"{self.service}/{self.hostname}"


def service_principal(host: Host) -> ServicePrincipal | None:
    """The principal naming this host's WinRM service: its FQDN when the inventory gives one, whatever
    address the socket connects to; else the name it is reached by. None when only an IP address is
    known: a ticket names a host, never an address."""
    name = (host.fqdn or host.target).strip().rstrip(".").lower()
    if not name or _is_ip(name):
        return None
    return ServicePrincipal(SERVICE, name)


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return False
    return True


def kerberos_principal(username: str) -> str:
    """A user name as Kerberos spells it: ``user@domain`` with the realm in upper case (realms are
    case-sensitive; Active Directory's is its DNS name in upper case); ``DOMAIN\\user`` is the user in the
    default realm of krb5.conf (a NetBIOS name is no realm)."""
    prefix, sep, name = username.rpartition("\\")
    if sep:
        return name
    user, at, realm = username.rpartition("@")
    return f"{user}@{realm.upper()}" if at else username


# ---- client credential ------------------------------------------------------------------------------

_LOCK = threading.Lock()
_ACQUIRED: dict[tuple[str, str, str], tuple[Any, str]] = {}  # (kind, principal, digest) -> (ccache, name)


def client_credentials(creds: Credentials, with_password: bool) -> list[Any]:
    """The pyspnego credentials for Kerberos: a keytab's or a password's ticket (acquired once per
    process), an explicit ticket cache, or the default cache. ``with_password``: a password given with
    the user name is used for Kerberos (``--auth kerberos``); with Negotiate a password means NTLM."""
    import spnego

    if creds.keytab is not None:
        principal = kerberos_principal(creds.username) if creds.username else ""
        return [spnego.KerberosCCache(ccache=_acquire("keytab", principal, str(creds.keytab)))]
    if creds.username and creds.password is not None and with_password:
        principal = kerberos_principal(creds.username)
        return [spnego.KerberosCCache(ccache=_acquire("password", principal, creds.password.reveal()))]
    if creds.ccache is not None:
        return [spnego.KerberosCCache(ccache=f"FILE:{creds.ccache}")]
    return [spnego.CredentialCache()]


def has_kerberos_source(creds: Credentials) -> bool:
    """Whether this account brings a Kerberos credential of its own beyond a password: a keytab, a
    ticket cache file, or (no user name) the default ticket cache."""
    return creds.keytab is not None or creds.ccache is not None or creds.username is None


def _acquire(kind: str, principal: str, secret: str) -> str:
    digest = hashlib.sha256(secret.encode()).hexdigest()
    key = (kind, principal, digest)
    with _LOCK:
        held = _ACQUIRED.get(key)
        if held is not None:
            return held[1]
        try:
            import krb5
        except ImportError:
            raise AuthFailed(_NO_EXTRA) from None
        ctx = krb5.init_context()
        try:
            opt = krb5.get_init_creds_opt_alloc(ctx)
            krb5.get_init_creds_opt_set_canonicalize(opt, True)
            if kind == "keytab":
                keytab = krb5.kt_resolve(ctx, f"FILE:{Path(secret).resolve()}".encode())
                if principal:
                    princ = krb5.parse_name_flags(ctx, principal.encode())
                else:
                    entries = list(keytab)
                    if not entries:
                        raise AuthFailed(f"the keytab {secret} holds no key")
                    princ = entries[0].principal
                cred = krb5.get_init_creds_keytab(ctx, princ, opt, keytab=keytab)
            else:
                princ = krb5.parse_name_flags(ctx, principal.encode())
                cred = krb5.get_init_creds_password(ctx, princ, opt, password=secret.encode())
            ccache = krb5.cc_new_unique(ctx, b"MEMORY")
            krb5.cc_initialize(ctx, ccache, cred.client)
            krb5.cc_store_cred(ctx, ccache, cred)
        except krb5.Krb5Error as exc:
            source = f"the keytab {secret}" if kind == "keytab" else "the password"
            who = principal or "the keytab's first principal"
            doing = f"getting a ticket for {who} from {source}"
            line = explain_kerberos(exc, doing) or f"Kerberos could not get a ticket ({doing}): {exc}"
            raise AuthFailed(line) from None
        name = f"MEMORY:{(ccache.name or b'').decode()}"
        _ACQUIRED[key] = (ccache, name)  # the handle keeps the cache alive for the process
        return name


_NO_EXTRA = ("Kerberos needs the optional 'kerberos' extra: pip install 'exready[kerberos]' (it builds "
             "python-gssapi; on Debian install libkrb5-dev and gcc first)")


__all__ = ["EXPIRED", "KDC_UNREACHABLE", "NO_TICKET", "NTLM_REFUSED", "SKEW", "SERVICE", "ServicePrincipal",
           "client_credentials", "explain_kerberos", "has_kerberos_source", "kerberos_principal",
           "no_such_principal", "service_principal", "ticket_refused"]
