"""The fact names the collector returns: the contract between the collector script, the fleet
simulator's host profiles and the checks.

On the wire (schema 2, collector 1.1.0 and later) the collector outputs exactly one string: its result
table converted with ``ConvertTo-Json -Compress -Depth 8`` (Windows PowerShell 3.0-5.1) or written by the
collector's own JSON writer (the ps2 dialect, Windows PowerShell 2.0; collector 1.2.0 and later)::

    {"exready_collector": "<collector version>", "schema": 2,
     "facts": {"<name>": {"status": "present", "value": ...}
                        | {"status": "absent"}
                        | {"status": "unreadable", "error": "..."}}}

The client decodes it with ``json.loads`` (scanner.facts.parse). Values are JSON: strings, numbers,
booleans, null, arrays and objects, at most 4 levels below the table (an object in a list, as in
exchange.v15.roles), well inside the depth given to ConvertTo-Json. The script casts .NET values that
ConvertTo-Json would not write as plain data (versions, enums, dates) to strings or integers. Windows
PowerShell 3.0-5.1 may write an array wrapped in a PSObject as ``{"value": [...], "Count": n}``; the
parser reads exactly that object back as the list. Schema 1 (collector 1.0.0) was the same table sent
as a CLIXML Hashtable; it is no longer read.

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
    FactSpec("ps.clr_version", "str, e.g. '2.0.50727.5420', '4.0.30319.42000'", "$PSVersionTable.CLRVersion"),
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
             "roles: int (msExchCurrentServerRoles), version: str|None ('15.0.1497.2' when derivable), "
             "product: str|None ('Exchange 2016', 'Exchange SE'), end_of_support: str|None (ISO date; None for "
             "SE), supported: bool|None (on the day AD was read)}",
             "objectClass=msExchExchangeServer under CN=Administrative Groups,<Org>"),
    FactSpec("ad.rus", "list of {name: str, dn: str, domain_link: str|None}",
             "objectClass=msExchAddressListService under CN=Microsoft Exchange,CN=Services,..."),
    FactSpec("ad.computers", "list of {name: str, dn: str, site: str|None, is_dc: bool, is_rodc: bool}",
             "the discovered computer objects (for host-to-AD matching)"),
)


# Host facts behind the readiness catalog beyond the seed rules (scanner/probes/ps: platform, services,
# sysfiles, iis, runtimes, policy, exchange_local, features, localadmins). Same wire shape.
CATALOG_FACTS: tuple[FactSpec, ...] = (
    FactSpec("os.product_type", "str: 'WinNT' (client), 'ServerNT' (server), 'LanmanNT' (domain controller)",
             r"HKLM\SYSTEM\CurrentControlSet\Control\ProductOptions\ProductType"),
    FactSpec("os.edition_id", "str, e.g. 'ServerStandard'",
             r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\EditionID"),
    FactSpec("os.current_type", "str, e.g. 'Multiprocessor Free' ('... Checked' on a debug build)",
             r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\CurrentType"),
    FactSpec("computer.domain_role", "int 0-5 (0/2 standalone, 1/3 member, 4/5 domain controller)",
             "Win32_ComputerSystem.DomainRole (CIM, own time budget)"),
    FactSpec("computer.ad_site", "str (absent: Netlogon knows no site)",
             r"HKLM\SYSTEM\CurrentControlSet\Services\Netlogon\Parameters\SiteName, else DynamicSiteName"),
    FactSpec("computer.gc_ready", "bool (absent: not a domain controller)",
             r"HKLM\SYSTEM\CurrentControlSet\Services\NTDS\Parameters\Global Catalog Promotion Complete"),
    FactSpec("services.start", "{service: int|None} Start value per service (None: no such service), incl. "
             "RemoteRegistry",
             r"HKLM\SYSTEM\CurrentControlSet\Services\<service>\Start"),
    FactSpec("services.status", "{service: str|None} 'Running', 'Stopped', ... (None: no such service)",
             "Get-Service (service control manager, not WMI)"),
    FactSpec("file.msvcr120_dll", "{path: str, version: str} (absent: no such file)",
             r"<SystemRoot>\System32\msvcr120.dll (Visual C++ 2013)"),
    FactSpec("file.atl110_dll", "{path: str, version: str} (absent: no such file)",
             r"<SystemRoot>\System32\atl110.dll (Visual C++ 2012)"),
    FactSpec("file.ucrtbase_dll", "{path: str, version: str} (absent: no such file)",
             r"<SystemRoot>\System32\ucrtbase.dll (Universal C Runtime, KB2999226)"),
    FactSpec("file.sspicli_dll", "{path: str, version: str} (absent: no such file)",
             r"<SystemRoot>\System32\sspicli.dll"),
    FactSpec("file.kernel32_dll", "{path: str, version: str} (absent: no such file)",
             r"<SystemRoot>\System32\kernel32.dll"),
    FactSpec("file.urefs_dll", "{path: str, version: str} (absent: no such file)",
             r"<SystemRoot>\System32\uReFS.dll"),
    FactSpec("file.refs_sys", "{path: str, version: str} (absent: no such file)",
             r"<SystemRoot>\System32\Drivers\refs.sys"),
    FactSpec("file.discan_dll", "{path: str, version: str} (absent: no such file)",
             r"<SystemRoot>\System32\discan.dll"),
    FactSpec("iis.components", "{value name: int} (absent: no InetStp\\Components key, IIS not installed)",
             r"HKLM\SOFTWARE\Microsoft\InetStp\Components"),
    FactSpec("iis.app_pool_32bit", "bool (absent: no applicationHost.config)",
             r"%SystemRoot%\System32\inetsrv\config\applicationHost.config "
             "applicationPoolDefaults/@enable32BitAppOnWin64"),
    FactSpec("iis.url_rewrite_version", "str (absent: URL Rewrite not installed)",
             r"HKLM\SOFTWARE\Microsoft\IIS Extensions\URL Rewrite\Version"),
    FactSpec("ucma.speech_assembly", "bool: the Microsoft.Speech 11.0 assembly value exists",
             r"HKLM\SOFTWARE\Classes\Installer\Assemblies\Global"),
    FactSpec("wif.v35", "bool: the key exists",
             r"HKLM\SOFTWARE\Microsoft\Windows Identity Foundation\Setup\v3.5"),
    FactSpec("policy.gpo_machine",
             "{enable_scripts: int|None, execution_policy: str|None} (absent: no such key)",
             r"HKLM\SOFTWARE\Policies\Microsoft\Windows\PowerShell EnableScripts, ExecutionPolicy"),
    FactSpec("policy.gpo_user",
             "{account: str, policy: None | {enable_scripts: int|None, execution_policy: str|None}} "
             "(policy None: no such key under the account's HKCU)",
             r"[Security.Principal.WindowsIdentity]::GetCurrent().Name; "
             r"HKCU\SOFTWARE\Policies\Microsoft\Windows\PowerShell"),
    FactSpec("netfx3.http_activation", "bool: the key exists (WCF HTTP Activation, .NET 3.x on 2008 R2)",
             r"HKLM\SOFTWARE\Microsoft\NET Framework Setup\NDP\v3.0\Setup\Windows Communication Foundation"
             r"\HTTPActivation"),
    FactSpec("computer.dns_hostname", "str",
             r"HKLM\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters\Hostname"),
    FactSpec("computer.nv_domain", "str (absent: not set)",
             r"HKLM\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters\NV Domain"),
    FactSpec("exchange.v14_setup", "{msi_install_path: str|None, exsetup_version: str|None} "
             "(absent: no v14\\Setup key)",
             r"HKLM\SOFTWARE\Microsoft\ExchangeServer\v14\Setup\MsiInstallPath, <MsiInstallPath>\bin\ExSetup.exe"),
    FactSpec("file.wmspdmod_dll", "{path: str, version: str} (absent: no such file)",
             r"<SystemRoot>\System32\wmspdmod.dll"),
    FactSpec("file.wmspdmoe_dll", "{path: str, version: str} (absent: no such file)",
             r"<SystemRoot>\System32\wmspdmoe.dll"),
    FactSpec("exchange.setup", "{newest_build: int|None, services: str|None, msi_install_path: str|None} "
             "(absent: no Setup key)", r"HKLM\SOFTWARE\Microsoft\ExchangeServer\v15\Setup"),
    FactSpec("exchange.legacy_roles",
             "list of {product: '2010'|'2007', key: str, unpacked_version: str|None}",
             r"HKLM\SOFTWARE\Microsoft\ExchangeServer\v14\<role>, "
             r"HKLM\SOFTWARE\Microsoft\Exchange\v8.0\<role>"),
    FactSpec("exchange.adaccess_config_dc", "str (absent: no override)",
             r"HKLM\SYSTEM\CurrentControlSet\Services\MSExchange ADAccess\Instance0\ConfigDCHostName"),
    FactSpec("exchange.edge_adam_data_path", "{path: str, exists: bool} (absent: no DataFilesPath value)",
             r"HKLM\SOFTWARE\Microsoft\ExchangeServer\v15\EdgeTransportRole\AdamSettings\MsExchange\DataFilesPath"),
    FactSpec("windows.features", "{feature name: bool|None} (None: the feature does not exist on this OS); "
             "the names are per Windows family (scanner/probes/manifest.py FEATURES_2012, FEATURE_IDS_2008R2)",
             "2012 and later: ServerManager\\ServicingStorage\\ServerComponentCache\\<name>\\InstallState; "
             "2008 R2: WMI Win32_ServerFeature IDs"),
    FactSpec("local.administrators",
             "list of {name: str, sid: str} members of BUILTIN\\Administrators (S-1-5-32-544)",
             "Win32_Group S-1-5-32-544 and its Win32_Account members (CIM, own time budget)"),
)

# Facts earlier collectors reported and saved documents still carry; no longer collected, still read.
RETIRED_FACTS: tuple[FactSpec, ...] = (
    FactSpec("policy.execution_policy",
             "str (absent: no Group Policy setting; 'Restricted' when scripts are turned off); collector <1.2.0",
             r"HKLM\SOFTWARE\Policies\Microsoft\Windows\PowerShell\ExecutionPolicy (EnableScripts)"),
)


# Organisation facts behind the catalog's other AD rules (scanner.directory.catalog_org), read with the
# same connection and saved with the sweep's facts.
CATALOG_ORG_FACTS: tuple[FactSpec, ...] = (
    FactSpec("ad.adc_connectors", "list[str]: DNs of Active Directory Connector objects (empty: none)",
             "(objectClass=msExchActiveDirectoryConnector) in the configuration partition"),
    FactSpec("ad.meso_containers",
             "list of {domain: str, count: int|None, dns: [str]} (count None with error: domain not held here)",
             "(objectCategory=msExchSystemObjectsContainer) in each domain partition"),
    FactSpec("ad.domain_modes", "list of {domain: str, dn: str, mixed: int|None} (1: mixed mode)",
             "nTMixedDomain of each domain head"),
    FactSpec("ad.schema_master_os",
             "{dns_host_name: str, computer: str, os_name: str|None, os_version: str|None, service_pack: str|None}",
             "schema fSMORoleOwner -> server serverReference -> computer operatingSystem/Version/ServicePack"),
    FactSpec("ad.recipient_policy",
             "{name, gateway_proxy: [str], disabled_gateway_proxy: [str], non_authoritative_domains: [str]} "
             "(absent: no organisation or policy)",
             "the default msExchRecipientPolicy under CN=Recipient Policies,<Org>"),
    FactSpec("ad.oabs", "list of {name: str, offline_ab_servers: [str]} (absent: no organisation)",
             "msExchOAB under CN=Offline Address Lists,CN=Address Lists Container,<Org>"),
    FactSpec("ad.split_permissions", "{ewp: str|None, ets: str|None, ets_member_of_ewp: bool|None}",
             "otherWellKnownObjects on CN=Microsoft Exchange,CN=Services; memberOf of Exchange Trusted Subsystem"),
    FactSpec("ad.exchange_server_sites", "list of {name: str, site: str|None} (absent: no organisation)",
             "msExchServerSite of each msExchExchangeServer"),
    FactSpec("ad.rodcs", "list[str]: short names of read-only domain controllers",
             "(objectCategory=nTDSDSARO) under CN=Sites,<configuration>"),
)


# Organisation facts behind Setup rules judged from AD that were once out of reach (scanner.directory.setup_org).
SETUP_ORG_FACTS: tuple[FactSpec, ...] = (
    FactSpec("ad.dns_zones", "list of {zone: str, partition: str, dn: str, nodes: {name: [record type int]}} "
             "(nodes: only those named like the sweep's computers)",
             "dnsZone/dnsNode under CN=MicrosoftDNS in DomainDnsZones, ForestDnsZones and CN=System"),
    FactSpec("ad.site_dcs", "list of {server: str, dns_host_name: str|None, site: str, gc: bool, read_only: bool, "
             "domain: str|None}", "nTDSDSA / nTDSDSARO objects under CN=Sites,<configuration>"),
    FactSpec("ad.admin_group_acl", "{organization: str, admin_groups: [{dn, name, dacl_protected: bool|None}], "
             "setup_lookup: {base, found, dacl_protected}} (absent: no organisation)",
             "nTSecurityDescriptor (DACL, SD flags control) of msExchAdminGroup objects"),
)
