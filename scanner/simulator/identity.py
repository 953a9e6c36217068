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
