"""The one seam where every foreign exception of a WinRM session becomes an outcome kind.

pypsrp raises its own WinRMError tree; our HTTP layer (scanner.transport.http) raises the socket's
OSError and ssl.SSLError family and its own HttpFailure family; requests, under CredSSP, raises its
RequestException tree (SSLError is a ConnectionError, so it is tested first; every one of them is
also an OSError, so they come before the socket errors); a reply that is not XML raises xml.etree's
ParseError, which fits no tree; pyspnego raises SpnegoError for local Kerberos/NTLM problems.
"""

from __future__ import annotations

import errno
import socket
import ssl
import xml.etree.ElementTree as ET

import requests
from pypsrp.exceptions import (
    AuthenticationError,
    InvalidPSRPOperation,
    WinRMError,
    WinRMTransportError,
    WSManFaultError,
)
from spnego.exceptions import SpnegoError

from scanner.errors import (
    AuthFailed,
    CollectorError,
    DeadlineExceeded,
    RemoteFault,
    TlsError,
    TransportError,
    Unreachable,
)
from scanner.model.outcome import OutcomeKind
from scanner.transport.http import ConnectTimedOut
from scanner.transport.http_reply import (
    ConnectionClosed,
    HttpFailure,
    MalformedReply,
    NotHttp,
    ReplyCutShort,
    ReplyTooLarge,
)
from scanner.transport.tls import CertificateNameMismatch

# WS-Man fault codes a Windows host returns, with what to tell the user.
_WSMAN_FAULTS: dict[int, str] = {
    5: "access denied: the account may not open a PowerShell session here "
       "(it needs local Administrators or Remote Management Users)",
    2150859173: "the host refused a new shell: its per-user shell quota (MaxShellsPerUser) is used up",
    2150859174: "the host refused the request: its concurrent-operations quota is used up",
    2150858843: "the shell was lost (invalid selectors): the host dropped the session",
    2150858793: "the operation timed out on the host",
}


def classify(exc: BaseException, stage: str, port: int | None = None) -> TransportError | CollectorError:
    """Map ``exc``, raised during ``stage`` (connect, open, run, close), to our error tree. ``port``: the
    port connected to, named when it refused the connection."""
    on_port = f"on port {port}" if port is not None else "on this port"
    if isinstance(exc, (TransportError, CollectorError)):
        return exc
    where = f" (during {stage})"
    if isinstance(exc, requests.exceptions.SSLError):
        return TlsError(f"TLS failed{where}: {_ssl_reason(exc)}")
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return Unreachable(f"connection timed out{where}")
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return DeadlineExceeded(f"the host stopped answering{where}: read timed out")
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return RemoteFault(f"the reply was cut short{where}")
    if isinstance(exc, requests.exceptions.ConnectionError):
        text = _root_text(exc)
        lowered = text.lower()
        if "refused" in lowered:
            return Unreachable(f"connection refused{where}: is WinRM listening {on_port}?")
        if "name or service not known" in lowered or "getaddrinfo" in lowered or "nodename nor servname" in lowered:
            return Unreachable(f"the name does not resolve{where}")
        if "no route" in lowered or "unreachable" in lowered:
            return Unreachable(f"no route to the host{where}")
        if "BadStatusLine" in text:
            return RemoteFault(f"the port does not speak HTTP{where}: is this a WinRM listener?")
        if stage == "connect":
            return Unreachable(f"connection failed{where}: {_short(text)}")
        return RemoteFault(f"the host closed the connection{where}: {_short(text)}")
    if isinstance(exc, requests.exceptions.RequestException):
        return RemoteFault(f"HTTP error{where}: {_short(_root_text(exc))}")
    own = _socket_or_http(exc, stage, where, on_port)
    if own is not None:
        return own
    if isinstance(exc, AuthenticationError):
        return AuthFailed(f"authentication failed{where}: wrong user name or password, or the host "
                          "does not offer this authentication method")
    if isinstance(exc, WSManFaultError):
        code = exc.code if isinstance(exc.code, int) else -1
        meaning = _WSMAN_FAULTS.get(code, _short(str(exc.reason or "")))
        return RemoteFault(f"WS-Man fault {code}{where}: {meaning}")
    if isinstance(exc, WinRMTransportError):
        if exc.code == 413:
            # Windows' own client names this ERROR_WSMAN_HTTP_REQUEST_TOO_LARGE_STATUS (0x80338111)
            return RemoteFault(f"HTTP 413{where}: the request exceeded the host's MaxEnvelopeSize "
                               "(MaxEnvelopeSizekb, 150 KB by default on WinRM 2.0)")
        return RemoteFault(f"HTTP {exc.code}{where}: the WinRM service answered with an error")
    if isinstance(exc, InvalidPSRPOperation):
        return RemoteFault(f"PowerShell remoting failed{where}: {_short(str(exc))}")
    if isinstance(exc, WinRMError):
        return RemoteFault(f"WinRM error{where}: {_short(str(exc))}")
    if isinstance(exc, ET.ParseError):
        return RemoteFault(f"the host's reply is not WS-Man XML{where}")
    if isinstance(exc, SpnegoError):
        return AuthFailed(f"authentication could not start{where}: {_short(str(exc))}")
    if isinstance(exc, OSError):
        return Unreachable(f"network error{where}: {_short(str(exc))}")
    return CollectorError(f"unexpected {type(exc).__name__}{where}: {_short(str(exc))}")


