"""What the collector reads, declared once.

Each declared read names the fact it answers and the one thing on the host it reads (a registry value, a
key's existence, a key listing, a file's version resource, a WMI property, a service's Start value or
state). From this tuple the collector generates the PowerShell of each dialect (scanner.probes.collector)
and the simulator evaluates the same reads against its machine model (scanner.simulator.reads), so the
two cannot drift apart.

What cannot be declared this way (a value that decides where the next read goes, a table of subkeys, a
fallback between two sources) stays hand-written: HAND_PARTS names those parts; each is a .ps1 file in
scanner/probes/ps (with a ``.ps2.ps1`` variant where Windows PowerShell 2.0 needs other code) and has a
Python counterpart in scanner.simulator.reads.

All registry reads here are under HKEY_LOCAL_MACHINE, 64-bit view. File paths are relative to the
SystemRoot the collector has read (os.system_root).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RegValue:
    """One registry value as it is (REG_SZ/EXPAND_SZ: str, DWORD/QWORD: int, MULTI_SZ: list[str]).
    Absent when the key or the value is missing; with ``empty_is_absent`` a blank string is absent too."""

    fact: str
    path: str
    name: str
    empty_is_absent: bool = False


@dataclass(frozen=True, slots=True)
class RegKeyExists:
    """bool: the key exists."""

    fact: str
    path: str


@dataclass(frozen=True, slots=True)
class RegValueNameExists:
    """bool: the key has a value of this name (False when the key itself is missing)."""

    fact: str
    path: str
    name: str


@dataclass(frozen=True, slots=True)
class RegDwordValues:
    """Key listing: {value name: int} for every REG_DWORD value of the key (absent: no such key)."""

    fact: str
    path: str


@dataclass(frozen=True, slots=True)
class FileVersion:
    """{path, version} of a file under SystemRoot, the version built from the numeric parts of the
    version resource (absent: no such file)."""

    fact: str
    path: str  # relative to SystemRoot, e.g. "System32\\rpchttp.dll"


@dataclass(frozen=True, slots=True)
class WmiStrings:
    """list[str]: one string property of every instance of a root\\cimv2 class, blanks dropped."""

    fact: str
    wmi_class: str
    prop: str


@dataclass(frozen=True, slots=True)
class WmiInt:
    """int: an integer property of the (single) instance of a root\\cimv2 class."""

    fact: str
    wmi_class: str
    prop: str


@dataclass(frozen=True, slots=True)
class ServiceStart:
    """{service: int|None}: the Start value under SYSTEM\\CurrentControlSet\\Services\\<service> (None: no
    such service; a key without Start reads as 0, as Setup reads it)."""

    fact: str
    services: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ServiceStatus:
    """{service: str|None}: the state the service control manager reports ('Running', 'Stopped'...;
    None: no such service). Any other failure (access denied) makes the fact unreadable."""

    fact: str
    services: tuple[str, ...]


Read = (
    RegValue | RegKeyExists | RegValueNameExists | RegDwordValues | FileVersion | WmiStrings | WmiInt
    | ServiceStart | ServiceStatus
)

SERVICES_KEY = "SYSTEM\\CurrentControlSet\\Services"
_CV = "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion"
_TCPIP = "SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters"
# The assembly value UCMA 4.0 registers for Microsoft.Speech 11.0 (Windows Installer's global assembly list).
SPEECH_ASSEMBLY = (
    'Microsoft.Speech,version="11.0.0.0",culture="neutral",publicKeyToken="31BF3856AD364E35",'
    'processorArchitecture="MSIL"'
)

# In the order they run. os.system_root comes first: the file reads are relative to it.
DECLARED_READS: tuple[Read, ...] = (
    RegValue("os.system_root", _CV, "SystemRoot"),
    RegValue("os.caption", _CV, "ProductName"),
    RegValue("os.current_build", _CV, "CurrentBuild"),
    RegValue("os.ubr", _CV, "UBR"),
    RegValue("os.installation_type", _CV, "InstallationType"),
    RegValue("os.edition_id", _CV, "EditionID"),
    RegValue("os.current_type", _CV, "CurrentType"),
    RegValue("os.product_type", "SYSTEM\\CurrentControlSet\\Control\\ProductOptions", "ProductType"),
    RegValue("computer.domain", _TCPIP, "Domain", empty_is_absent=True),
    RegValue("computer.dns_hostname", _TCPIP, "Hostname", empty_is_absent=True),
    RegValue("computer.nv_domain", _TCPIP, "NV Domain", empty_is_absent=True),
    RegValue("dotnet.release", "SOFTWARE\\Microsoft\\NET Framework Setup\\NDP\\v4\\Full", "Release"),
    RegValue("ucma.version", "SOFTWARE\\Microsoft\\UCMA\\{902F4F35-D5DC-4363-8671-D5EF0D26C21D}", "Version"),
    RegValue("iis.url_rewrite_version", "SOFTWARE\\Microsoft\\IIS Extensions\\URL Rewrite", "Version"),
    RegValue(
        "exchange.adaccess_config_dc",
        "SYSTEM\\CurrentControlSet\\Services\\MSExchange ADAccess\\Instance0",
        "ConfigDCHostName",
        empty_is_absent=True,
    ),
    RegKeyExists("wif.v35", "SOFTWARE\\Microsoft\\Windows Identity Foundation\\Setup\\v3.5"),
    RegKeyExists(
        "netfx3.http_activation",
        "SOFTWARE\\Microsoft\\NET Framework Setup\\NDP\\v3.0\\Setup\\Windows Communication Foundation\\HTTPActivation",
    ),
    RegValueNameExists(
        "ucma.speech_assembly", "SOFTWARE\\Classes\\Installer\\Assemblies\\Global", SPEECH_ASSEMBLY
    ),
    RegDwordValues("iis.components", "SOFTWARE\\Microsoft\\InetStp\\Components"),
    FileVersion("file.rpchttp_dll", "System32\\rpchttp.dll"),
    FileVersion("file.rpcrt4_dll", "System32\\rpcrt4.dll"),
    FileVersion("file.msvcr120_dll", "System32\\msvcr120.dll"),
    FileVersion("file.atl110_dll", "System32\\atl110.dll"),
    FileVersion("file.ucrtbase_dll", "System32\\ucrtbase.dll"),
    FileVersion("file.sspicli_dll", "System32\\sspicli.dll"),
    FileVersion("file.kernel32_dll", "System32\\kernel32.dll"),
    FileVersion("file.urefs_dll", "System32\\uReFS.dll"),
    FileVersion("file.refs_sys", "System32\\Drivers\\refs.sys"),
    FileVersion("file.discan_dll", "System32\\discan.dll"),
    FileVersion("file.wmspdmod_dll", "System32\\wmspdmod.dll"),
    FileVersion("file.wmspdmoe_dll", "System32\\wmspdmoe.dll"),
    ServiceStart(
        "services.start",
        ("W3SVC", "WinRM", "msiserver", "SMTPSVC", "ClusSvc", "NetTcpPortSharing", "RemoteRegistry"),
    ),
    ServiceStatus("services.status", ("EventSystem", "MSDTC", "MpsSvc")),
    # evidence only (Setup compares file versions); the provider is slow on some hosts: own time budget
    WmiStrings("hotfix.ids", "Win32_QuickFixEngineering", "HotFixID"),
    # no registry equivalent
    WmiInt("computer.domain_role", "Win32_ComputerSystem", "DomainRole"),
)


@dataclass(frozen=True, slots=True)
class HandPart:
    """A hand-written part: scanner/probes/ps/<name>.ps1 (and <name>.ps2.ps1 when PowerShell 2.0 needs
    other code). ``facts``: what it answers."""

    name: str
    facts: tuple[str, ...]
    ps2_variant: bool = False


# In the order they run, after the declared reads (they may use os.system_root).
HAND_PARTS: tuple[HandPart, ...] = (
    HandPart("env", ("computer.name", "ps.version", "ps.clr_version")),
    HandPart("site", ("computer.ad_site", "computer.gc_ready")),
    HandPart("exchange", ("exchange.v15.roles",)),
    HandPart(
        "exlocal",
        ("exchange.setup", "exchange.legacy_roles", "exchange.edge_adam_data_path", "exchange.v14_setup"),
    ),
    HandPart("reboot", ("reboot.pending",)),
    HandPart("iis", ("iis.app_pool_32bit",), ps2_variant=True),
    HandPart("policy", ("policy.gpo_machine", "policy.gpo_user")),
    HandPart("features", ("windows.features",), ps2_variant=True),
    HandPart("localadmins", ("local.administrators",), ps2_variant=True),
)


def declared_facts() -> tuple[str, ...]:
    return tuple(r.fact for r in DECLARED_READS)


def all_facts() -> tuple[str, ...]:
    """Every fact the collector answers, declared reads first."""
    return (*declared_facts(), *(f for p in HAND_PARTS for f in p.facts))


# ---- windows.features: which names, per Windows family ------------------------------------------------

# Windows Server 2012 and later: Server Manager names, read from its component cache
# (HKLM\SOFTWARE\Microsoft\ServerManager\ServicingStorage\ServerComponentCache\<name>\InstallState, 1 =
# installed), what Get-WindowsFeature itself reads there.
SERVER_COMPONENT_CACHE = "SOFTWARE\\Microsoft\\ServerManager\\ServicingStorage\\ServerComponentCache"
FEATURES_2012: tuple[str, ...] = (
    "RSAT-Clustering",
    "RSAT-Clustering-CmdInterface",
    "RSAT-Clustering-Mgmt",
    "RSAT-Clustering-PowerShell",
    "RPC-over-HTTP-proxy",
    "Web-Net-Ext45",
    "Web-Asp-Net45",
    "Web-ISAPI-Ext",
    "NET-WCF-HTTP-Activation45",
    "NET-Framework-45-Features",
    "Server-Gui-Mgmt-Infra",
    "WinRM-IIS-Ext",
    "Web-Mgmt-Console",
    "Web-Lgcy-Mgmt-Console",
    "Server-Media-Foundation",
    "Desktop-Experience",
    "RSAT-ADDS",
    "Web-Server",
)

# Windows Server 2008 R2 keeps no component cache. WMI's Win32_ServerFeature lists the installed features
# with a language-neutral ID (its Name is localised: a French Windows says "Serveur Web (IIS)"), so the
# 2008 R2 Server Manager names of the Exchange 2013 prerequisites are mapped from their IDs.
# IDs: Win32_ServerFeature class, "ID" property table,
# https://learn.microsoft.com/en-us/windows/win32/wmisdk/win32-serverfeature
# (Web-Server = 2 "Web Server (IIS)" role; the Web-* role services under parent 2; NET-Framework = 36
# ".NET Framework 3.5.1 Features"; NET-HTTP-Activation = 222, its WCF "HTTP Activation"; WAS-Process-Model
# = 219 under Windows Process Activation Service (41); RSAT-ADDS = 257 "AD DS Tools"; RSAT-Clustering = 268
# "Failover Clustering Tools"; RSAT-Web-Server = 281 "Web Server (IIS) Tools").
FEATURE_IDS_2008R2: tuple[tuple[str, int], ...] = (
    ("Web-Server", 2),
    ("Desktop-Experience", 35),
    ("NET-Framework", 36),
    ("WAS", 41),
    ("RPC-over-HTTP-proxy", 47),
    ("Web-Static-Content", 142),
    ("Web-Default-Doc", 143),
    ("Web-Dir-Browsing", 144),
    ("Web-Http-Errors", 145),
    ("Web-Http-Redirect", 146),
    ("Web-Asp-Net", 148),
    ("Web-Net-Ext", 149),
    ("Web-ISAPI-Ext", 152),
    ("Web-ISAPI-Filter", 153),
    ("Web-Http-Logging", 156),
    ("Web-Request-Monitor", 158),
    ("Web-Http-Tracing", 159),
    ("Web-Basic-Auth", 163),
    ("Web-Windows-Auth", 164),
    ("Web-Digest-Auth", 165),
    ("Web-Client-Auth", 166),
    ("Web-Stat-Compression", 172),
    ("Web-Dyn-Compression", 173),
    ("Web-Mgmt-Console", 175),
    ("Web-Mgmt-Service", 177),
    ("Web-Metabase", 179),
    ("Web-WMI", 180),
    ("Web-Lgcy-Mgmt-Console", 182),
    ("WAS-Process-Model", 219),
    ("NET-HTTP-Activation", 222),
    ("RSAT-ADDS", 257),
    ("RSAT-Clustering", 268),
    ("RSAT-Web-Server", 281),
    ("WinRM-IIS-Ext", 321),
)
