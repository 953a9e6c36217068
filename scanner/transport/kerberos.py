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
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.credentials import Credentials
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
            raise AuthFailed(explain(exc, doing) or f"Kerberos could not get a ticket ({doing}): {exc}") from None
        name = f"MEMORY:{(ccache.name or b'').decode()}"
        _ACQUIRED[key] = (ccache, name)  # the handle keeps the cache alive for the process
        return name


_NO_EXTRA = ("Kerberos needs the optional 'kerberos' extra: pip install 'exready[kerberos]' (it builds "
             "python-gssapi; on Debian install libkrb5-dev and gcc first)")


# ---- failures ---------------------------------------------------------------------------------------

# MIT krb5 error codes as GSSAPI reports them in the minor status (unsigned), and as python-krb5 gives
# them (signed): ERROR_TABLE_BASE_krb5 = -1765328384.
_BASE = -1765328384
_C_PRINCIPAL_UNKNOWN = _BASE + 6
_S_PRINCIPAL_UNKNOWN = _BASE + 7
_PREAUTH_FAILED = _BASE + 24
_TKT_EXPIRED = _BASE + 32
_SKEW = _BASE + 37
_CC_NOTFOUND = -1765328243
_NO_TGT = -1765328227  # KRB5_NO_TKT_IN_RLM is -1765328226; KRB5_KDC_UNREACH below
_KDC_UNREACH = -1765328228
_REALM_UNKNOWN = -1765328230  # "Cannot find KDC for realm"
_NO_DEFAULT_REALM = -1765328160  # KRB5_CONFIG_NODEFREALM
_FCC_NOFILE = -1765328189
_KT_NOTFOUND = -1765328203
_KT_END = -1765328202
_GSS_S_NO_CRED = 7 << 16
_GSS_S_CREDENTIALS_EXPIRED = 11 << 16

NO_TICKET = ("no Kerberos ticket: run kinit user@REALM first (or give a keytab, a ticket cache file, or "
             "--user with --auth kerberos to get one from the password)")
EXPIRED = "the Kerberos ticket has expired: run kinit again (or kinit -R to renew it)"
SKEW = ("clock skew too great: this machine's clock and the domain's differ by more than the allowed 5 "
        "minutes; synchronise the clock with the domain (NTP from a domain controller)")
KDC_UNREACHABLE = ("no KDC answered for the realm: check [realms] kdc in krb5.conf (KRB5_CONFIG) and that "
                   "port 88 of a domain controller is reachable")
NTLM_REFUSED = ("the host refuses NTLM (as a domain that restricts NTLM does) and no Kerberos credential was "
                "given: run kinit, or scan with --auth kerberos (a password, --keytab or --ccache)")


def no_such_principal(spn: ServicePrincipal | str | None) -> str:
    name = str(spn) if spn is not None else "HTTP/<host>"
    return (f"the KDC knows no service principal {name}: name the host by the FQDN its computer account "
            f"has in AD (the inventory's fqdn column), or register the SPN (setspn -S {name} <account>)")


_MINOR = re.compile(r"Minor \((\d+)\)")
_MAJOR = re.compile(r"Major \((\d+)\)")


def kerberos_codes(exc: BaseException) -> tuple[int | None, int | None]:
    """(major, minor as a signed krb5 code) of a GSSAPI or krb5 failure, wherever pyspnego wrapped it."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        e = todo.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        code = getattr(e, "err_code", None)
        if isinstance(code, int):
            return None, code
        minor = getattr(e, "min_code", None)
        if isinstance(minor, int) and minor:
            major = getattr(e, "maj_code", None)
            return (major if isinstance(major, int) else None), _signed(minor)
        for nxt in (getattr(e, "base_error", None), e.__cause__, e.__context__):
            if isinstance(nxt, BaseException):
                todo.append(nxt)
    text = str(exc)
    m_minor, m_major = _MINOR.search(text), _MAJOR.search(text)
    return (int(m_major.group(1)) if m_major else None,
            _signed(int(m_minor.group(1))) if m_minor else None)


def _signed(code: int) -> int:
    return code - (1 << 32) if code >= 1 << 31 else code


def explain(exc: BaseException, doing: str, spn: ServicePrincipal | str | None = None) -> str | None:
    """One line saying what to do about a Kerberos failure; None when ``exc`` is no Kerberos failure
    this module knows."""
    major, minor = kerberos_codes(exc)
    if minor == _S_PRINCIPAL_UNKNOWN:
        return f"{no_such_principal(spn)} ({doing})"
    if minor == _TKT_EXPIRED or (major is not None and major & 0xFFFF0000 == _GSS_S_CREDENTIALS_EXPIRED):
        return f"{EXPIRED} ({doing})"
    if minor == _SKEW:
        return f"{SKEW} ({doing})"
    if minor in (_KDC_UNREACH, _REALM_UNKNOWN):
        return f"{KDC_UNREACHABLE} ({doing})"
    if minor in (_CC_NOTFOUND, _FCC_NOFILE, _NO_TGT) or (
            major is not None and major & 0xFFFF0000 == _GSS_S_NO_CRED and minor not in (_KT_NOTFOUND, _KT_END)):
        return f"{NO_TICKET} ({doing})"
    if minor in (_PREAUTH_FAILED, _C_PRINCIPAL_UNKNOWN):
        return f"the KDC refused the account: wrong password or unknown user ({doing})"
    if minor in (_KT_NOTFOUND, _KT_END):
        return f"the keytab holds no key for this principal: export it again (ktpass, or kadmin ktadd) ({doing})"
    if minor == _NO_DEFAULT_REALM:
        return (f"krb5.conf names no default realm: set default_realm in [libdefaults], or give the user as "
                f"user@REALM ({doing})")
    return None
