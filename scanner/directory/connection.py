"""A read-only, bound LDAP connection to one domain controller, and the one seam where ldap3's
exceptions and LDAP result codes become scanner.errors.Directory* errors with one line saying what
to do.

ldap3 is used with ``get_info=NONE``: with a schema loaded it checks attribute names client side and
raises for msExch* attributes on a DC without the Exchange schema, even with ``check_names=False``.
Which optional attributes exist is read from the schema partition instead (``present_attributes``).
"""

from __future__ import annotations

import math
import re
import ssl
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import ldap3
from ldap3.core import exceptions as lx

from scanner.credentials import explain_kerberos
from scanner.directory.sasl_gssapi import SealedConnection
from scanner.directory.settings import AD_PASSWORD_ENV, AdAuth, BindSettings, LdapSecurity
from scanner.errors import (
    DirectoryAuthError,
    DirectoryError,
    DirectoryQueryError,
    DirectoryUnreachable,
    UsageError,
)

PAGED_RESULTS_OID = "1.2.840.113556.1.4.319"

# "data XXX" in an AD invalidCredentials message (the Win32 error of the failed logon).
_AD_LOGON_DATA = re.compile(r"data ([0-9a-f]{3,8})", re.IGNORECASE)
_LOGON_FAILURES = {
    "52e": "invalid credentials for {user}: check --ad-user and the password in {env}",
    "525": "no such user {user} in the directory: check --ad-user (UPN or DOMAIN\\name)",
    "530": "{user} is not allowed to log on at this time of day",
    "531": "{user} is not allowed to log on from this computer (logon workstations restriction)",
    "532": "the password of {user} has expired: change it, then run again",
    "533": "the account {user} is disabled: enable it or use another account",
    "701": "the account {user} has expired: extend it or use another account",
    "773": "{user} must change the password at next logon: change it, then run again",
    "775": "the account {user} is locked out: wait for the lockout to end or ask an admin to unlock it "
    "(exready makes one bind attempt per run)",
}
CHANNEL_BINDING_CODE = "80090346"
_VERIFY_REASON = re.compile(r"certificate verify failed:\s*([^(\]]+)", re.IGNORECASE)

Entry = tuple[str, dict[str, list[bytes]]]  # (dn, raw attribute values)


