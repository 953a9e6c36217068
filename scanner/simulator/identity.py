"""What makes one host of a profile itself: its computer name, DNS domain, AD site, the account the scan
runs as and its local Administrators group, written into the profile's machine where the collector
reads them (environment, Tcpip and Netlogon parameters, ComputerName keys, WMI). Done on the frozen
machine, so the hosts of one profile share everything else.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from typing import Any

from scanner.simulator.machine import Caseless, Machine, RegValue, edit_hive

_TCPIP = "SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters"
_NETLOGON = "SYSTEM\\CurrentControlSet\\Services\\Netlogon\\Parameters"
_ACTIVE_NAME = "SYSTEM\\CurrentControlSet\\Control\\ComputerName\\ActiveComputerName"
_PENDING_NAME = "SYSTEM\\CurrentControlSet\\Control\\ComputerName\\ComputerName"
ADMINS_SID = "S-1-5-32-544"
# The local Administrator account's SID ends in 500 under the machine's own domain SID; the figures are
# Microsoft's example SID (well-known SIDs: https://learn.microsoft.com/en-us/windows/win32/secauthz/well-known-sids).
LOCAL_ADMIN_SID = "S-1-5-21-1004336348-1177238915-682003330-500"
DOMAIN_ADMINS_RID = "512"


@dataclass(frozen=True, slots=True)
class Identity:
    name: str
    domain_dns: str
    netbios: str
    ad_site: str
    account: str  # the account the scan runs as (DOMAIN\user)
    domain_sid: str = "S-1-5-21-3623811015-3361044348-30300820"


def _value(m: Machine, path: str, name: str) -> RegValue | None:
    key = m.reg("HKLM", path)
    return key.value(name) if key is not None else None


def sz(text: str) -> RegValue:
    return RegValue("REG_SZ", text)


def with_identity(m: Machine, ident: Identity, overridden: Collection[str],
                  admins: list[tuple[str, str]] | None, account_fixed: bool) -> Machine:
    """``m`` as host ``ident.name``: only what the profile did not set itself (``overridden``: the fact
    names its site file gave)."""
    reg: dict[str, dict[str, RegValue | None]] = {}
    env = dict(m.env)
    if "computer.name" not in overridden:
        env["COMPUTERNAME"] = ident.name
        if "reboot.pending" not in overridden:
            reg[_ACTIVE_NAME] = {"ComputerName": sz(ident.name)}
            reg[_PENDING_NAME] = {"ComputerName": sz(ident.name)}
    tcpip: dict[str, RegValue | None] = {}
    if "computer.domain" not in overridden:
        tcpip["Domain"] = sz(ident.domain_dns)
    if "computer.dns_hostname" not in overridden:
        tcpip["Hostname"] = sz(ident.name)
    if "computer.nv_domain" not in overridden:
        # System Properties writes the primary DNS suffix to both values; a workgroup server has neither
        tcpip["NV Domain"] = tcpip.get("Domain") or _value(m, _TCPIP, "Domain")
    if tcpip:
        reg[_TCPIP] = tcpip
    if "computer.ad_site" not in overridden and ident.ad_site:
        reg[_NETLOGON] = {"DynamicSiteName": sz(ident.ad_site)}
    if not account_fixed:
        account_domain, _, user = ident.account.rpartition("\\")
        env["USERDOMAIN"], env["USERNAME"] = account_domain or ident.netbios, user
    wmi: Mapping[str, Any] = m.wmi
    if "local.administrators" not in overridden or admins is not None:
        members = admins if admins is not None else [
            (f"{ident.name}\\Administrator", LOCAL_ADMIN_SID),
            (f"{ident.netbios}\\Domain Admins", f"{ident.domain_sid}-{DOMAIN_ADMINS_RID}"),
        ]
        wmi = Caseless({**dict(m.wmi), **administrators(env.get("COMPUTERNAME", ident.name), members)})
    return replace(m, hklm=edit_hive(m.hklm, reg) if reg else m.hklm, env=Caseless(env), wmi=wmi)


def administrators(computer: str, members: list[tuple[str, str]]) -> dict[str, tuple[Mapping[str, Any], ...]]:
    """The local Administrators group (S-1-5-32-544) and its members, as WMI shows them (Win32_Group,
    Win32_GroupUser with references that carry the member's SID)."""
    group = Caseless({"Domain": computer, "Name": "Administrators", "SID": ADMINS_SID, "LocalAccount": True})
    links = []
    for name, sid in members:
        domain, _, account = name.rpartition("\\")
        links.append(Caseless({
            "GroupComponent": Caseless({"Domain": computer, "Name": "Administrators"}),
            "PartComponent": Caseless({"Domain": domain, "Name": account, "SID": sid}),
        }))
    return {"Win32_Group": (group,), "Win32_GroupUser": tuple(links)}


# ---- the names NTLM gives ------------------------------------------------------------------------
# A Windows server's NTLM CHALLENGE names the machine and its domain ([MS-NLMP] 2.2.1.2 CHALLENGE_MESSAGE,
# https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-nlmp/801a4681-8809-4be9-ab0d-61dcfe762786 ;
# 2.2.2.1 AV_PAIR,
# https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-nlmp/83f5e789-660d-4781-8491-5f8c6641f75e ;
# 3.2.5.1.1, the server's TargetName is "the server's domain name or machine name",
# https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-nlmp/81d15e3e-3ac3-41f0-920d-846149f3a814).
# What real servers send, recorded by nmap's http-ntlm-info (a 2008 R2 member: NetBIOS domain ACTIVEWEB,
# web-test2.somedomain.com, tree somedomain.com, 6.1.7601) and ntlm_challenger's README (a 2012 member:
# Target (Domain) HACKIN, MsvAvNbDomainName HACKIN, MsvAvNbComputerName EXCH01, MsvAvDnsDomainName
# hackin.club, MsvAvDnsComputerName EXCH01.hackin.club, MsvAvDnsTreeName hackin.club, then MsvAvTimestamp,
# NTLMSSP_TARGET_TYPE_DOMAIN; a workgroup machine: Target (Server) DESKTOP-G1984A4 and that name in all
# four name pairs, no MsvAvDnsTreeName), https://github.com/nopfor/ntlm_challenger
_STANDALONE_ROLES = (0, 2)  # Win32_ComputerSystem.DomainRole: standalone workstation, standalone server


@dataclass(frozen=True, slots=True)
class NtlmNames:
    """What a host's NTLM CHALLENGE says of it: TargetName and the TargetInfo names, and its OS version
    (the VERSION structure: major, minor, build)."""

    nb_computer: str
    nb_domain: str
    dns_computer: str
    dns_domain: str
    dns_tree: str | None  # the forest; None on a workgroup machine
    member: bool  # in a domain: TargetName is the domain (NTLMSSP_TARGET_TYPE_DOMAIN), else the machine
    version: tuple[int, int, int]

    @property
    def target_name(self) -> str:
        return self.nb_domain if self.member else self.nb_computer


def os_version(build: int) -> tuple[int, int, int]:
    """Major, minor and build of a Windows build number: 10.0 from build 10240 (Windows 10, Server 2016
    and later), 6.3 Server 2012 R2 (9600), 6.2 Server 2012 (9200), 6.1 Server 2008 R2 (7600, SP1 7601),
    6.0 Server 2008. Source: Operating System Version,
    https://learn.microsoft.com/en-us/windows/win32/sysinfo/operating-system-version"""
    for first, major, minor in ((10240, 10, 0), (9600, 6, 3), (9200, 6, 2), (7600, 6, 1)):
        if build >= first:
            return major, minor, build
    return 6, 0, build


def ntlm_names(m: Machine, ident: Identity) -> NtlmNames:
    """The names host ``ident`` gives in NTLM, as its machine has them: its computer name, the DNS
    domain it is in (TCP/IP parameters) and its domain role; a workgroup machine names itself for each."""
    computer = (m.env.get("COMPUTERNAME") or ident.name).upper()
    rows = m.wmi.get("Win32_ComputerSystem") or ()
    role = rows[0].get("DomainRole") if rows else None
    domain_value = _value(m, _TCPIP, "Domain")
    domain = str(domain_value.data).lower() if domain_value is not None and domain_value.data else ""
    version = os_version(m.os_build)
    if role in _STANDALONE_ROLES or not domain:
        return NtlmNames(computer, computer, computer, computer, None, False, version)
    host_value = _value(m, _TCPIP, "Hostname")
    hostname = str(host_value.data) if host_value is not None and host_value.data else computer
    site_domain = ident.domain_dns.lower()
    # a domain of the site's forest other than its root (a child domain) has a NetBIOS name of its own:
    # its first label (at most 15 characters), the name Active Directory proposes when the domain is created
    nb_domain = ident.netbios.upper() if domain == site_domain else domain.split(".")[0].upper()[:15]
    return NtlmNames(computer, nb_domain, f"{hostname}.{domain}", domain, site_domain, True, version)
