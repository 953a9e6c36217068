"""Every foreign exception a WinRM session can raise maps to one outcome kind, at one seam."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
import requests
from pypsrp.exceptions import AuthenticationError, InvalidPSRPOperation, WinRMTransportError, WSManFaultError
from spnego.exceptions import NoCredentialError
from urllib3.exceptions import NewConnectionError, ProtocolError

from scanner.errors import CollectorError, DeadlineExceeded
from scanner.model.outcome import OutcomeKind
from scanner.transport.failures import classify, outcome_kind


def _chained(outer: BaseException, inner: BaseException) -> BaseException:
    outer.__cause__ = inner
    return outer


def _xml_error() -> ET.ParseError:
    try:
        ET.fromstring("not xml")  # noqa: S314 - a constant, to get a real ParseError
    except ET.ParseError as exc:
        return exc
    raise AssertionError("unreachable")


CASES = [
    (_chained(requests.exceptions.ConnectionError("x"), ConnectionRefusedError(111, "Connection refused")),
     "connect", OutcomeKind.UNREACHABLE, "connection refused"),
    (_chained(requests.exceptions.ConnectionError("x"),
              NewConnectionError(None, "Failed to resolve: Name or service not known")),  # type: ignore[arg-type]
     "connect", OutcomeKind.UNREACHABLE, "does not resolve"),
    (requests.exceptions.ConnectTimeout("t"), "connect", OutcomeKind.UNREACHABLE, "timed out"),
    (requests.exceptions.ReadTimeout("t"), "run", OutcomeKind.TIMEOUT, "stopped answering"),
    (requests.exceptions.SSLError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"),
     "connect", OutcomeKind.TLS_ERROR, "--ca-file"),
    (requests.exceptions.SSLError("[SSL: WRONG_VERSION_NUMBER] wrong version number"),
     "connect", OutcomeKind.TLS_ERROR, "does not speak TLS"),
    (requests.exceptions.ChunkedEncodingError("IncompleteRead"), "run", OutcomeKind.REMOTE_FAULT, "cut short"),
    (_chained(requests.exceptions.ConnectionError("x"), ProtocolError("BadStatusLine('garbage')")),
     "connect", OutcomeKind.REMOTE_FAULT, "does not speak HTTP"),
    (_chained(requests.exceptions.ConnectionError("x"), ProtocolError("RemoteDisconnected")),
     "run", OutcomeKind.REMOTE_FAULT, "closed the connection"),
    (AuthenticationError("Failed to authenticate the user bob with ntlm"),
     "connect", OutcomeKind.AUTH_FAILED, "authentication failed"),
    (WSManFaultError(5, "HOST", "Access is denied.", "", None), "connect", OutcomeKind.REMOTE_FAULT, "access denied"),
    (WSManFaultError(2150859173, "HOST", "quota", "", None), "connect", OutcomeKind.REMOTE_FAULT, "shell quota"),
    (WSManFaultError(2150859174, "HOST", "quota", "", None), "connect", OutcomeKind.REMOTE_FAULT,
     "concurrent-operations quota"),
    (WinRMTransportError("http", 503, "busy"), "connect", OutcomeKind.REMOTE_FAULT, "HTTP 503"),
    (WinRMTransportError("http", 413, ""), "run", OutcomeKind.REMOTE_FAULT, "exceeded the host's MaxEnvelopeSize"),
    (InvalidPSRPOperation("broken"), "connect", OutcomeKind.REMOTE_FAULT, "PowerShell remoting failed"),
    (_xml_error(), "run", OutcomeKind.REMOTE_FAULT, "not WS-Man XML"),
    (NoCredentialError(context_msg="no Kerberos ticket"), "connect", OutcomeKind.AUTH_FAILED, "could not start"),
    (ValueError("surprise"), "run", OutcomeKind.PROBE_ERROR, "unexpected ValueError"),
    (DeadlineExceeded("late"), "run", OutcomeKind.TIMEOUT, "late"),
    (CollectorError("bad shape"), "run", OutcomeKind.PROBE_ERROR, "bad shape"),
]


@pytest.mark.parametrize(("exc", "stage", "kind", "text"), CASES, ids=[type(c[0]).__name__ + "-" + c[3] for c in CASES])
def test_classify(exc: BaseException, stage: str, kind: OutcomeKind, text: str) -> None:
    err = classify(exc, stage)
    assert outcome_kind(err) is kind
    assert text in str(err)
    assert "\n" not in str(err)


def test_auth_failure_message_names_no_account() -> None:
    err = classify(AuthenticationError("Failed to authenticate the user secret-user with ntlm"), "connect")
    assert "secret-user" not in str(err)