class Deadline:
    """A wall-clock bound on a whole discovery (bind, searches, DNS)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._end = time.monotonic() + seconds

    def remaining(self) -> float:
        return self._end - time.monotonic()

    def check(self, doing: str) -> None:
        if self.remaining() <= 0:
            raise DirectoryQueryError(
                f"Active Directory discovery did not finish within {self.seconds:g} s (stopped while "
                f"{doing}): "
                "narrow it with --base/--ou or raise --ad-deadline"
            )


@dataclass(frozen=True, slots=True)
class RootDse:
    default_nc: str
    config_nc: str
    schema_nc: str
    root_domain_nc: str
    dns_host_name: str | None = None
    forest_functionality: int | None = None
    domain_functionality: int | None = None


@dataclass(slots=True)
class DirectoryConnection:
    """A bound ldap3 connection plus what the rootDSE says. Not thread-safe; one per discovery."""

    conn: Any  # ldap3.Connection (untyped library)
    settings: BindSettings = field(repr=False)
    root: RootDse
    deadline: Deadline | None = None
    _schema_attrs: dict[str, bool] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.settings.endpoint.url

    def close(self) -> None:
        try:
            self.conn.unbind()
        except (lx.LDAPException, OSError):
            pass  # closing a broken connection: nothing to tell the user

    def __enter__(self) -> DirectoryConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- reads --------------------------------------------------------------------------------

    def read(self, dn: str, attributes: Sequence[str]) -> dict[str, list[bytes]] | None:
        """One object by DN, or None when it does not exist."""
        found = self._search(dn, "(objectClass=*)", ldap3.BASE, attributes, missing_ok=True)
        return found[0][1] if found else None

    def search(
        self,
        base: str,
        flt: str,
        attributes: Sequence[str],
        *,
        one_level: bool = False,
        missing_ok: bool = False,
        controls: Sequence[Any] | None = None,
    ) -> list[Entry]:
        """A small unpaged search (configuration objects: far below AD's page cap). ``controls``: LDAP
        controls in ldap3's form, e.g. the security descriptor flags control to read a DACL."""
        return self._search(
            base, flt, ldap3.LEVEL if one_level else ldap3.SUBTREE, attributes, missing_ok=missing_ok,
            controls=controls,
        )

    def paged(
        self, base: str, flt: str, attributes: Sequence[str], *, page_size: int, one_level: bool = False
    ) -> Iterator[Entry]:
        """Stream a paged search, page by page; an error on any page (DC gone, timeout, a referral)
        raises a DirectoryError at that point, after the entries already yielded."""
        scope = ldap3.LEVEL if one_level else ldap3.SUBTREE
        cookie: bytes | None = None
        while True:
            self._before_request(f"searching {base}")
            with directory_errors(self.settings, f"searching {base}"):
                self.conn.search(
                    base, flt, scope, attributes=list(attributes), paged_size=page_size, paged_cookie=cookie
                )
            raise_for_result(self.conn.result, self.settings, f"searching {base}")
            yield from _entries(self.conn.response)
            controls = self.conn.result.get("controls") or {}
            cookie = controls.get(PAGED_RESULTS_OID, {}).get("value", {}).get("cookie")
            if not cookie:
                return

    def present_attributes(self, names: Sequence[str]) -> set[str]:
        """Which of these attribute lDAPDisplayNames the forest's schema defines (cached)."""
        wanted = [n for n in names if n not in self._schema_attrs]
        if wanted:
            flt = (
                "(&(objectClass=attributeSchema)(|"
                + "".join(f"(lDAPDisplayName={ldap3.utils.conv.escape_filter_chars(n)})" for n in wanted)
                + "))"
            )
            found = {
                first_str(a, "lDAPDisplayName")
                for _, a in self.search(self.root.schema_nc, flt, ["lDAPDisplayName"], one_level=True)
            }
            lowered = {f.lower() for f in found if f}
            for n in wanted:
                self._schema_attrs[n] = n.lower() in lowered
        return {n for n in names if self._schema_attrs.get(n)}

    def _search(
        self, base: str, flt: str, scope: str, attributes: Sequence[str], *, missing_ok: bool,
        controls: Sequence[Any] | None = None,
    ) -> list[Entry]:
        doing = f"reading {base}"
        self._before_request(doing)
        with directory_errors(self.settings, doing):
            self.conn.search(base, flt, scope, attributes=list(attributes),
                             controls=list(controls) if controls else None)
        if missing_ok and self.conn.result.get("result") == 32:  # noSuchObject
            return []
        raise_for_result(self.conn.result, self.settings, doing)
        return list(_entries(self.conn.response))

    def _before_request(self, doing: str) -> None:
        if self.deadline is None:
            return
        self.deadline.check(doing)
        # keep one slow answer from overrunning the deadline: shrink the socket timeout
        sock = getattr(self.conn, "socket", None)
        if sock is not None:
            sock.settimeout(max(0.1, min(self.settings.receive_timeout, self.deadline.remaining())))


def _entries(response: Any) -> Iterator[Entry]:
    for item in response or ():
        if item.get("type") == "searchResEntry":  # skip continuation references
            yield item["dn"], dict(item.get("raw_attributes") or {})


def first_str(attrs: dict[str, list[bytes]], name: str) -> str | None:
    for key, values in attrs.items():
        if key.lower() == name.lower() and values:
            raw = values[0]
            return raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else str(raw)
    return None


def all_str(attrs: dict[str, list[bytes]], name: str) -> list[str]:
    for key, values in attrs.items():
        if key.lower() == name.lower():
            return [v.decode("utf-8", errors="replace") if isinstance(v, bytes) else str(v) for v in values]
    return []


def first_int(attrs: dict[str, list[bytes]], name: str) -> int | None:
    text = first_str(attrs, name)
    if text is None:
        return None
    try:
        return int(text.strip())
    except ValueError:
        return None


# ---- binding ---------------------------------------------------------------------------------------


def _tls(settings: BindSettings) -> ldap3.Tls:
    if not settings.verify_tls:
        return ldap3.Tls(validate=ssl.CERT_NONE)
    names = [settings.tls_name] if settings.tls_name else None
    return ldap3.Tls(
        validate=ssl.CERT_REQUIRED,
        ca_certs_file=str(settings.ca_file) if settings.ca_file else None,
        valid_names=names,
    )


def _kerberos_args(settings: BindSettings) -> dict[str, Any]:
    try:
        import gssapi  # type: ignore[import-not-found,unused-ignore]  # optional extra
        from gssapi.raw.misc import GSSError  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        raise UsageError(
            "--ad-auth kerberos needs the optional 'kerberos' extra: pip install 'exready[kerberos]' "
            "(it builds the gssapi package; on Debian install libkrb5-dev first)"
        ) from None
    creds = None
    user, password = settings.credentials.username, settings.credentials.password
    if user and password is not None:
        name = gssapi.Name(user, gssapi.NameType.user)
        try:
            acquired = gssapi.raw.acquire_cred_with_password(
                name, password.reveal().encode(), usage="initiate"
            )
        except GSSError as exc:
            doing = f"getting a ticket for {user} from the password"
            raise DirectoryAuthError(
                explain_kerberos(exc, doing) or f"Kerberos could not get a ticket for {user}: {exc.gen_message()}"
            ) from None
        creds = gssapi.Credentials(acquired.creds)
    # The SPN is ldap/<the DC's name>: connect by FQDN, or give the name with --ad-tls-name when --ad
    # gives an address (a ticket names a host, never an address).
    host = settings.tls_name or settings.endpoint.host
    return {
        "authentication": ldap3.SASL,
        "sasl_mechanism": ldap3.KERBEROS,
        "sasl_credentials": (host, None, creds),
    }


def open_directory(settings: BindSettings, deadline: Deadline | None = None) -> DirectoryConnection:
    """Connect, secure (LDAPS or StartTLS unless plain was asked for), bind, read the rootDSE."""
    ep = settings.endpoint
    server = ldap3.Server(
        ep.host,
        port=ep.port,
        use_ssl=ep.security is LdapSecurity.LDAPS,
        tls=_tls(settings),
        get_info=ldap3.NONE,
        connect_timeout=_bounded(settings.connect_timeout, deadline),
    )
    # whole seconds: on POSIX ldap3 packs the receive timeout into SO_RCVTIMEO as an integer
    receive = max(1, math.ceil(_bounded(settings.receive_timeout, deadline)))
    kwargs: dict[str, Any] = {
        "receive_timeout": receive,
        "read_only": True,
        "raise_exceptions": False,
        "auto_referrals": False,
        "auto_bind": ldap3.AUTO_BIND_NONE,
    }
    user = settings.credentials.username
    secret = settings.credentials.password
    if settings.auth is AdAuth.KERBEROS:
        kwargs.update(_kerberos_args(settings))
    elif settings.auth is AdAuth.NTLM:
        kwargs.update(user=user, password=secret.reveal() if secret else None, authentication=ldap3.NTLM)
    else:
        kwargs.update(user=user, password=secret.reveal() if secret else None, authentication=ldap3.SIMPLE)
    # GSSAPI with a security layer over plain LDAP, channel bindings over TLS (sasl_gssapi)
    kind = SealedConnection if settings.auth is AdAuth.KERBEROS else ldap3.Connection
    conn = kind(server, **kwargs)
    try:
        with directory_errors(settings, "connecting"):
            conn.open()
        if ep.security is LdapSecurity.STARTTLS:
            with directory_errors(settings, "starting TLS"):
                if not conn.start_tls():
                    raise_for_result(conn.result, settings, "starting TLS")
        with directory_errors(settings, "binding"):
            bound = conn.bind()
        if not bound:
            raise_for_result(conn.result, settings, "binding", binding=True)
            raise DirectoryAuthError(f"the DC at {ep.url} refused the bind: {_server_text(conn.result)}")
    except BaseException:
        conn.password = None
        try:
            conn.unbind()
        except (lx.LDAPException, OSError):
            pass  # already failing; the first error is the one to report
        raise
    conn.password = None  # bound: ldap3 does not need it any more, and its repr would show it
    directory = DirectoryConnection(
        conn=conn, settings=settings, root=RootDse("", "", "", ""), deadline=deadline
    )
    directory.root = _read_root_dse(directory)
    return directory


def _bounded(timeout: float, deadline: Deadline | None) -> float:
    if deadline is None:
        return timeout
    return max(0.1, min(timeout, deadline.remaining()))


def _read_root_dse(directory: DirectoryConnection) -> RootDse:
    attrs = directory.read(
        "",
        [
            "defaultNamingContext",
            "configurationNamingContext",
            "schemaNamingContext",
            "rootDomainNamingContext",
            "dnsHostName",
            "forestFunctionality",
            "domainFunctionality",
        ],
    )
    if not attrs or not first_str(attrs, "configurationNamingContext"):
        # Setup's own CannotAccessAD condition: no configuration naming context.
        raise DirectoryQueryError(
            f"{directory.url} did not return a configuration naming context: is it an Active Directory DC "
            "(not a plain LDAP server or an AD LDS instance)?"
        )
    config = first_str(attrs, "configurationNamingContext") or ""
    default = first_str(attrs, "defaultNamingContext") or ""
    root = first_str(attrs, "rootDomainNamingContext") or default
    return RootDse(
        default_nc=default,
        config_nc=config,
        schema_nc=first_str(attrs, "schemaNamingContext") or f"CN=Schema,{config}",
        root_domain_nc=root,
        dns_host_name=first_str(attrs, "dnsHostName"),
        forest_functionality=first_int(attrs, "forestFunctionality"),
        domain_functionality=first_int(attrs, "domainFunctionality"),
    )


# ---- the seam: ldap3 exceptions and result codes -> Directory* errors -------------------------------


@contextmanager
def directory_errors(settings: BindSettings, doing: str) -> Iterator[None]:
    """Map any ldap3 exception (or socket error) raised inside onto a DirectoryError."""
    url = settings.endpoint.url
    try:
        yield
    except DirectoryError:
        raise
    except lx.LDAPPackageUnavailableError as exc:
        raise DirectoryError(f"{doing} at {url} needs a Python package that is missing: {exc}") from exc
    except lx.LDAPStartTLSError as exc:
        raise _tls_or_unreachable(settings, str(exc), "StartTLS failed") from exc
    except lx.LDAPSocketOpenError as exc:
        raise _tls_or_unreachable(settings, str(exc), "cannot connect") from exc
    except lx.LDAPSessionTerminatedByServerError as exc:
        if doing == "binding" and settings.auth is AdAuth.NTLM:
            raise DirectoryAuthError(
                f"the DC at {url} dropped the connection during the NTLM bind (it does not offer Microsoft's "
                "NTLM bind; Samba DCs never do): use --ad-auth simple over ldaps:// or --ad-auth kerberos"
            ) from exc
        raise DirectoryUnreachable(
            f"the DC at {url} closed the connection while {doing}: try again, "
            "or check the DC's LDAP policy and logs"
        ) from exc
    except (lx.LDAPSocketReceiveError, lx.LDAPResponseTimeoutError) as exc:
        raise DirectoryUnreachable(
            f"the DC at {url} did not answer in time while {doing} ({_plain(exc)}): check the DC's load and "
            "the network, or raise --ad-timeout"
        ) from exc
    except lx.LDAPCommunicationError as exc:
        raise DirectoryUnreachable(f"lost the connection to {url} while {doing}: {_plain(exc)}") from exc
    except lx.LDAPOperationResult as exc:
        raise_for_result(
            {"result": exc.result, "description": exc.description, "message": exc.message},
            settings,
            doing,
            binding=doing == "binding",
        )
        raise  # unreachable: raise_for_result always raises for a non-zero result
    except lx.LDAPException as exc:
        raise DirectoryQueryError(f"LDAP error at {url} while {doing}: {_plain(exc)}") from exc
    except TimeoutError as exc:
        raise DirectoryUnreachable(
            f"the DC at {url} did not answer in time while {doing}: raise --ad-timeout or check the network"
        ) from exc
    except OSError as exc:
        raise DirectoryUnreachable(
            f"network error talking to {url} while {doing}: {exc.strerror or exc}"
        ) from exc
    except Exception as exc:
        # python-gssapi's GSSError tree (the kerberos extra) for the GSSAPI bind: one line per failure
        if type(exc).__module__.startswith("gssapi"):
            spn = f"ldap/{settings.tls_name or settings.endpoint.host}"
            line = explain_kerberos(exc, f"{doing} at {url}", spn)
            raise DirectoryAuthError(line or f"Kerberos failed while {doing} at {url}: {_plain(exc)}") from exc
        raise


def _tls_or_unreachable(settings: BindSettings, text: str, what: str) -> DirectoryError:
    url = settings.endpoint.url
    lowered = text.lower()
    lab_only = "(or, on a lab only, --ad-insecure-skip-tls-verify)"
    if "doesn't match" in lowered:
        # ldap3's text carries the whole certificate; the names are what matters
        expected = settings.tls_name or settings.endpoint.host
        return DirectoryError(
            f"the TLS certificate of {url} could not be verified: it does not name {expected}; connect by "
            f"the name in the DC's certificate (its FQDN) or give that name with --ad-tls-name {lab_only}"
        )
    if "certificate" in lowered or ("ssl" in lowered and "verify" in lowered):
        m = _VERIFY_REASON.search(text)
        reason = m.group(1).strip() if m else _short(text)
        return DirectoryError(
            f"the TLS certificate of {url} could not be verified ({reason}): give the CA that issued the DC's "
            f"certificate with --ad-ca-file {lab_only}"
        )
    port_hint = "636 for ldaps://" if settings.endpoint.security is LdapSecurity.LDAPS else "389 for ldap://"
    return DirectoryUnreachable(
        f"{what} to the DC at {url} ({_short(text)}): check the name, the port ({port_hint}) and the firewall"
    )


def raise_for_result(
    result: dict[str, Any], settings: BindSettings, doing: str, *, binding: bool = False
) -> None:
    """Raise the DirectoryError for a failed LDAP result; return when it succeeded."""
    code = result.get("result")
    if code in (0, None):
        return
    url = settings.endpoint.url
    user = settings.credentials.username or "the current Kerberos user"
    text = _server_text(result)
    if CHANNEL_BINDING_CODE in text:
        raise DirectoryAuthError(
            f"the DC at {url} requires LDAP channel binding ({CHANNEL_BINDING_CODE}), which this bind cannot "
            "provide: use --ad-auth simple over ldaps://, or --ad-auth kerberos over ldaps://"
        )
    if code == 49:  # invalidCredentials
        m = _AD_LOGON_DATA.search(text)
        known = _LOGON_FAILURES.get(m.group(1).lower()) if m else None
        if known:
            raise DirectoryAuthError(known.format(user=user, env=AD_PASSWORD_ENV))
        raise DirectoryAuthError(
            f"the DC at {url} rejected the credentials of {user} ({text}): check --ad-user and the password"
        )
    if code in (8, 13):  # strongerAuthRequired, confidentialityRequired
        raise DirectoryAuthError(
            f"the DC at {url} refuses this bind without TLS or signing ({text}): use "
            "ldaps:// (the default) or --starttls"
        )
    if code == 7 and binding:  # authMethodNotSupported
        raise DirectoryAuthError(f"the DC at {url} does not support --ad-auth {settings.auth} ({text})")
    if code == 1 and "bind" in text.lower():  # operationsError: "a successful bind must be completed"
        raise DirectoryAuthError(
            f"the DC at {url} requires an authenticated bind while {doing}: give --ad-user"
        )
    if code == 50:  # insufficientAccessRights
        raise DirectoryAuthError(
            f"{user} may not read what exready needs while {doing} ({text}): use an "
            "account that can read the directory"
        )
    if code == 32:  # noSuchObject
        raise DirectoryQueryError(f"{doing}: no such object in the directory at {url}: check the DN")
    if code == 10:  # referral
        raise DirectoryQueryError(
            f"the DC at {url} referred the request elsewhere while {doing}: point --ad at "
            "a DC of the domain that holds it"
        )
    if code in (51, 52):  # busy, unavailable
        raise DirectoryUnreachable(f"the DC at {url} is busy or unavailable while {doing}: try another DC")
    if code in (3, 4, 11):  # time limit, size limit, admin limit
        raise DirectoryQueryError(
            f"the DC at {url} stopped the search while {doing} ({text}): narrow it with --base/--ou"
        )
    if binding:
        raise DirectoryAuthError(f"the DC at {url} refused the bind ({text})")
    raise DirectoryQueryError(f"LDAP error at {url} while {doing}: {text}")


def _server_text(result: dict[str, Any]) -> str:
    description = str(result.get("description") or f"result {result.get('result')}")
    message = str(result.get("message") or "").strip().rstrip("\x00")
    return f"{description}: {message}" if message else description


def _plain(exc: BaseException) -> str:
    return _short(str(exc) or type(exc).__name__)


def _short(text: str, limit: int = 160) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
