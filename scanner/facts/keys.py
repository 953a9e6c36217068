"""The fact names the collector returns: the contract between the collector script, the fleet
simulator's host profiles and the checks.

On the wire the collector returns one Hashtable::

    @{ exready_collector = "<collector version>"; schema = 1;
       facts = @{ "<name>" = @{ status = "present"|"absent"|"unreadable"; value = ...; error = "..." } } }

The value shapes are below. Versions are strings ("5.0.8308.0"): they are compared with
``scanner.facts.version.Version`` and never as floats.
"""

from __future__ import annotations

from dataclasses import dataclass

# The marker the collector script carries in its first line; the simulator recognises the script by it.
COLLECTOR_MARKER = "exready-collector"


@dataclass(frozen=True, slots=True)
class FactSpec:
    name: str
    shape: str  # a short description of the value when present
    source: str  # where a Windows host keeps it


SEED_FACTS: tuple[FactSpec, ...] = (
    FactSpec("computer.name", "str", "$env:COMPUTERNAME"),
    FactSpec("computer.domain", "str (DNS domain, absent when in a workgroup)",
             r"HKLM\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters\Domain"),
    FactSpec("os.caption", "str", r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProductName"),
    FactSpec("os.current_build", "str, e.g. '7601'",
             r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\CurrentBuild"),
    FactSpec("os.ubr", "int", r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\UBR"),
    FactSpec("os.system_root", "str, e.g. 'C:\\Windows'",
             r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\SystemRoot"),
    FactSpec("os.installation_type", "str: 'Server' or 'Server Core'",
             r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\InstallationType"),
    FactSpec("ps.version", "str, e.g. '5.1.17763.1'", "$PSVersionTable.PSVersion"),
    FactSpec("file.rpchttp_dll", "{path: str, version: str} (absent: no such file)",
             r"<SystemRoot>\System32\rpchttp.dll FileVersionInfo"),
    FactSpec("file.rpcrt4_dll", "{path: str, version: str} (absent: no such file)",
             r"<SystemRoot>\System32\rpcrt4.dll FileVersionInfo"),
    FactSpec("hotfix.ids", "list[str] of 'KBnnnnnnn'", "Win32_QuickFixEngineering HotFixID"),
    FactSpec("ucma.version", "str (absent: key or value missing)",
             r"HKLM\SOFTWARE\Microsoft\UCMA\{902F4F35-D5DC-4363-8671-D5EF0D26C21D}\Version"),
    FactSpec("exchange.v15.roles",
             "list of {key: str, action: str|None, watermark: str|None, unpacked_version: str|None, "
             "configured_version: str|None} (absent: no v15 key)",
             r"HKLM\SOFTWARE\Microsoft\ExchangeServer\v15\<subkey>"),
    FactSpec("dotnet.release", "int", r"HKLM\SOFTWARE\Microsoft\NET Framework Setup\NDP\v4\Full\Release"),
    FactSpec("reboot.pending", "list[str] of the sources that say a reboot is pending (empty: none)",
             "CBS RebootPending, WU RebootRequired, PendingFileRenameOperations, computer rename"),
)


# Organisation facts, read once per sweep from Active Directory (scanner.model.facts.OrgFacts).
# Same Fact shape (present/absent/unreadable). "absent" means AD was read and the thing is not there;
# when AD was not read at all the OrgFacts mapping is empty and org-level rules are unknown
# (UnknownReason.NEEDS_AD).
ORG_FACTS: tuple[FactSpec, ...] = (
    FactSpec("ad.forest", "{dns_name: str, dn: str, functional_level: int, schema_master: str}",
             "rootDSE + CN=Partitions msDS-Behavior-Version, fSMORoleOwner of the schema NC"),
    FactSpec("ad.domains",
             "list of {dns_name: str, dn: str, netbios: str|None, functional_level: int|None, "
             "mesos_object_version: int|None (None: no Microsoft Exchange System Objects container)}",
             "CN=Partitions crossRef objects; CN=Microsoft Exchange System Objects,<domain NC> objectVersion"),
    FactSpec("ad.exchange_schema_version", "int (rangeUpper of ms-Exch-Schema-Version-Pt; absent: no Exchange schema)",
             "CN=ms-Exch-Schema-Version-Pt,CN=Schema,CN=Configuration,..."),
    FactSpec("ad.exchange_org", "{name: str, dn: str, object_version: int} (absent: no organisation)",
             "CN=<Org>,CN=Microsoft Exchange,CN=Services,CN=Configuration,..."),
    FactSpec("ad.exchange_servers",
             "list of {name: str (cn, upper case), dn: str, serial_number: str ('Version 15.0 (Build 31497.2)'), "
             "roles: int (msExchCurrentServerRoles), version: str|None ('15.0.1497.2' when derivable)}",
             "objectClass=msExchExchangeServer under CN=Administrative Groups,<Org>"),
    FactSpec("ad.rus", "list of {name: str, dn: str, domain_link: str|None}",
             "objectClass=msExchAddressListService under CN=Microsoft Exchange,CN=Services,..."),
    FactSpec("ad.computers", "list of {name: str, dn: str, site: str|None, is_dc: bool}",
             "the discovered computer objects (for host-to-AD matching)"),
)
