"""One TLS context for every HTTPS host of a sweep.

Stock requests/urllib3 builds a new ``SSLContext`` for each connection and loads the CA store into
it: about 22 ms of CPU per host, more than the rest of the session. The context only depends on
the sweep's verification settings, so it is built once (the CA bundle, or the system store, loaded
once) and handed to every session's connection pool. Hostname checking and certificate
verification stay exactly as urllib3 sets them up.
"""

from __future__ import annotations

import ssl
from typing import Any

import requests
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
    if settings.ca_file is not None:
        try:
            ctx.load_verify_locations(cafile=str(settings.ca_file))
        except (OSError, ssl.SSLError) as exc:
            raise UsageError(f"--ca-file {settings.ca_file}: not a readable PEM CA bundle ({exc})") from None
    else:
        ctx.load_default_certs()
    return ctx


def use_tls_context(session: requests.Session, ctx: ssl.SSLContext) -> None:
    """Make ``session``'s HTTPS pools use ``ctx``. The CA is already in it, so requests must not pass a
    bundle path (urllib3 would load it into the shared context on every connection): verification
    becomes a plain "required", or "none" for a context that does not verify."""
    adapter: Any = session.get_adapter("https://")
    adapter.poolmanager.connection_pool_kw["ssl_context"] = ctx
    session.verify = ctx.verify_mode != ssl.CERT_NONE
