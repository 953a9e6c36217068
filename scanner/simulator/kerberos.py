"""Kerberos for the simulated hosts, as a domain member has it: the key of its service principal
``HTTP/<fqdn>`` in a keytab exported from the domain controller, and a Negotiate acceptor that takes
Kerberos with that key (and NTLM, unless the host refuses it).

The keytab directory holds one ``<fqdn>.keytab`` per host that is in the domain; a host without one
accepts NTLM only. Each host's acceptor credential holds its own keytab alone, so a ticket for
another host's principal is refused, as on Windows.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from scanner.errors import SimulatorError
from scanner.simulator.identity import NtlmNames
from scanner.simulator.profiles import SimHost


def keytab_path(directory: Path, fqdn: str) -> Path:
    return Path(directory) / f"{fqdn.lower()}.keytab"


def acceptor_credentials(hosts: Iterable[SimHost], directory: Path | None) -> dict[str, Any]:
    """Host name -> the gssapi acceptor credential of the hosts that have a keytab in ``directory``."""
    if directory is None:
        return {}
    directory = Path(directory)
    if not directory.is_dir():
        raise SimulatorError(f"keytab directory {directory}: no such directory")
    try:
        import gssapi
        from gssapi.raw.misc import GSSError
    except ImportError:
        raise SimulatorError("Kerberos hosts need the optional 'kerberos' extra: pip install 'exready[kerberos]'") \
            from None
    out: dict[str, Any] = {}
    for h in hosts:
        path = keytab_path(directory, h.fqdn)
        if not path.is_file():
            continue
        try:
            out[h.name] = gssapi.Credentials(usage="accept", store={"keytab": f"FILE:{path}"})
        except GSSError as exc:
            raise SimulatorError(f"{h.name}: cannot read the keytab {path}: {exc.gen_message()}") from None
    return out


def negotiate_acceptor(kerberos: Any, ntlm: NtlmNames | None, channel_bindings: Any, first_token: bytes) -> Any:
    """A SPNEGO acceptor for the mechanisms the client's first token offers that this host takes:
    Kerberos with the host's own credential (when it has one), NTLM (unless refused: ``ntlm`` None;
    else the names its CHALLENGE gives); in the client's order of preference. None offered that the
    host takes: ValueError (the listener answers 401).

    pyspnego's ``spnego.server(protocol="negotiate")`` would read the process-wide default keytab; its
    NegotiateProxy takes the contexts to offer instead (private keywords of the pinned version: the
    contexts and the GSSAPI credential), and then chooses the first of them, so they are given in the
    client's order, limited to the ones it offered."""
    from spnego._context import GSSMech
    from spnego._gss import GSSAPIProxy
    from spnego._negotiate import NegotiateProxy

    from scanner.simulator.ntlm import HostNtlmAcceptor

    offered = _offered(first_token)
    contexts: dict[Any, Any] = {}
    for mech in offered:
        if mech is GSSMech.kerberos and kerberos is not None:
            contexts[mech] = GSSAPIProxy(usage="accept", protocol="kerberos", channel_bindings=channel_bindings,
                                         _gssapi_credential=kerberos)
        elif mech is GSSMech.ntlm and ntlm is not None:
            contexts[mech] = HostNtlmAcceptor(ntlm, channel_bindings)
    if not contexts:
        raise ValueError("no mechanism offered that this host accepts")
    for ctx in contexts.values():
        ctx._is_wrapped = True  # as NegotiateProxy marks the contexts it builds itself
    return NegotiateProxy(usage="accept", protocol="negotiate", channel_bindings=channel_bindings,
                          _negotiate_contexts=contexts)


@functools.lru_cache(maxsize=32)
def _offered(first_token: bytes) -> tuple[Any, ...]:
    """The mechanisms a client's first token offers, in its order. A client sends the same first
    NegTokenInit on every connection (an NTLM NEGOTIATE inside), so it is decoded once; a Kerberos
    first token differs each time and only passes through the small cache."""
    from spnego._context import GSSMech
    from spnego._negotiate import NegotiateProxy
    from spnego._spnego import NegTokenInit, unpack_token

    if first_token.startswith(b"NTLMSSP\x00"):
        return (GSSMech.ntlm,)
    token = unpack_token(first_token)
    if not isinstance(token, NegTokenInit):
        return (GSSMech.kerberos,)  # a raw Kerberos AP-REQ (the client asked for Kerberos alone)
    offered: list[Any] = []
    for oid in token.mech_types:
        mech = next((m for m in (GSSMech.kerberos, GSSMech.ntlm) if NegotiateProxy._is_same_mech(m, oid)), None)
        if mech is not None and mech not in offered:
            offered.append(mech)
    return tuple(offered)
