"""One TLS context for every HTTPS host of a sweep.

Stock requests/urllib3 builds a new ``SSLContext`` for each connection and loads the CA bundle into
it: about 22 ms of CPU per host, more than the rest of the session. The context only depends on
the sweep's verification settings, so it is built once (the bundle loaded once: --ca-file, else the
one requests would use) and handed to every session's connection pool. Hostname checking and
certificate verification stay exactly as urllib3 sets them up.
"""

from __future__ import annotations

import os
import ssl
from typing import Any

import requests
from requests.utils import DEFAULT_CA_BUNDLE_PATH
from urllib3.util.ssl_ import create_urllib3_context

from scanner.errors import UsageError
from scanner.transport.settings import TransportSettings


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
