"""What a host's collector session gives back, and how its failures are told, shared by both ways of
holding the session: pypsrp's RunspacePool (``scanner.transport.winrm``) and the lean asyncio
conversation (``scanner.transport.lean_session``). One module, so that both paths build the same
versions, the same answer and the same outcome for the same failure."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pypsrp.exceptions import AuthenticationError

from scanner.errors import AuthFailed, CollectorError, DeadlineExceeded, TransportError, UsageError
from scanner.model.host import AuthMethod, Host
from scanner.transport.failures import classify
from scanner.transport.kerberos import service_principal
from scanner.transport.names import TlsName
from scanner.transport.settings import TransportSettings
from scanner.transport.tls import CertificateNameMismatch


@dataclass(frozen=True, slots=True)
class RemoteVersions:
    """What the host said of itself when the runspace pool opened: the PSRP protocol version of its
    SESSION_CAPABILITY, and from its PSVersionTable (APPLICATION_PRIVATE_DATA) PSVersion, CLRVersion
    and PSCompatibleVersions."""

    protocol: str | None = None
    ps_version: str | None = None
    clr_version: str | None = None
    compatible: tuple[str, ...] = ()

    @property
    def powershell(self) -> str | None:
        """The host's PowerShell version. The protocol names the engine: 2.1 is Windows PowerShell 2.0's
        (WinRM 2.0), whatever else is said. PowerShell 3.0 and 4.0 give PSVersion as 2.0, their own
        version only in PSCompatibleVersions (a 2012 R2 host recorded in pypsrp's test data,
        test_psrp_run_protocol_version_2.2.yml): the highest of the two is the host's. A later protocol
        with nothing above 2.x said is left unknown rather than taken for PowerShell 2.0."""
        if self.protocol == "2.1":
            return "2.0"
        said = [v for v in (self.ps_version, *self.compatible) if v and _version_key(v) is not None]
        if not said:
            return None
        best = max(said, key=lambda v: _version_key(v) or ())
        if self.protocol is not None and best.split(".", 1)[0] in ("1", "2"):
            return None
        return best


def _version_key(text: str) -> tuple[int, ...] | None:
    try:
        return tuple(int(p) for p in text.strip().split("."))
    except ValueError:
        return None


# The script to run on a host, chosen from what its handshake said (or one script for every host).
ScriptChoice = str | Callable[[RemoteVersions], str]


@dataclass(frozen=True, slots=True)
class RawAnswer:
    """What the collector script returned, before parsing."""

    output: list[Any]
    auth_mechanism: str | None
    elapsed_s: float
    remote: RemoteVersions = RemoteVersions()


def versions_from(protocol: Any, table: Any) -> RemoteVersions:
    """RemoteVersions from the SESSION_CAPABILITY's protocol version and the PSVersionTable as
    deserialised (a dict, or anything else when the host sent none)."""
    if not isinstance(table, dict):
        table = {}
    compatible = table.get("PSCompatibleVersions")
    return RemoteVersions(
        protocol=_text(protocol),
        ps_version=_text(table.get("PSVersion")),
        clr_version=_text(table.get("CLRVersion")),
        compatible=tuple(t for t in map(_text, compatible) if t) if isinstance(compatible, list) else (),
    )


def _text(value: Any) -> str | None:
    # pypsrp gives a Version as its text; anything else (absent, or an odd type) says nothing
    return (value.strip() or None) if isinstance(value, str) else None


# What Windows PowerShell answers when the session's language mode is not FullLanguage (a JEA endpoint
# runs NoLanguage or ConstrainedLanguage; AppLocker/WDAC lockdown forces ConstrainedLanguage):
# https://learn.microsoft.com/en-us/powershell/module/microsoft.powershell.core/about/about_language_modes
_LANGUAGE_MODE_MARKERS = ("in this language mode", "no-language mode", "not supported by this runspace",
                          "only core types are supported")


def explain_script_failure(detail: str, configuration_name: str) -> str:
    """The outcome's reason for a failed collector run; a language-mode refusal is named as the cause."""
    if any(m in detail.lower() for m in _LANGUAGE_MODE_MARKERS):
        return (f"the session configuration {configuration_name} runs PowerShell in a restricted language "
                "mode (ConstrainedLanguage or NoLanguage, e.g. a JEA endpoint or a locked-down host); the "
                "read-only collector needs FullLanguage: use an endpoint that grants it (--configuration-name) "
                f"or scan from an account it allows ({detail})")
    return f"the collector script failed on the host: {detail}"


def first_error_line(texts: list[str]) -> str:
    """The first non-empty error text, on one line and at most 200 characters."""
    for text in texts:
        text = text.strip()
        if text:
            return " ".join(text.split())[:200]
    return "the pipeline failed with no error record"


def endpoint_port(host: Host, settings: TransportSettings) -> int | None:
    """The port a session connects to, for the error messages; None when the settings refuse it."""
    try:
        return settings.endpoint(host)[2]
    except UsageError:
        return None


def basic_with_domain_account(host: Host, settings: TransportSettings) -> bool:
    # ConnectionOptions.UserName: a local account with Basic, a domain account with Negotiate or
    # Kerberos (https://learn.microsoft.com/en-us/windows/win32/winrm/connectionoptions-username)
    _, auth, _ = settings.endpoint(host)
    user = settings.credentials.username or ""
    if auth is not AuthMethod.BASIC:
        return False
    if "@" in user:
        return True
    prefix, sep, _ = user.partition("\\")
    return bool(sep) and prefix not in (".", "") and prefix.casefold() != host.name.casefold()


def session_failure(exc: Exception, *, stage: str, host: Host, settings: TransportSettings, aborted: bool,
                    tls_name: TlsName | None) -> TransportError | CollectorError:
    """The one mapping of a session's foreign exception to our error tree, for both session kinds."""
    if aborted:
        return DeadlineExceeded(f"no complete answer within the {settings.deadline:g} s deadline "
                                f"(during {stage})")
    if isinstance(exc, AuthenticationError) and basic_with_domain_account(host, settings):
        return AuthFailed(
            f"authentication failed (during {stage}): Windows takes Basic for local accounts "
            "only, and this user name is a domain account's (DOMAIN\\user or user@domain); use "
            "a local account (name or .\\name), or Negotiate/Kerberos")
    if isinstance(exc, CertificateNameMismatch) and tls_name is not None:
        exc.source = tls_name.source  # where the expected name came from, for the message
    return classify(exc, stage, endpoint_port(host, settings), service_principal(host))
