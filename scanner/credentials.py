"""Credentials for the WinRM sweep. The password is wrapped so it never shows in a repr, a log line,
a report or a traceback's locals; it is read from an environment variable or a prompt, never from
the command line."""

from __future__ import annotations

import getpass
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from scanner.errors import CredentialError

PASSWORD_ENV = "EXREADY_PASSWORD"  # noqa: S105 - the name of a variable, not a password


class Secret:
    """A string that refuses to be printed."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> tuple[object, ...]:  # no pickling into a worker's log by accident
        raise TypeError("a Secret cannot be pickled")


@dataclass(frozen=True, slots=True)
class Credentials:
    username: str | None  # None: use the Kerberos ticket cache
    password: Secret | None = field(default=None, repr=False)
    keytab: Path | None = None  # Kerberos: get the ticket from this client keytab (unattended sweeps)
    ccache: Path | None = None  # Kerberos: this ticket cache file instead of the default one

    @property
    def label(self) -> str:
        """What may be shown: the account name, never the password."""
        if self.keytab is not None:
            return f"{self.username or '(first principal)'} (keytab {self.keytab})"
        if self.ccache is not None:
            return self.username or f"(Kerberos ticket cache {self.ccache})"
        return self.username or "(Kerberos ticket cache)"


def resolve_credentials(username: str | None, env_var: str = PASSWORD_ENV, prompt: bool = True) -> Credentials:
    """Username from the caller; password from ``env_var`` or, on a terminal, from a prompt."""
    if username is None:
        return Credentials(None, None)
    value = os.environ.get(env_var)
    if value:
        return Credentials(username, Secret(value))
    if prompt and sys.stdin is not None and sys.stdin.isatty():
        try:
            typed = getpass.getpass(f"Password for {username}: ")
        except EOFError:
            raise CredentialError("no password given") from None
        # Ctrl-C at the prompt stays a KeyboardInterrupt: the command line exits 130, as documented
        if typed:
            return Credentials(username, Secret(typed))
    raise CredentialError(
        f"no password for {username}: set the environment variable {env_var} "
        "(or run on a terminal to be prompted)")


# ---- Kerberos failures: one line each, for WinRM and LDAP alike ---------------------------------------

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


def no_such_principal(spn: object | None) -> str:
    name = str(spn) if spn is not None else "HTTP/<host>"
    return (f"the KDC knows no service principal {name}: name the host by the FQDN its computer account "
            f"has in AD (the inventory's fqdn column), or register the SPN (setspn -S {name} <account>)")


def ticket_refused(spn: object | None) -> str:
    name = str(spn) if spn is not None else "HTTP/<host>"
    return (f"the host refused the Kerberos ticket for {name}: its key is not the one the KDC holds (a machine "
            "password or keytab out of step with AD, or another machine answers at this address: check the "
            "inventory's address for this FQDN)")


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


def explain_kerberos(exc: BaseException, doing: str, spn: object | None = None) -> str | None:
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