def _socket_or_http(exc: BaseException, stage: str, where: str, on_port: str) -> TransportError | None:
    """Our HTTP layer's failures: the socket's own errors, TLS's, and a peer that breaks HTTP."""
    if isinstance(exc, CertificateNameMismatch):
        return TlsError(f"TLS failed{where}: {exc.explain()}")
    if isinstance(exc, ssl.SSLError):  # SSLCertVerificationError included
        return TlsError(f"TLS failed{where}: {_ssl_reason(exc)}")
    if isinstance(exc, ConnectTimedOut):
        return Unreachable(f"connection timed out{where}")
    if isinstance(exc, TimeoutError):
        return DeadlineExceeded(f"the host stopped answering{where}: read timed out")
    if isinstance(exc, ConnectionRefusedError):
        return Unreachable(f"connection refused{where}: is WinRM listening {on_port}?")
    if isinstance(exc, socket.gaierror):
        return Unreachable(f"the name does not resolve{where}")
    if isinstance(exc, ReplyCutShort):
        return RemoteFault(f"the reply was cut short{where}: {_short(str(exc))}")
    if isinstance(exc, ReplyTooLarge):
        return RemoteFault(f"the host's reply is too large{where}: {_short(str(exc))}")
    if isinstance(exc, MalformedReply):
        return RemoteFault(f"the host's HTTP reply is malformed{where}: {_short(str(exc))}")
    if isinstance(exc, NotHttp):
        return RemoteFault(f"the port does not speak HTTP{where}: is this a WinRM listener?")
    if isinstance(exc, ConnectionClosed | ConnectionError):
        if stage == "connect" and not isinstance(exc, ConnectionClosed):
            return Unreachable(f"connection failed{where}: {_short(str(exc))}")
        return RemoteFault(f"the host closed the connection{where}")
    if isinstance(exc, HttpFailure):
        return RemoteFault(f"HTTP error{where}: {_short(str(exc))}")
    if isinstance(exc, OSError) and exc.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
        return Unreachable(f"no route to the host{where}")
    return None


def outcome_kind(err: TransportError | CollectorError) -> OutcomeKind:
    if isinstance(err, Unreachable):
        return OutcomeKind.UNREACHABLE
    if isinstance(err, AuthFailed):
        return OutcomeKind.AUTH_FAILED
    if isinstance(err, DeadlineExceeded):
        return OutcomeKind.TIMEOUT
    if isinstance(err, TlsError):
        return OutcomeKind.TLS_ERROR
    if isinstance(err, RemoteFault):
        return OutcomeKind.REMOTE_FAULT
    return OutcomeKind.PROBE_ERROR


def _root_text(exc: BaseException) -> str:
    parts = [str(exc)]
    cause = exc.__cause__ or exc.__context__
    depth = 0
    while cause is not None and depth < 5:
        parts.append(f"{type(cause).__name__}: {cause}")
        cause = cause.__cause__ or cause.__context__
        depth += 1
    return " | ".join(parts)


def _ssl_reason(exc: BaseException) -> str:
    text = _root_text(exc)
    for marker, meaning in (  # the name checks first: a mismatch is also a CERTIFICATE_VERIFY_FAILED
        ("doesn't match", "the certificate's name does not match the host"),
        ("Hostname mismatch", "the certificate's name does not match the host"),
        ("IP address mismatch", "the certificate's name does not match the host"),
        ("CERTIFICATE_VERIFY_FAILED", "the certificate is not trusted (give the CA with --ca-file)"),
        ("WRONG_VERSION_NUMBER", "the port does not speak TLS (is it the HTTP listener? try --scheme http)"),
    ):
        if marker in text:
            return meaning
    return _short(text)


def _short(text: str, limit: int = 160) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
