"""One TLS context for every HTTPS host of a sweep.

Stock requests/urllib3 builds a new ``SSLContext`` for each connection and loads the CA bundle into
it: about 22 ms of CPU per host, more than the rest of the session. The context only depends on
the sweep's verification settings, so it is built once (the bundle loaded once: --ca-file, else the
one requests would use) and handed to every session's connection pool. Hostname checking and
certificate verification stay exactly as urllib3 sets them up.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import ssl
from typing import Any

import requests
from cryptography import x509
from cryptography.x509.oid import NameOID
from requests.utils import DEFAULT_CA_BUNDLE_PATH
from urllib3.util.ssl_ import create_urllib3_context

from scanner.errors import UsageError
from scanner.transport.settings import TransportSettings
from scanner.transport.sockets import SocketWatch

# OpenSSL's X509_V_ERR_HOSTNAME_MISMATCH and X509_V_ERR_IP_ADDRESS_MISMATCH: the chain is trusted, the
# name is not the one asked for
_NAME_MISMATCH_CODES = frozenset({62, 64})
_MAX_NAMES_SHOWN = 6


def sweep_tls_context(settings: TransportSettings) -> ssl.SSLContext:
    """The context for every HTTPS connection of a sweep with ``settings``."""
    if not settings.verify_tls:
        ctx = create_urllib3_context(cert_reqs=ssl.CERT_NONE)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return ctx
    ctx = create_urllib3_context(cert_reqs=ssl.CERT_REQUIRED)
    bundle = str(settings.ca_file) if settings.ca_file is not None else default_bundle()
    try:
        if os.path.isdir(bundle):
            ctx.load_verify_locations(capath=bundle)
        else:
            ctx.load_verify_locations(cafile=bundle)
    except (OSError, ssl.SSLError) as exc:
        raise UsageError(f"CA bundle {bundle}: not a readable PEM file or directory ({exc})") from None
    return ctx


def default_bundle() -> str:
    """The CA bundle stock pypsrp/requests verify against without --ca-file: REQUESTS_CA_BUNDLE or
    CURL_CA_BUNDLE from the environment, else requests' own (certifi's)."""
    return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or DEFAULT_CA_BUNDLE_PATH


def use_tls_context(session: requests.Session, ctx: ssl.SSLContext) -> None:
    """Make ``session``'s HTTPS pools use ``ctx``. The CA is already in it, so requests must not pass a
    bundle path (urllib3 would load it into the shared context on every connection): verification
    becomes a plain "required", or "none" for a context that does not verify."""
    adapter: Any = session.get_adapter("https://")
    adapter.poolmanager.connection_pool_kw["ssl_context"] = ctx
    adapter.cert_verify = _cert_verify_shared
    session.verify = ctx.verify_mode != ssl.CERT_NONE


def _cert_verify_shared(conn: Any, url: str, verify: Any, cert: Any) -> None:
    """requests' ``HTTPAdapter.cert_verify`` for connections whose context already holds the CA: it
    sets the same verification mode but no bundle path (requests names certifi's bundle even for
    ``verify=True``, and urllib3 would load it into the shared context on every connection)."""
    conn.cert_reqs = "CERT_REQUIRED" if url.lower().startswith("https") and verify else "CERT_NONE"
    conn.ca_certs = None
    conn.ca_cert_dir = None
    if cert:  # a client certificate, as requests passes it
        if isinstance(cert, tuple):
            conn.cert_file, conn.key_file = cert[0], cert[1]
        else:
            conn.cert_file, conn.key_file = cert, None


class CertificateNameMismatch(ssl.SSLCertVerificationError):
    """A trusted certificate that names another host than ``expected``. ``carried``: the names it holds
    (DNS names and addresses, else its CN), None when they could not be read."""

    def __init__(self, expected: str, carried: tuple[str, ...] | None, source: str = "the name checked") -> None:
        super().__init__(1, f"certificate verify failed: the certificate is not valid for {expected!r}")
        self.verify_code = 62
        self.expected = expected
        self.carried = carried
        self.source = source

    def explain(self) -> str:
        """One line: what was checked, what the certificate names, and how to name the right one."""
        if self.carried:
            shown = ", ".join(self.carried[:_MAX_NAMES_SHOWN])
            more = len(self.carried) - _MAX_NAMES_SHOWN
            names = f"names {shown}" + (f" and {more} more" if more > 0 else "")
        else:
            names = "names another host"
        return (f"the certificate {names}, not {self.expected} ({self.source}); give the name it carries with "
                "--tls-name or the inventory's tls_name column")


def explain_name_mismatch(exc: ssl.SSLCertVerificationError, *, expected: str, host: str, port: int,
                          timeout: float, watch: SocketWatch) -> ssl.SSLCertVerificationError:
    """``exc`` itself, or for a name mismatch a ``CertificateNameMismatch`` that says which names the
    certificate carries. OpenSSL ends the handshake at the mismatch without showing the certificate, so it
    is read again on a second, unverified handshake that sends the same SNI and nothing else."""
    if exc.verify_code not in _NAME_MISMATCH_CODES:
        return exc
    return CertificateNameMismatch(expected, certificate_names(host, port, expected, timeout, watch))


def certificate_names(host: str, port: int, server_name: str, timeout: float,
                      watch: SocketWatch) -> tuple[str, ...] | None:
    """The DNS names and addresses the certificate of ``host:port`` carries (its CN when it has no
    subjectAltName), or None when it cannot be read. The handshake checks nothing: what it returns only
    goes into a message."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except OSError:
        return None
    watch.add(sock)
    try:
        sni = None if _is_address(server_name) else server_name
        with ctx.wrap_socket(sock, server_hostname=sni, do_handshake_on_connect=False) as tls:
            watch.add(tls)
            tls.do_handshake()
            der = tls.getpeercert(binary_form=True)
    except (OSError, ValueError):
        return None
    finally:
        sock.close()
    return _names_of(der) if der else None


def _names_of(der: bytes) -> tuple[str, ...] | None:
    try:
        cert = x509.load_der_x509_certificate(der)
        try:
            san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        except x509.ExtensionNotFound:
            san = None
        names = [] if san is None else [
            *san.get_values_for_type(x509.DNSName),
            *(str(a) for a in san.get_values_for_type(x509.IPAddress)),
        ]
        if not names:
            names = [str(a.value) for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    except Exception:  # noqa: BLE001 - the peer's bytes (ValueError, DuplicateExtension, InvalidVersion...):
        return None  # a certificate that does not parse only costs the names in a message
    # printable and short: the names come from the peer
    clean = [" ".join(n.split())[:100] for n in names if n and n.isprintable()]
    return tuple(dict.fromkeys(clean)) or None


def _is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True
