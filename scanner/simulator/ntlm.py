"""The NTLM acceptor of one simulated host: pyspnego's own, whose CHALLENGE names the host as Windows
does (scanner.simulator.identity.NtlmNames) instead of the simulator's machine ("WORKSTATION", the
local host name and pyspnego's own version).

pyspnego (pinned 0.12.4) builds the CHALLENGE in ``NTLMProxy._step_accept_negotiate`` and keeps it in
``_temp_challenge``, from which the AUTHENTICATE's MIC is checked. The subclass lets it negotiate the
flags and draw the server challenge, then rebuilds the message from the same flags, server challenge and
timestamp with the host's names, with pyspnego's message classes, and keeps that one for the MIC.
"""

from __future__ import annotations

from typing import Any

from spnego._ntlm import NTLMProxy  # pinned pyspnego: the pure-Python NTLM context
from spnego._ntlm_raw.messages import AvId, Challenge, NegotiateFlags, TargetInfo, Version

from scanner.simulator.identity import NtlmNames


def challenge_for(names: NtlmNames, base: Challenge) -> Challenge:
    """``base`` (pyspnego's CHALLENGE) as the host sends it: TargetName and its type flag, the TargetInfo
    names in the order Windows writes them (NetBIOS domain, NetBIOS computer, DNS domain, DNS computer,
    DNS tree, then the timestamp), and the host's OS version with NTLM revision 15 (NTLMSSP_REVISION_W2K3,
    [MS-NLMP] 2.2.2.10 VERSION,
    https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-nlmp/b1a6ceb2-f8ad-462b-b5af-f18527c48175)."""
    flags = base.flags & ~(NegotiateFlags.target_type_server | NegotiateFlags.target_type_domain)
    flags |= NegotiateFlags.target_type_domain if names.member else NegotiateFlags.target_type_server
    info = TargetInfo()
    info[AvId.nb_domain_name] = names.nb_domain
    info[AvId.nb_computer_name] = names.nb_computer
    info[AvId.dns_domain_name] = names.dns_domain
    info[AvId.dns_computer_name] = names.dns_computer
    if names.dns_tree:
        info[AvId.dns_tree_name] = names.dns_tree
    base_info = base.target_info
    if base_info is not None and AvId.timestamp in base_info:
        info[AvId.timestamp] = base_info[AvId.timestamp]
    kwargs: dict[str, Any] = {}
    if flags & NegotiateFlags.version:  # the field is there only when the flag is (strict decoders check)
        major, minor, build = names.version
        kwargs["version"] = Version(major, minor, build)
    return Challenge(flags, base.server_challenge, target_name=names.target_name, target_info=info, **kwargs)


class HostNtlmAcceptor(NTLMProxy):
    """pyspnego's NTLM acceptor (accounts from NTLM_USER_FILE), answering as host ``names``."""

    def __init__(self, names: NtlmNames, channel_bindings: Any = None) -> None:
        # what spnego.server(protocol="ntlm") passes when no platform library takes NTLM
        super().__init__(hostname="unspecified", service="host", channel_bindings=channel_bindings,
                         usage="accept", protocol="ntlm")
        self._names = names

    def _step_accept_negotiate(self, token: bytes) -> bytes:
        super()._step_accept_negotiate(token)  # pyspnego's flags, server challenge and timestamp
        base = self._temp_challenge
        if base is None:  # pyspnego keeps the message it built there (checked: the pinned version)
            raise RuntimeError("pyspnego built no NTLM CHALLENGE")
        challenge = challenge_for(self._names, base)
        self._temp_challenge = challenge
        packed: bytes = challenge.pack()
        return packed
