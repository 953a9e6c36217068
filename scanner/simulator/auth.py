"""HTTP authentication as a Windows WinRM listener does it: Basic (local accounts only), and Negotiate
(SPNEGO: Kerberos when the host has a keytab, NTLM unless refused) with a pyspnego acceptor per TCP
connection. Wrong credentials get 401 with the challenge
headers again.

pyspnego's NTLM acceptor reads the accepted accounts from the file named by the NTLM_USER_FILE
environment variable, which is process-wide: :class:`NtlmUserFile` writes it in the simulator's work
directory and points the variable at it for the simulator's lifetime (keeping the lines of a file that
was already configured, so two simulators in one process both work).
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import spnego
import spnego.channel_bindings
from spnego._ntlm_raw.crypto import lmowfv1, ntowfv1  # pinned pyspnego: the acceptor's own hash functions

from scanner.simulator.kerberos import negotiate_acceptor
from scanner.simulator.profiles import Credentials, SimHost

_ENV = "NTLM_USER_FILE"
_NTLM_AUTHENTICATE = b"NTLMSSP\x00\x03\x00\x00\x00"


class NtlmUserFile:
    """The NTLM_USER_FILE for pyspnego's acceptor, in the smbpasswd form ``[DOMAIN\\]USER:UID:LM:NT:...``:
    with the hashes in the file, the acceptor does not derive them from the password (the LM one
    with a pure-Python DES) on every logon; and a password may hold a colon."""

    def __init__(self, workdir: Path, credentials: Credentials) -> None:
        self.path = Path(workdir) / "ntlm-users.txt"
        self.credentials = credentials
        self._previous: str | None = None
        self._installed = False

    def lines(self) -> list[str]:
        c = self.credentials
        lm, nt = lmowfv1(c.password).hex().upper(), ntowfv1(c.password).hex().upper()
        names = [c.username]
        for dom in (c.domain_netbios, c.domain_dns):
            if dom:
                names.append(f"{dom}\\{c.username}")
        if c.domain_dns:
            names.append(f"{c.username}@{c.domain_dns}")
        return [f"{name}:0:{lm}:{nt}:[U          ]:LCT-00000000" for name in names]

    def install(self) -> None:
        self._previous = os.environ.get(_ENV)
        lines = self.lines()
        if self._previous and Path(self._previous).is_file():
            lines += Path(self._previous).read_text(encoding="utf-8").splitlines()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        try:
            self.path.chmod(0o600)
        except OSError:  # not every file system keeps POSIX modes (Windows)
            pass
        os.environ[_ENV] = str(self.path)
        self._installed = True

    def uninstall(self) -> None:
        if not self._installed:
            return
        self._installed = False
        if os.environ.get(_ENV) == str(self.path):
            if self._previous is None:
                os.environ.pop(_ENV, None)
            else:
                os.environ[_ENV] = self._previous
        try:
            self.path.unlink()
        except OSError:
            pass


@dataclass
class ConnectionAuth:
    """Authentication state of one TCP connection (NTLM is bound to the connection)."""

    tls: bool
    cbt_app_data: bytes | None = None
    ctx: Any = None  # spnego.ContextProxy once a Negotiate exchange started
    user: str | None = None
    scheme: str | None = None  # "basic" or "negotiate" once authenticated

    @property
    def sealing(self) -> Any:
        """The context that seals messages, when Negotiate completed."""
        if self.scheme == "negotiate" and self.ctx is not None and self.ctx.complete:
            return self.ctx
        return None


@dataclass(frozen=True, slots=True)
class AuthOutcome:
    """``ok``: go on with the request. Otherwise answer 401 with ``headers``. ``event`` says what to
    count: "ok" (a new authentication), "fail" (credentials refused), "" (nothing)."""

    ok: bool
    headers: tuple[tuple[str, str], ...] = field(default=())
    event: str = ""


def challenge(host: SimHost) -> tuple[tuple[str, str], ...]:
    out = []
    if "negotiate" in host.auth:
        out.append(("WWW-Authenticate", "Negotiate"))
    if "basic" in host.auth:
        out.append(("WWW-Authenticate", 'Basic realm="WSMAN"'))
    return tuple(out)


def authenticate(
    state: ConnectionAuth,
    host: SimHost,
    credentials: Credentials,
    authorization: str,
    strict_cbt: bool = False,
    kerberos: Any = None,
) -> AuthOutcome:
    """Check one request's Authorization header against the host's offer and the site's account.
    ``kerberos``: the host's acceptor credential (scanner.simulator.kerberos), when it is in the domain."""
    always_401 = host.fault is not None and host.fault.kind == "always_401"
    if not authorization:
        if state.user is not None:
            return AuthOutcome(True)
        return AuthOutcome(False, challenge(host))
    scheme, _, token = authorization.partition(" ")
    scheme_l = scheme.lower()
    if scheme_l == "basic" and "basic" in host.auth:
        return _basic(state, host, credentials, token.strip(), always_401)
    if scheme_l in ("negotiate", "ntlm") and "negotiate" in host.auth:
        return _negotiate(state, host, scheme, token.strip(), always_401, strict_cbt, kerberos)
    return AuthOutcome(False, challenge(host), "fail")


