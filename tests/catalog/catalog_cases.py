"""One table of cases per implemented rule: the facts that make it pass, fail, not applicable and unknown.

Every case starts from the healthy host of the simulator's baseline (Windows Server 2012 R2, ready for
Exchange 2013 CU23) and changes only what the case is about. ``NoNotApplicable`` stands for a rule that
applies on every host of every role it lists and has no condition that could make it not applicable; it
must say why, and test_catalog_completeness checks that the rule really does apply to every role.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scanner.simulator.profiles import baseline_document

ABSENT = "<absent>"
UNREADABLE = "<unreadable>"

FOREST = {"dns_name": "contoso.test", "dn": "DC=contoso,DC=test", "functional_level": 7,
          "schema_master": "par-dc01.contoso.test"}
DOMAINS = [{"dns_name": "contoso.test", "dn": "DC=contoso,DC=test", "netbios": "CONTOSO", "functional_level": 7,
            "mesos_object_version": 13237}]
ORG = {"name": "Contoso", "dn": "CN=Contoso,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=contoso,DC=test",
       "object_version": 16133}


def server(name: str, serial: str, roles: int, version: str | None) -> dict[str, Any]:
    return {"name": name, "dn": f"CN={name},CN=Servers", "serial_number": serial, "roles": roles,
            "version": version, "version_number": None}


E2013_MBX = server("EXOLD", "Version 15.0 (Build 31497.2)", 16439 | 54, "15.0.1497.2")
E2013_CU10 = server("EXCU10", "Version 15.0 (Build 31130.7)", 16439, "15.0.1130.7")
E2010 = server("EX2010", "Version 14.3 (Build 30123.4)", 54, "14.3.123.4")
E2007 = server("EX2007", "Version 8.3 (Build 30083.6)", 54, "8.3.83.6")

# AD prepared for 2013 CU23, one 2013 multi-role server (not this host)
PREPARED = {"ad.forest": FOREST, "ad.domains": DOMAINS, "ad.exchange_org": ORG, "ad.exchange_schema_version": 15312,
            "ad.exchange_servers": [E2013_MBX], "ad.computers": [
                {"name": "PAR-DC01", "dn": "CN=PAR-DC01", "site": "Paris-HQ", "is_dc": True}]}
# a forest with no Exchange yet: schema, organisation and domain preparation all due
GREENFIELD = {"ad.forest": FOREST, "ad.domains": [{**DOMAINS[0], "mesos_object_version": None}],
              "ad.exchange_servers": [], "ad.computers": PREPARED["ad.computers"],
              "ad.exchange_org": ABSENT, "ad.exchange_schema_version": ABSENT}

ADMIN = {"account": "CONTOSO\\exsetup", "found": True, "prefix": "CONTOSO", "domain": "contoso.test",
         "dn": "CN=exsetup,CN=Users,DC=contoso,DC=test", "sid": "S-1-5-21-1-2-3-1108",
         "groups": ["S-1-5-21-3623811015-3361044348-30300820-512", "S-1-5-21-1-2-3-518", "S-1-5-21-1-2-3-519"],
         "schema_admins": True, "enterprise_admins": True, "domain_admin_of": ["contoso.test"],
         "organization_management": True, "server_management": False}
DELEGATE = {**ADMIN, "account": "CONTOSO\\helpdesk", "sid": "S-1-5-21-1-2-3-2001", "groups": ["S-1-5-21-1-2-3-513"],
            "schema_admins": False, "enterprise_admins": False, "domain_admin_of": [],
            "organization_management": False, "server_management": False}


def baseline_facts() -> dict[str, Any]:
    doc = baseline_document()
    facts: dict[str, Any] = dict(doc["facts"])
    facts.update({"computer.name": "EX01", "computer.domain": "contoso.test", "computer.ad_site": "Paris-HQ",
                  "os.caption": doc["os"], "ps.version": doc["ps_version"]})
    for name in doc["absent"]:
        facts[name] = ABSENT
    return facts


@dataclass(frozen=True)
class Case:
    facts: Mapping[str, Any] = field(default_factory=dict)  # overrides of the baseline
    org: Mapping[str, Any] | None = None  # None: AD not read
    installer: Mapping[str, Any] | None = None  # None: no --installer-account
    version: str | None = None  # None: the rule's first version
    cu: int | None = None
    reason: str | None = None  # expected UnknownReason value, for unknown cases


@dataclass(frozen=True)
class NoNotApplicable:
    why: str


def unreadable(*names: str, **kw: Any) -> Case:
    return Case(facts={n: UNREADABLE for n in names}, **kw)


def missing_installer(org: Mapping[str, Any] | None = None, **kw: Any) -> Case:
    return Case(org=org, reason="needs_input", **kw)


EVERYWHERE = NoNotApplicable("applies on every host, for every role of every version")

IIS_VALUES = {
    "LonghornIIS6MetabaseNotInstalled": "Metabase", "LonghornIIS6MgmtConsoleNotInstalled": "LegacySnapin",
    "LonghornIIS6WMICompatibility": "WMICompatibility", "LonghornIIS7BasicAuthNotInstalled": "BasicAuthentication",
    "LonghornIIS7WindowsAuthNotInstalled": "WindowsAuthentication",
    "LonghornIIS7DigestAuthNotInstalled": "DigestAuthentication",
    "LonghornIIS7HttpCompressionDynamicNotInstalled": "HttpCompressionDynamic",
    "LonghornIIS7HttpCompressionStaticNotInstalled": "HttpCompressionStatic",
    "LonghornWASProcessModelInstalled": "ProcessModel", "LonghornISAPIFilter": "ISAPIFilter",
    "LonghornClientCertificateMappingAuthentication": "ClientCertificateMappingAuthentication",
    "LonghornDirectoryBrowse": "DirectoryBrowse", "LonghornHttpErrors": "HttpErrors",
    "LonghornHttpLogging": "HttpLogging", "LonghornHttpRedirect": "HttpRedirect", "LonghornHttpTracing": "HttpTracing",
    "LonghornRequestMonitor": "RequestMonitor", "LonghornStaticContent": "StaticContent",
    "ManagementServiceInstalled": "AdminService", "LonghornIIS7ManagementConsoleInstalled": "ManagementConsole",
}
IIS_2008R2 = {"LonghornIIS7NetExt": "NetFxExtensibility", "LonghornASPNET": "ASPNET"}
FEATURES_NT62 = {
    "RsatClusteringCmdInterfaceInstalled": "RSAT-Clustering-CmdInterface",
    "RsatClusteringMgmtInstalled": "RSAT-Clustering-Mgmt",
    "RsatClusteringPowerShellInstalled": "RSAT-Clustering-PowerShell",
    "WebNetExt45NotInstalled": "Web-Net-Ext45", "WebASPNET45NotInstalled": "Web-Asp-Net45",
    "WcfHttpActivation45Installed": "NET-WCF-HTTP-Activation45",
    "NETFramework45FeaturesNotInstalled": "NET-Framework-45-Features",
}
FEATURES_ANY_OS = {"RsatClusteringInstalled": "RSAT-Clustering", "RPCOverHTTPproxyNotInstalled": "RPC-over-HTTP-proxy",
                   "WebISAPIExtNotInstalled": "Web-ISAPI-Ext"}
START = {"W3SVC": 2, "WinRM": 2, "msiserver": 3, "SMTPSVC": None, "ClusSvc": None, "NetTcpPortSharing": 2}
STATUS = {"EventSystem": "Running", "MSDTC": "Running", "MpsSvc": "Running"}
FEATURES = {**{f: True for f in (*FEATURES_NT62.values(), *FEATURES_ANY_OS.values())},
            "Server-Gui-Mgmt-Infra": True, "WinRM-IIS-Ext": False}


def _file(name: str, version: str) -> dict[str, str]:
    return {"path": f"C:\\Windows\\System32\\{name}", "version": version}


def _components(**changes: int) -> dict[str, int]:
    return {**baseline_document()["facts"]["iis.components"], **changes}


CASES: dict[str, dict[str, Case | NoNotApplicable]] = {
    "ValidOSVersion": {
        "pass": Case(),
        "fail": Case(facts={"os.current_build": "17763"}),
        "not_applicable": NoNotApplicable("every server install is judged against the version's OS list"),
        "unknown": unreadable("os.current_build"),
    },
    "ValidOSVersionForAdminTools": {
        "pass": Case(),
        "fail": Case(facts={"os.current_build": "14393"}),
        "not_applicable": Case(facts={"os.product_type": "WinNT"}),
        "unknown": unreadable("os.product_type"),
    },
    "IsServerCoreInstalled": {
        "pass": Case(version="2016"),
        "fail": Case(facts={"os.installation_type": "Server Core"}, version="2016"),
        "not_applicable": Case(facts={"os.installation_type": "Server Core"}, version="2019"),
        "unknown": unreadable("os.installation_type", version="2016"),
    },
    "WindowsServer2008CoreServerEdition": {
        "pass": Case(facts={"os.current_build": "7601"}),
        "fail": Case(facts={"os.current_build": "7601", "os.installation_type": "Server Core"}),
        "not_applicable": Case(facts={"os.installation_type": "Server Core"}),
        "unknown": unreadable("os.current_build"),
    },
    "ServerWinWebEdition": {
        "pass": Case(), "fail": Case(facts={"os.edition_id": "ServerWeb"}),
        "not_applicable": EVERYWHERE, "unknown": unreadable("os.edition_id"),
    },
    "OSCheckedBuild": {
        "pass": Case(), "fail": Case(facts={"os.current_type": "Multiprocessor Checked"}),
        "not_applicable": EVERYWHERE, "unknown": unreadable("os.current_type"),
    },
    "MinimumFrameworkNotInstalled": {
        "pass": Case(), "fail": Case(facts={"dotnet.release": 461308}),
        "not_applicable": EVERYWHERE, "unknown": unreadable("dotnet.release"),
    },
    "VC2013RedistDependencyRequirement": {
        "pass": Case(), "fail": Case(facts={"file.msvcr120_dll": _file("msvcr120.dll", "12.0.21005.0")}),
        "not_applicable": NoNotApplicable("checked on every Mailbox install; Edge and tools do not run it"),
        "unknown": unreadable("file.msvcr120_dll"),
    },
    "VC2012RedistDependencyRequirement": {
        "pass": Case(), "fail": Case(facts={"file.atl110_dll": ABSENT}),
        "not_applicable": NoNotApplicable("checked on every install of the roles it lists"),
        "unknown": unreadable("file.atl110_dll"),
    },
    "IISURLRewriteNotInstalled": {
        "pass": Case(version="2016"), "fail": Case(facts={"iis.url_rewrite_version": ABSENT}, version="2019"),
        "not_applicable": Case(facts={"iis.url_rewrite_version": ABSENT}, version="2016", cu=21),
        "unknown": unreadable("iis.url_rewrite_version", version="2016"),
    },
    "KB2999226NotInstalled": {
        "pass": Case(version="2016"), "fail": Case(facts={"file.ucrtbase_dll": ABSENT}, version="2016"),
        "not_applicable": Case(facts={"file.ucrtbase_dll": ABSENT}, version="2016", cu=21),
        "unknown": unreadable("file.ucrtbase_dll", version="2016"),
    },
    "Win2k16LSARollupUpdateNotInstalled": {
        "pass": Case(facts={"os.current_build": "14393", "os.ubr": 576}, version="2016"),
        "fail": Case(facts={"os.current_build": "14393", "os.ubr": 447}, version="2016"),
        "not_applicable": Case(version="2016"),
        "unknown": Case(facts={"os.current_build": "14393", "os.ubr": UNREADABLE}, version="2016"),
    },
    **{
        rid: {
            "pass": Case(facts={"os.current_build": "9200", fact: _file(name, "6.2.9200.30000")}),
            "fail": Case(facts={"os.current_build": "9200", fact: _file(name, "6.2.9200.16384")}),
            "not_applicable": Case(facts={fact: _file(name, "6.2.9200.16384")}),
            "unknown": Case(facts={"os.current_build": "9200", fact: UNREADABLE}),
        }
        for rid, fact, name in (
            ("Win2k12UrefsUpdateNotInstalled", "file.urefs_dll", "uReFS.dll"),
            ("Win2k12RefsUpdateNotInstalled", "file.refs_sys", "Drivers\\refs.sys"),
            ("Win2k12RollupUpdateNotInstalled", "file.discan_dll", "discan.dll"),
        )
    },
    "SearchFoundationAssemblyLoaderKBNotInstalled": {
        "pass": Case(facts={"os.current_build": "7601", "file.kernel32_dll": _file("kernel32.dll", "6.1.7601.17617")}),
        "fail": Case(facts={"os.current_build": "7600", "file.kernel32_dll": _file("kernel32.dll", "6.1.7600.16385")}),
        "not_applicable": Case(),
        "unknown": Case(facts={"os.current_build": "7601", "file.kernel32_dll": UNREADABLE}),
    },
    "SpeechRedistMsi": {
        "pass": Case(), "fail": Case(facts={"ucma.speech_assembly": False}),
        "not_applicable": Case(facts={"ucma.version": ABSENT, "ucma.speech_assembly": False}),
        "unknown": unreadable("ucma.speech_assembly"),
    },
    "Win7WindowsIdentityFoundationUpdateNotInstalled": {
        "pass": Case(facts={"os.current_build": "7601"}),
        "fail": Case(facts={"os.current_build": "7601", "wif.v35": False}),
        "not_applicable": Case(facts={"wif.v35": False}),
        "unknown": Case(facts={"os.current_build": "7601", "wif.v35": UNREADABLE}),
    },
    "Win8WindowsIdentityFoundationUpdateNotInstalled": {
        "pass": Case(facts={"os.current_build": "9200"}),
        "fail": Case(facts={"os.current_build": "9200", "wif.v35": False}),
        "not_applicable": Case(facts={"wif.v35": False}),
        "unknown": Case(facts={"os.current_build": "9200", "wif.v35": UNREADABLE}),
    },
    "RebootPending": {
        "pass": Case(facts={"reboot.pending": ["windows_update_reboot_required", "cbs_reboot_pending"]}),
        "fail": Case(facts={"reboot.pending": ["update_exe_volatile"]}),
        "not_applicable": EVERYWHERE, "unknown": unreadable("reboot.pending"),
    },
    "PendingRebootWindowsComponents": {
        "pass": Case(facts={"reboot.pending": ["pending_file_rename"]}),
        "fail": Case(facts={"reboot.pending": ["cbs_reboot_pending"]}),
        "not_applicable": EVERYWHERE, "unknown": unreadable("reboot.pending"),
    },
    "ExchangeAlreadyInstalled": {
        "pass": Case(facts={"exchange.setup": {"newest_build": None, "services": "C:\\x", "msi_install_path": None}}),
        "fail": Case(facts={"exchange.setup": {"newest_build": 6944, "services": "C:\\Exchsrvr",
                                               "msi_install_path": None}}),
        "not_applicable": EVERYWHERE, "unknown": unreadable("exchange.setup"),
    },
    "Exchange2013AnyOnExchange2010Server": {
        "pass": Case(facts={"exchange.legacy_roles": [{"product": "2010", "key": "AdminTools",
                                                        "unpacked_version": None}]}),
        "fail": Case(facts={"exchange.legacy_roles": [{"product": "2010", "key": "MailboxRole",
                                                        "unpacked_version": "14.3.123.4"}]}),
        "not_applicable": NoNotApplicable("an Exchange 2013 rule that applies to every role"),
        "unknown": unreadable("exchange.legacy_roles"),
    },
    "Exchange2013AnyOnExchange2007Server": {
        "pass": Case(facts={"exchange.legacy_roles": [{"product": "2010", "key": "MailboxRole",
                                                        "unpacked_version": "14.3.123.4"}]}),
        "fail": Case(facts={"exchange.legacy_roles": [{"product": "2007", "key": "Hygiene",
                                                        "unpacked_version": "8.3.83.6"}]}),
        "not_applicable": NoNotApplicable("an Exchange 2013 rule that applies to every role"),
        "unknown": unreadable("exchange.legacy_roles"),
    },
    "ConfigDCHostNameMismatch": {
        "pass": Case(), "fail": Case(facts={"exchange.adaccess_config_dc": "dc9.contoso.test"}),
        "not_applicable": EVERYWHERE, "unknown": unreadable("exchange.adaccess_config_dc"),
    },
    "ADAMDataPathExists": {
        "pass": Case(facts={"exchange.edge_adam_data_path": {"path": "D:\\Adam", "exists": False}}),
        "fail": Case(facts={"exchange.edge_adam_data_path": {"path": "D:\\Adam", "exists": True}}),
        "not_applicable": NoNotApplicable("checked on every Edge Transport install"),
        "unknown": unreadable("exchange.edge_adam_data_path"),
    },
    "FqdnMissing": {
        "pass": Case(), "fail": Case(facts={"computer.domain": ABSENT}),
        "not_applicable": NoNotApplicable("checked on every Edge Transport install"),
        "unknown": unreadable("computer.domain"),
    },
    "ComputerNotPartofDomain": {
        "pass": Case(), "fail": Case(facts={"computer.domain_role": 2}),
        "not_applicable": NoNotApplicable("checked on every install of the domain roles"),
        "unknown": unreadable("computer.domain_role"),
    },
    "WarningInstallExchangeRolesOnDomainController": {
        "pass": Case(), "fail": Case(facts={"computer.domain_role": 5}),
        "not_applicable": NoNotApplicable("checked on every Mailbox and Client Access install"),
        "unknown": unreadable("computer.domain_role"),
    },
    "InvalidADSite": {
        "pass": Case(), "fail": Case(facts={"computer.ad_site": ABSENT}),
        "not_applicable": Case(facts={"computer.domain_role": 2, "computer.ad_site": ABSENT}),
        "unknown": unreadable("computer.ad_site"),
    },
    "LocalComputerIsDCInChildDomain": {
        "pass": Case(facts={"computer.domain_role": 5, "computer.gc_ready": False}, org=PREPARED),
        "fail": Case(facts={"computer.domain_role": 4, "computer.gc_ready": False,
                            "computer.domain": "emea.contoso.test"}, org=PREPARED),
        "not_applicable": Case(),
        "unknown": Case(facts={"computer.domain_role": 4, "computer.gc_ready": False,
                               "computer.domain": "emea.contoso.test"}, reason="needs_active_directory"),
    },
    "PowerShellExecutionPolicyCheckSet": {
        "pass": Case(facts={"policy.gpo_machine": ABSENT, "policy.gpo_user": {"account": "CONTOSO\\exsetup",
                                                                               "policy": None}}, installer=ADMIN),
        "fail": Case(facts={"policy.gpo_machine": {"enable_scripts": 0, "execution_policy": "RemoteSigned"}}),
        "not_applicable": EVERYWHERE, "unknown": unreadable("policy.gpo_machine"),
    },
    "Iis32BitMode": {
        "pass": Case(), "fail": Case(facts={"iis.app_pool_32bit": True}),
        "not_applicable": Case(facts={"iis.app_pool_32bit": ABSENT}),
        "unknown": unreadable("iis.app_pool_32bit"),
    },
    **{
        rid: {
            "pass": Case(), "fail": Case(facts={"iis.components": _components(**{value: 0})}),
            "not_applicable": NoNotApplicable("checked on every install of the roles it lists"),
            "unknown": unreadable("iis.components"),
        }
        for rid, value in IIS_VALUES.items()
    },
    **{
        rid: {
            "pass": Case(facts={"os.current_build": "7601"}),
            "fail": Case(facts={"os.current_build": "7601", "iis.components": _components(**{value: 0})}),
            "not_applicable": Case(facts={"iis.components": _components(**{value: 0})}),
            "unknown": Case(facts={"os.current_build": "7601", "iis.components": UNREADABLE}),
        }
        for rid, value in IIS_2008R2.items()
    },
    **{
        rid: {
            "pass": Case(), "fail": Case(facts={"windows.features": {**FEATURES, feature: False}}),
            "not_applicable": Case(facts={"os.current_build": "7601", "windows.features": {**FEATURES, feature: None}}),
            "unknown": unreadable("windows.features"),
        }
        for rid, feature in FEATURES_NT62.items()
    },
    **{
        rid: {
            "pass": Case(), "fail": Case(facts={"windows.features": {**FEATURES, feature: False}}),
            "not_applicable": NoNotApplicable("checked on every Mailbox and Client Access install, on every OS"),
            "unknown": unreadable("windows.features"),
        }
        for rid, feature in FEATURES_ANY_OS.items()
    },
    "ServerGuiMgmtInfraNotInstalled": {
        "pass": Case(), "fail": Case(facts={"windows.features": {**FEATURES, "Server-Gui-Mgmt-Infra": False}}),
        "not_applicable": Case(facts={"os.current_build": "14393"}, version="2016"),
        "unknown": unreadable("windows.features"),
    },
    "WinRMIISExtensionInstalled": {
        "pass": Case(), "fail": Case(facts={"windows.features": {**FEATURES, "WinRM-IIS-Ext": True}}),
        "not_applicable": NoNotApplicable("checked on every install of the roles it lists"),
        "unknown": unreadable("windows.features"),
    },
    **{
        rid: {
            "pass": Case(), "fail": Case(facts={"services.status": {**STATUS, svc: "Stopped"}}),
            "not_applicable": NoNotApplicable("checked on every install of the roles it lists"),
            "unknown": Case(facts={"services.status": {k: v for k, v in STATUS.items() if k != svc}},
                            reason="fact_missing"),
        }
        for rid, svc in (("EventSystemStopped", "EventSystem"), ("MSDTCStopped", "MSDTC"), ("MpsSvcStopped", "MpsSvc"))
    },
    **{
        rid: {
            "pass": Case(facts={"services.start": {**START, **ok}}),
            "fail": Case(facts={"services.start": {**START, **bad}}),
            "not_applicable": NoNotApplicable("checked on every install of the roles it lists"),
            "unknown": unreadable("services.start"),
        }
        for rid, ok, bad in (
            ("W3SVCDisabledOrNotInstalled", {"W3SVC": 3}, {"W3SVC": None}),
            ("ShouldReRunSetupForW3SVC", {"W3SVC": 2}, {"W3SVC": 3}),
            ("SMTPSvcInstalled", {"SMTPSVC": None}, {"SMTPSVC": 4}),
            ("ClusSvcInstalledRoleBlock", {"ClusSvc": 3}, {"ClusSvc": 2}),
            ("WinRMServiceDisabledOrNotInstalled", {"WinRM": 3}, {"WinRM": 4}),
            ("WindowsInstallerServiceDisabledOrNotInstalled", {"msiserver": 3}, {"msiserver": 0}),
            ("NetTcpPortSharingSvcNotAuto", {"NetTcpPortSharing": 2}, {"NetTcpPortSharing": 3}),
        )
    },
    # ---- the installing account ---------------------------------------------------------------------
    "NotLocalAdmin": {
        "pass": Case(installer=ADMIN),
        "fail": Case(installer=DELEGATE),
        "not_applicable": EVERYWHERE,
        "unknown": missing_installer(),
    },
    "LoggedOntoDomain": {
        "pass": Case(installer=ADMIN),
        "fail": Case(installer={**DELEGATE, "account": "EX01\\setup", "prefix": "EX01", "found": False}),
        "not_applicable": NoNotApplicable("checked on every install of the domain roles"),
        "unknown": missing_installer(),
    },
    "SchemaUpdateRequired": {
        "pass": Case(org=GREENFIELD, installer=ADMIN),
        "fail": Case(org=GREENFIELD, installer=DELEGATE),
        "not_applicable": NoNotApplicable("an up-to-date schema is a pass: Setup has nothing to ask the account"),
        "unknown": missing_installer(org=GREENFIELD),
    },
    "GlobalUpdateRequired": {
        "pass": Case(org=PREPARED),
        "fail": Case(org=GREENFIELD, installer=DELEGATE),
        "not_applicable": NoNotApplicable("a prepared organisation is a pass"),
        "unknown": missing_installer(org=GREENFIELD),
    },
    "LocalDomainPrep": {
        "pass": Case(org=GREENFIELD, installer=ADMIN),
        "fail": Case(org=GREENFIELD, installer=DELEGATE),
        "not_applicable": NoNotApplicable("a prepared domain is a pass"),
        "unknown": Case(org=GREENFIELD, installer=ADMIN, facts={"computer.domain": "other.test"},
                        reason="fact_missing"),
    },
    **{
        rid: {
            "pass": Case(org=PREPARED),
            "fail": Case(org=GREENFIELD, installer=DELEGATE, version=version),
            "not_applicable": (Case(org=GREENFIELD, installer=DELEGATE, version="2019") if rid.startswith(
                "DelegatedUnified") else NoNotApplicable("checked on every install of the role it names")),
            "unknown": missing_installer(org=GREENFIELD, version=version),
        }
        for rid, version in (
            ("DelegatedMailboxFirstInstall", "2016"), ("DelegatedBridgeheadFirstInstall", "2013"),
            ("DelegatedClientAccessFirstInstall", "2013"), ("DelegatedUnifiedMessagingFirstInstall", "2016"),
            ("DelegatedCafeFirstInstall", "2013"), ("DelegatedFrontendTransportFirstInstall", "2019"),
        )
    },
    "GlobalServerInstall": {
        "pass": Case(org=PREPARED, installer=ADMIN),
        "fail": Case(org=PREPARED, installer=DELEGATE),
        "not_applicable": NoNotApplicable("checked on every Mailbox and Client Access install"),
        "unknown": Case(org={**PREPARED, "ad.exchange_servers": [server("EX01", "Version 15.0 (Build 31497.2)", 4096,
                                                                         "15.0.1497.2")]},
                        installer=DELEGATE, reason="fact_missing"),
    },
    # ---- organisation-level warnings and the schema master --------------------------------------------
    "NoE12ServerWarning": {
        "pass": Case(org={**GREENFIELD, "ad.exchange_servers": [E2007]}),
        "fail": Case(org=GREENFIELD),
        "not_applicable": Case(org=PREPARED),
        "unknown": Case(reason="needs_active_directory"),
    },
    "NoE14ServerWarning": {
        "pass": Case(org={**GREENFIELD, "ad.exchange_servers": [E2010]}),
        "fail": Case(org=GREENFIELD, version="2016"),
        "not_applicable": Case(org=GREENFIELD, version="2019"),
        "unknown": Case(reason="needs_active_directory"),
    },
    "NoE15ServerWarning": {
        "pass": Case(org={**GREENFIELD, "ad.exchange_servers": [E2013_CU10]}, version="2016"),
        "fail": Case(org=GREENFIELD, version="2019"),
        "not_applicable": Case(org={**PREPARED, "ad.exchange_org": {**ORG, "object_version": 16763},
                                    "ad.exchange_schema_version": 17003}, version="2019"),
        "unknown": Case(reason="needs_active_directory", version="2016"),
    },
    "NotInSchemaMasterDomain": {
        "pass": Case(org=GREENFIELD),
        "fail": Case(org=GREENFIELD, facts={"computer.domain": "emea.contoso.test"}),
        "not_applicable": Case(org=PREPARED),
        "unknown": Case(reason="needs_active_directory"),
    },
    "NotInSchemaMasterSite": {
        "pass": Case(org=GREENFIELD),
        "fail": Case(org=GREENFIELD, facts={"computer.ad_site": "Lyon-DR"}),
        "not_applicable": Case(org=PREPARED),
        "unknown": Case(org={**GREENFIELD, "ad.computers": []}, reason="fact_missing"),
    },
}

# ---- the seed rules and the rules judged from Active Directory (their owners test them in depth too) --
E2003 = server("EX2003", "Version 6.5 (Build 7638.2: Service Pack 2)", 0, None)


def v15(key: str, configured: str | None = "15.0.1497.2") -> list[dict[str, Any]]:
    return [{"key": key, "action": None, "watermark": None, "unpacked_version": configured,
             "configured_version": configured}]


def _with_server(roles: int) -> dict[str, Any]:
    return {**PREPARED, "ad.exchange_servers": [server("EX01", "Version 15.0 (Build 31497.2)", roles, "15.0.1497.2")]}


CASES.update({
    "Win7RpcHttpAssocCookieGuidUpdateNotInstalled": {
        "pass": Case(facts={"os.current_build": "7601", "file.rpchttp_dll": _file("rpchttp.dll", "6.1.7601.21855"),
                            "file.rpcrt4_dll": _file("rpcrt4.dll", "6.1.7601.21855")}),
        "fail": Case(facts={"os.current_build": "7601", "file.rpchttp_dll": _file("rpchttp.dll", "6.1.7601.17514"),
                            "file.rpcrt4_dll": _file("rpcrt4.dll", "6.1.7601.17514")}),
        "not_applicable": Case(),
        "unknown": Case(facts={"os.current_build": "7601", "file.rpchttp_dll": UNREADABLE}),
    },
    "UcmaRedistMsi": {
        "pass": Case(), "fail": Case(facts={"ucma.version": "5.0.8132.0"}),
        "not_applicable": NoNotApplicable("checked on every install of the roles it lists"),
        "unknown": unreadable("ucma.version"),
    },
    "InstallWatermark": {
        "pass": Case(facts={"exchange.v15.roles": v15("AdminTools")}),
        "fail": Case(facts={"exchange.v15.roles": [{**v15("MailboxRole", None)[0], "action": "Install",
                                                     "watermark": "Microsoft.Exchange.Management.Deployment.X"}]}),
        "not_applicable": EVERYWHERE, "unknown": unreadable("exchange.v15.roles"),
    },
    **{
        rid: {
            "pass": Case(org=PREPARED),
            "fail": Case(org=_with_server(bit), facts={"exchange.v15.roles": v15(key)}),
            "not_applicable": Case(org={**PREPARED, "ad.exchange_org": ABSENT}),
            "unknown": Case(reason="needs_active_directory"),
        }
        for rid, bit, key in (("CafeRoleAlreadyExists", 1, "CafeRole"),
                              ("MailboxRoleAlreadyExists", 2, "MailboxRole"),
                              ("ClientAccessRoleAlreadyExists", 4, "ClientAccessRole"),
                              ("UnifiedMessagingRoleAlreadyExists", 16, "UnifiedMessagingRole"),
                              ("BridgeheadRoleAlreadyExists", 32, "HubTransportRole"))
    },
    "RusMissing": {
        "pass": Case(org=PREPARED),
        "fail": Case(org={**PREPARED, "ad.exchange_servers": [E2003], "ad.rus": []}),
        "not_applicable": NoNotApplicable("an organisation without Exchange 2000/2003 passes"),
        "unknown": Case(reason="needs_active_directory"),
    },
    "Exchange2000or2003PresentInOrg": {
        "pass": Case(org=PREPARED), "fail": Case(org={**PREPARED, "ad.exchange_servers": [E2003]}),
        "not_applicable": Case(org=GREENFIELD), "unknown": Case(reason="needs_active_directory"),
    },
    "ForestLevelNotWin2012R2": {
        "pass": Case(org=PREPARED), "fail": Case(org={**PREPARED, "ad.forest": {**FOREST, "functional_level": 4}}),
        "not_applicable": NoNotApplicable("every forest has a functional level"),
        "unknown": Case(org={**PREPARED, "ad.forest": {**FOREST, "functional_level": None}}, reason="fact_unreadable"),
    },
    "MsDSBehaviorVersionRequirement": {
        "pass": Case(org={**PREPARED, "ad.forest": {**FOREST, "functional_level": 4}}),
        "fail": Case(org={**PREPARED, "ad.forest": {**FOREST, "functional_level": 3}}),
        "not_applicable": NoNotApplicable("every forest has a functional level"),
        "unknown": Case(org={**PREPARED, "ad.forest": UNREADABLE}, reason="fact_unreadable"),
    },
    "ForestLevelNotWin2003Native": {
        "pass": Case(org=PREPARED), "fail": Case(org={**PREPARED, "ad.forest": {**FOREST, "functional_level": 1}}),
        "not_applicable": NoNotApplicable("every forest has a functional level"),
        "unknown": Case(org={**PREPARED, "ad.forest": {**FOREST, "functional_level": None}}, reason="fact_unreadable"),
    },
    "E15E12CoexistenceMinVersionRequirement": {
        "pass": Case(org={**PREPARED, "ad.exchange_servers": [E2007]}),
        "fail": Case(org={**PREPARED, "ad.exchange_servers": [server("OLD07", "Version 8.1 (Build 30240.6)", 54,
                                                                     "8.1.240.6")]}),
        "not_applicable": Case(org=PREPARED), "unknown": Case(reason="needs_active_directory"),
    },
    "E15E14CoexistenceMinMajorVersionRequirement": {
        "pass": Case(org={**PREPARED, "ad.exchange_servers": [E2010]}),
        "fail": Case(org={**PREPARED, "ad.exchange_servers": [server("OLD10", "Version 14.2 (Build 30247.5)", 54,
                                                                     "14.2.247.5")]}),
        "not_applicable": Case(org=PREPARED), "unknown": Case(reason="needs_active_directory"),
    },
    "E15E14CoexistenceMinVersionRequirement": {
        "pass": Case(org={**PREPARED, "ad.exchange_servers": [E2010]}),
        "fail": Case(org={**PREPARED, "ad.exchange_servers": [server("OLD10", "Version 14.3 (Build 30052.1)", 54,
                                                                     "14.3.52.1")]}),
        "not_applicable": Case(org=PREPARED), "unknown": Case(reason="needs_active_directory"),
    },
    "E16E12CoexistenceMinVersionRequirement": {
        "pass": Case(org=PREPARED), "fail": Case(org={**PREPARED, "ad.exchange_servers": [E2007]}),
        "not_applicable": NoNotApplicable("an organisation without Exchange 2007 passes"),
        "unknown": Case(reason="needs_active_directory"),
    },
    "E19E14CoexistenceRequirement": {
        "pass": Case(org=PREPARED), "fail": Case(org={**PREPARED, "ad.exchange_servers": [E2010]}),
        "not_applicable": NoNotApplicable("an organisation without Exchange 2010 passes"),
        "unknown": Case(reason="needs_active_directory"),
    },
    "DomainPrepRequired": {
        "pass": Case(org=PREPARED),
        "fail": Case(org={**PREPARED, "ad.domains": [*DOMAINS, {"dns_name": "emea.contoso.test", "dn": "DC=emea",
                                                                 "netbios": "EMEA", "functional_level": 7,
                                                                 "mesos_object_version": None}]},
                     facts={"computer.domain": "emea.contoso.test"}),
        "not_applicable": Case(org=PREPARED, facts={"computer.domain": ABSENT}),
        "unknown": Case(reason="needs_active_directory"),
    },
    "ExchangeAdSetupLevel": {
        "pass": Case(org=PREPARED), "fail": Case(org=GREENFIELD),
        "not_applicable": NoNotApplicable("every forest is either prepared for the target CU or not"),
        "unknown": Case(reason="needs_active_directory"),
    },
})

# ---- the catalog's other Active Directory rules ---------------------------------------------------------
MODES = [{"domain": "contoso.test", "dn": "DC=contoso,DC=test", "mixed": 0}]
POLICY = {"name": "Default Policy", "gateway_proxy": ["SMTP:@contoso.com", "smtp:@contoso.test"],
          "disabled_gateway_proxy": [], "non_authoritative_domains": []}
SPLIT_OFF = {"ewp": "CN=Exchange Windows Permissions", "ets": "CN=Exchange Trusted Subsystem",
             "ets_member_of_ewp": True}
AD_EXTRA = {"ad.adc_connectors": [], "ad.meso_containers": [{"domain": "contoso.test", "count": 1, "dns": ["CN=MESO"]}],
            "ad.domain_modes": MODES, "ad.schema_master_os": {"dns_host_name": "par-dc01.contoso.test",
                                                               "computer": "CN=PAR-DC01", "os_version": "10.0 (17763)",
                                                               "service_pack": None},
            "ad.recipient_policy": POLICY, "ad.oabs": [{"name": "Default Offline Address Book",
                                                        "offline_ab_servers": ["CN=EXOLD,CN=Servers"]}],
            "ad.split_permissions": SPLIT_OFF, "ad.exchange_server_sites": [{"name": "EXOLD", "site": "Paris-HQ"}],
            "ad.rodcs": [],
            # a contoso.test zone holding EX01 and the demo's first Paris servers; one writable GC, in Paris-HQ
            "ad.dns_zones": [{"zone": "contoso.test", "partition": "DomainDnsZones", "dn": "DC=contoso.test",
                              "nodes": {"ex01": [1], **{f"par-srv{i:02d}": [1] for i in range(1, 9)}}}],
            "ad.site_dcs": [{"server": "PAR-DC01", "dns_host_name": "par-dc01.contoso.test", "site": "Paris-HQ",
                             "gc": True, "read_only": False, "domain": "DC=contoso,DC=test"}],
            "ad.admin_group_acl": {"organization": ORG["dn"], "admin_groups": [
                {"dn": "CN=Exchange Administrative Group (FYDIBOHF23SPDLT)",
                 "name": "Exchange Administrative Group (FYDIBOHF23SPDLT)", "dacl_protected": False}],
                "setup_lookup": {"base": "CN=Administrative Groups,CN=Exchange Administrative Group", "found": None,
                                 "dacl_protected": None}}}
PREPARED.update(AD_EXTRA)
DC = {"computer.domain_role": 5, "os.product_type": "LanmanNT", "computer.gc_ready": True}

CASES.update({
    "HostRecordMissing": {
        "pass": Case(org=PREPARED),
        "fail": Case(org=PREPARED, facts={"computer.name": "EX77"}),
        "not_applicable": Case(org=PREPARED, facts={"computer.domain": ABSENT}),
        "unknown": Case(org=PREPARED, facts={"computer.domain": "fabrikam.example"}, reason="fact_missing"),
    },
    "DomainControllerIsOutOfSite": {
        "pass": Case(org=PREPARED),
        "fail": Case(org=PREPARED, facts={"computer.ad_site": "Lyon-DR"}),
        "not_applicable": Case(org=PREPARED, facts={"computer.ad_site": ABSENT}),
        "unknown": Case(org={**PREPARED, "ad.site_dcs": UNREADABLE}, reason="fact_unreadable"),
    },
    "InhBlockPublicFolderTree": {
        "pass": Case(org=PREPARED),
        "fail": Case(org={**PREPARED, "ad.admin_group_acl": {
            "organization": ORG["dn"], "admin_groups": [{"dn": "CN=AG", "name": "AG", "dacl_protected": False}],
            "setup_lookup": {"base": "CN=Administrative Groups,CN=AG", "found": "CN=PF,CN=Administrative Groups,CN=AG",
                             "dacl_protected": True}}}),
        "not_applicable": Case(org={**PREPARED, "ad.admin_group_acl": ABSENT}),
        "unknown": Case(org={**PREPARED, "ad.admin_group_acl": UNREADABLE}, reason="fact_unreadable"),
    },
    "AdcFound": {
        "pass": Case(org=PREPARED), "fail": Case(org={**PREPARED, "ad.adc_connectors": ["CN=ADC1,CN=Sites"]}),
        "not_applicable": NoNotApplicable("every forest either has connector objects or not"),
        "unknown": Case(org={**PREPARED, "ad.adc_connectors": UNREADABLE}, reason="fact_unreadable"),
    },
    "AdInitErrorRule": {
        "pass": Case(org=PREPARED),
        "fail": Case(org={**PREPARED, "ad.meso_containers": [{"domain": "contoso.test", "count": 2, "dns": []}]}),
        "not_applicable": NoNotApplicable("every domain member's domain is counted"),
        "unknown": Case(org={**PREPARED, "ad.meso_containers": [{"domain": "contoso.test", "count": None,
                                                                  "error": "referral"}]}, reason="fact_unreadable"),
    },
    "RootDomainModeMixed": {
        "pass": Case(org=PREPARED), "fail": Case(org={**PREPARED, "ad.domain_modes": [{**MODES[0], "mixed": 1}]}),
        "not_applicable": NoNotApplicable("every forest has a root domain"),
        "unknown": Case(reason="needs_active_directory"),
    },
    "LocalDomainModeMixed": {
        "pass": Case(org=PREPARED), "fail": Case(org={**PREPARED, "ad.domain_modes": [{**MODES[0], "mixed": 1}]}),
        "not_applicable": NoNotApplicable("every domain member's domain has a mode"),
        "unknown": Case(org=PREPARED, facts={"computer.domain": "other.test"}, reason="fact_missing"),
    },
    "SchemaFSMONotWin2003SPn": {
        "pass": Case(org=PREPARED),
        "fail": Case(org={**PREPARED, "ad.schema_master_os": {"dns_host_name": "old", "computer": "CN=OLD",
                                                               "os_version": "5.2 (3790)",
                                                               "service_pack": "Service Pack 1"}}),
        "not_applicable": NoNotApplicable("every forest has a schema master"),
        "unknown": Case(org={**PREPARED, "ad.schema_master_os": {"dns_host_name": "x", "computer": None,
                                                                  "os_version": None, "service_pack": None}},
                        reason="fact_unreadable"),
    },
    "ServerFQDNMatchesSMTPPolicy": {
        "pass": Case(org=PREPARED),
        "fail": Case(org={**PREPARED, "ad.recipient_policy": {**POLICY, "gateway_proxy": ["SMTP:@ex01.contoso.test"]}}),
        "not_applicable": Case(org={**PREPARED, "ad.recipient_policy": ABSENT}),
        "unknown": Case(reason="needs_active_directory"),
    },
    "SmtpAddressLiteral": {
        "pass": Case(org=PREPARED),
        "fail": Case(org={**PREPARED, "ad.recipient_policy": {**POLICY, "gateway_proxy": ["smtp:@[192.0.2.1]"]}}),
        "not_applicable": Case(org={**PREPARED, "ad.recipient_policy": ABSENT}),
        "unknown": Case(reason="needs_active_directory"),
    },
    "OffLineABServerDeleted": {
        "pass": Case(org=PREPARED),
        "fail": Case(org={**PREPARED, "ad.oabs": [{"name": "OAB", "offline_ab_servers": [
            "CN=EX9\\0ADEL:1234,CN=Deleted Objects"]}]}),
        "not_applicable": Case(org={**PREPARED, "ad.oabs": []}),
        "unknown": Case(reason="needs_active_directory"),
    },
    "InstallOnDCInADSplitPermissionMode": {
        "pass": Case(org=PREPARED, facts=DC),
        "fail": Case(org={**PREPARED, "ad.split_permissions": {**SPLIT_OFF, "ets_member_of_ewp": False}}, facts=DC),
        "not_applicable": Case(org=PREPARED),
        "unknown": Case(facts=DC, reason="needs_active_directory"),
    },
    "ComputerRODC": {
        "pass": Case(org=PREPARED, facts=DC),
        "fail": Case(org={**PREPARED, "ad.rodcs": ["EX01"]}, facts=DC),
        "not_applicable": Case(org=PREPARED),
        "unknown": Case(facts=DC, reason="needs_active_directory"),
    },
    **{
        rid: {
            "pass": Case(org=PREPARED),
            "fail": Case(org={**PREPARED, "ad.exchange_server_sites": [{"name": "EXOLD", "site": "Lyon-DR"}]}),
            "not_applicable": Case(org=PREPARED, facts={"computer.ad_site": ABSENT}),
            "unknown": Case(reason="needs_active_directory"),
        }
        for rid in ("BridgeheadRoleNotPresentInSite", "ClientAccessRoleNotPresentInSite")
    },
    "E16E15CoexistenceMinVersionRequirement": {
        "pass": Case(org={**PREPARED, "ad.exchange_servers": [E2013_CU10]}, version="2016"),
        "fail": Case(org={**PREPARED, "ad.exchange_servers": [server("EX13", "Version 15.0 (Build 31104.5)", 16439,
                                                                     "15.0.1104.5")]}, version="2019"),
        "not_applicable": Case(org={**PREPARED, "ad.exchange_servers": [E2010]}, version="2016"),
        "unknown": Case(version="2016", reason="needs_active_directory"),
    },
    "E16E14CoexistenceMinVersionRequirement": {
        "pass": Case(org={**PREPARED, "ad.exchange_servers": [server("EX10", "Version 14.3 (Build 30266.2)", 54,
                                                                     "14.3.266.2")]}, version="2016"),
        "fail": Case(org={**PREPARED, "ad.exchange_servers": [server("EX10", "Version 14.2 (Build 30247.5)", 54,
                                                                     "14.2.247.5")]}, version="2016"),
        "not_applicable": Case(org={**PREPARED, "ad.exchange_servers": [E2010]}, version="2019"),
        "unknown": Case(org={**PREPARED, "ad.exchange_servers": UNREADABLE}, version="2016", reason="fact_unreadable"),
    },
})

# ---- Setup rules of the 2013 engine and the 2016/2019 logs (accounted for in setup_rules.yaml) -------------
# The facts these rules read beyond the simulator's baseline, on a healthy host.
SETUP_HEALTHY: dict[str, Any] = {
    "computer.dns_hostname": "EX01", "computer.nv_domain": "contoso.test", "ps.clr_version": "4.0.30319.42000",
    "netfx3.http_activation": True, "services.start": {**START, "RemoteRegistry": 2},
    "file.wmspdmod_dll": _file("wmspdmod.dll", "12.0.9600.17415"),
    "file.wmspdmoe_dll": _file("wmspdmoe.dll", "12.0.9600.17415"),
}
WS2008R2 = {**SETUP_HEALTHY, "os.current_build": "7601",
            "windows.features": {"NET-Framework": True, "RSAT-Web-Server": True, "NET-HTTP-Activation": True}}
E2016 = server("EX16", "Version 15.1 (Build 32507.6)", 16439, "15.1.2507.6")
E2019 = server("EX19", "Version 15.2 (Build 31544.4)", 16439, "15.2.1544.4")


def _setup(**facts: Any) -> dict[str, Any]:
    return {**SETUP_HEALTHY, **facts}


def _role_key(key: str, unpacked: str | None, configured: str | None) -> dict[str, Any]:
    return {"key": key, "action": None, "watermark": None, "unpacked_version": unpacked,
            "configured_version": configured}


CASES.update({
    "ComputerNameDiscrepancy": {
        "pass": Case(facts=_setup(**{"computer.dns_hostname": "ex01"})),
        "fail": Case(facts=_setup(**{"computer.dns_hostname": "ex01-new"})),
        "not_applicable": EVERYWHERE,
        "unknown": Case(facts=_setup(**{"computer.dns_hostname": UNREADABLE})),
    },
    "DNSDomainNameNotValid": {
        "pass": Case(facts=_setup()),
        "fail": Case(facts=_setup(**{"computer.nv_domain": "contoso_corp.test"})),
        "not_applicable": EVERYWHERE,
        "unknown": Case(facts=_setup(**{"computer.nv_domain": UNREADABLE})),
    },
    "ServerNameNotValid": {
        "pass": Case(facts=_setup()),
        "fail": Case(facts=_setup(**{"computer.name": "EX_01"})),
        "not_applicable": NoNotApplicable("Setup checks the name on every Mailbox and Client Access install"),
        "unknown": Case(facts=_setup(**{"computer.name": UNREADABLE})),
    },
    **{
        rid: {
            "pass": Case(facts=WS2008R2),
            "fail": Case(facts={**WS2008R2, "windows.features": {"NET-Framework": feature != "NET-Framework",
                                                                  "RSAT-Web-Server": feature != "RSAT-Web-Server"}}),
            "not_applicable": Case(facts=_setup(**{"windows.features": {feature: None}})),
            "unknown": Case(facts={**WS2008R2, "windows.features": UNREADABLE}),
        }
        for rid, feature in (("NETFrameworkNotInstalled", "NET-Framework"),
                             ("RSATWebServerNotInstalled", "RSAT-Web-Server"))
    },
    "HttpActivationInstalled": {
        "pass": Case(facts=WS2008R2),
        "fail": Case(facts={**WS2008R2, "netfx3.http_activation": False}),
        "not_applicable": Case(facts=_setup(**{"netfx3.http_activation": False})),
        "unknown": Case(facts={**WS2008R2, "netfx3.http_activation": UNREADABLE}),
    },
    "LonghornWmspdmoxNotInstalled": {
        "pass": Case(facts=_setup()),
        "fail": Case(facts=_setup(**{"file.wmspdmoe_dll": ABSENT})),
        "not_applicable": Case(facts=_setup(**{"file.wmspdmoe_dll": ABSENT, "reboot.pending": ["cbs_reboot_pending"]})),
        "unknown": Case(facts=_setup(**{"file.wmspdmod_dll": UNREADABLE})),
    },
    "AllServersOfHigherVersionRule": {
        "pass": Case(org={**PREPARED, "ad.exchange_servers": [E2013_MBX, E2016]}),
        "fail": Case(org={**PREPARED, "ad.exchange_servers": [E2016, E2019]}),
        "not_applicable": NoNotApplicable("Setup checks the organisation's servers on every Exchange 2013 install"),
        "unknown": Case(reason="needs_active_directory"),
    },
    "RemoteRegException": {
        "pass": Case(facts=_setup()),
        "fail": Case(facts=_setup(**{"services.start": {**START, "RemoteRegistry": 4}})),
        "not_applicable": EVERYWHERE,
        "unknown": Case(facts=_setup(**{"services.start": START}), reason="fact_missing"),
    },
    **{
        rid: {
            "pass": Case(facts={"exchange.v15.roles": [_role_key(key, "15.0.1497.2", None)]}),
            "fail": Case(facts={"exchange.v15.roles": [_role_key(key, "15.0.1497.2", "15.0.1497.2")]}),
            "not_applicable": NoNotApplicable("Setup reads the role's key on every install of that role"),
            "unknown": unreadable("exchange.v15.roles"),
        }
        for rid, key in (("MailboxMinVersionCheck", "MailboxRole"), ("BridgeheadMinVersionCheck", "HubTransportRole"),
                         ("UnifiedMessagingMinVersionCheck", "UnifiedMessagingRole"),
                         ("GatewayMinVersionCheck", "EdgeTransportRole"))
    },
    "ExreadyWmf4Prerequisite": {
        "pass": Case(facts={**WS2008R2, "ps.version": "4.0"}),
        "fail": Case(facts={**WS2008R2, "ps.version": "2.0", "ps.clr_version": "2.0.50727.5420"}),
        "not_applicable": Case(facts=_setup(**{"ps.version": "2.0"})),
        "unknown": Case(facts={**WS2008R2, "ps.version": UNREADABLE}),
    },
    # Exchange SE (the rules of exready's own for SE; values and sources in scanner/checks/se_sources.py)
    "ExreadySeExchange2013Block": {
        "pass": Case(org={**PREPARED, "ad.exchange_servers": [E2016, E2019]}),
        "fail": Case(org=PREPARED),  # one Exchange 2013 server
        "not_applicable": NoNotApplicable("an organisation without Exchange 2013 passes"),
        "unknown": Case(reason="needs_active_directory"),
    },
    "ExreadySeCoexistenceMinVersion": {
        "pass": Case(org={**PREPARED, "ad.exchange_servers": [E2016, E2019]}),
        "fail": Case(org={**PREPARED, "ad.exchange_servers": [
            server("EX16OLD", "Version 15.1 (Build 32375.7)", 16439, "15.1.2375.7")]}),
        "not_applicable": Case(org=PREPARED),  # Exchange 2013 only: ExreadySeExchange2013Block judges it
        "unknown": Case(reason="needs_active_directory"),
    },
    "ExreadySeInPlaceUpgrade": {
        "pass": Case(),  # no Exchange on the host: a new installation
        "fail": Case(facts={"exchange.v15.roles": [{"key": "MailboxRole", "unpacked_version": "15.1.2507.6",
                                                    "configured_version": "15.1.2507.6"}]}),
        "not_applicable": NoNotApplicable("every host gets a path: new installation, in place, or new server"),
        "unknown": unreadable("exchange.v15.roles"),
    },
    "ExreadyExchangeSupportStatus": {
        "pass": Case(org={**PREPARED, "ad.exchange_servers": [
            server("SE01", "Version 15.2 (Build 32562.17)", 16439, "15.2.2562.17")]}),
        "fail": Case(org={**PREPARED, "ad.exchange_servers": [E2016, E2019]}),
        "not_applicable": Case(org={**PREPARED, "ad.exchange_servers": []}),
        "unknown": Case(reason="needs_active_directory"),
    },
    "NoE16ServerWarning": {
        "pass": Case(org={**GREENFIELD, "ad.exchange_servers": [E2016]}, version="2019"),
        "fail": Case(org={**GREENFIELD, "ad.exchange_servers": [E2013_CU10]}, version="2019"),
        "not_applicable": Case(org={**PREPARED, "ad.exchange_org": {**ORG, "object_version": 16763},
                                    "ad.exchange_schema_version": 17003}, version="2019"),
        "unknown": Case(reason="needs_active_directory", version="2019"),
    },
})

OUTCOMES = ("pass", "fail", "not_applicable", "unknown")