def _basic(
    state: ConnectionAuth, host: SimHost, credentials: Credentials, token: str, always_401: bool
) -> AuthOutcome:
    try:
        user, sep, password = base64.b64decode(token, validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return AuthOutcome(False, challenge(host), "fail")
    # Basic sends the password in clear: a Windows listener takes it only over TLS unless
    # AllowUnencrypted is set.
    if (
        always_401
        or not sep
        or not (state.tls or host.allow_unencrypted)
        or not basic_account_ok(host, credentials, user, password)
    ):
        state.user = None
        return AuthOutcome(False, challenge(host), "fail")
    # the shell's Owner reads as Windows names a local account: HOST\name
    name = user.rpartition("\\")[2]
    account = f"{host.name}\\{name}"
    event = "" if state.user == account and state.scheme == "basic" else "ok"
    state.user, state.scheme, state.ctx = account, "basic", None
    return AuthOutcome(True, (), event)


def basic_account_ok(host: SimHost, credentials: Credentials, user: str, password: str) -> bool:
    """Whether the listener takes this user over Basic. Windows' WinRM checks Basic credentials
    against the local account database only: a domain account (DOMAIN\\user, user@domain) is refused,
    and a plain name, ``.\\name`` or ``HOST\\name`` is the host's local account of that name.
    Source: ConnectionOptions.UserName, Remarks (a domain account with Negotiate or Kerberos, a local
    account with Basic), https://learn.microsoft.com/en-us/windows/win32/winrm/connectionoptions-username"""
    if "@" in user:
        return False
    prefix, sep, name = user.rpartition("\\")
    if sep and prefix.casefold() not in (".", host.name.casefold()):
        return False
    return (
        credentials.local
        and name.casefold() == credentials.username.casefold()
        and password == credentials.password
    )


def _negotiate(
    state: ConnectionAuth, host: SimHost, scheme: str, token: str, always_401: bool, strict_cbt: bool,
    kerberos: Any,
) -> AuthOutcome:
    try:
        in_token = base64.b64decode(token, validate=True)
    except binascii.Error:
        return AuthOutcome(False, challenge(host), "fail")
    try:
        if state.ctx is None or state.ctx.complete:
            # a new exchange on this connection starts a new context, for the mechanisms the client offers
            bindings = None
            if strict_cbt and state.cbt_app_data is not None:
                bindings = spnego.channel_bindings.GssChannelBindings(application_data=state.cbt_app_data)
            state.user = state.scheme = None
            state.ctx = negotiate_acceptor(kerberos, None if host.refuse_ntlm else host.ntlm, bindings, in_token)
        if always_401 and _NTLM_AUTHENTICATE in in_token:
            raise PermissionError("credentials refused")
        out_token = state.ctx.step(in_token)
    except Exception:  # pyspnego raises a family of errors for a bad password, user or token
        state.ctx = None
        return AuthOutcome(False, challenge(host), "fail")
    header = (("WWW-Authenticate", f"{scheme} {base64.b64encode(out_token).decode()}"),) if out_token else ()
    if not state.ctx.complete:
        return AuthOutcome(False, header)
    state.user = str(state.ctx.client_principal or "")
    state.scheme = "negotiate"
    return AuthOutcome(True, header, "ok")
