"""Sample machines of the simulator's machine model (scanner.simulator.machine) for the read evaluator's
tests: a 2012 R2 Exchange server, a French 2008 R2 on PowerShell 2.0, an empty one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from scanner.simulator.machine import Machine, RegKey, RegValue, SimFile, SimService, dword, key_tree, sz

__all__ = ["Machine", "RegKey", "RegValue", "SimFile", "SimService", "dword", "sz", "tree"]


def tree(entries: Mapping[str, Mapping[str, RegValue]]) -> RegKey:
    """A registry hive from {path: {value name: value}}; every key on a path exists."""
    return key_tree(entries)


CV = "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion"
TCPIP = "SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters"
SYS32 = "C:\\Windows\\System32\\"
APPHOST = """<?xml version="1.0" encoding="UTF-8"?>
<configuration><system.applicationHost><applicationPools>
<applicationPoolDefaults enable32BitAppOnWin64="True" managedRuntimeVersion="v4.0" />
</applicationPools></system.applicationHost></configuration>"""

ADMINS = {"Domain": "EX01", "Name": "Administrators", "SID": "S-1-5-32-544", "LocalAccount": True}


def windows_2012r2() -> Machine:
    """An Exchange 2016 server on Windows Server 2012 R2, PowerShell 5.1."""
    hklm = {
        CV: {"ProductName": sz("Windows Server 2012 R2 Standard"), "CurrentBuild": sz("9600"),
             "SystemRoot": sz("C:\\Windows"), "InstallationType": sz("Server"), "EditionID": sz("ServerStandard"),
             "CurrentType": sz("Multiprocessor Free")},
        "SYSTEM\\CurrentControlSet\\Control\\ProductOptions": {"ProductType": sz("ServerNT")},
        TCPIP: {"Domain": sz("contoso.test"), "Hostname": sz("EX01"), "NV Domain": sz("contoso.test")},
        "SOFTWARE\\Microsoft\\NET Framework Setup\\NDP\\v4\\Full": {"Release": dword(528049)},
        "SOFTWARE\\Microsoft\\UCMA\\{902F4F35-D5DC-4363-8671-D5EF0D26C21D}": {"Version": sz("5.0.8308.0")},
        "SOFTWARE\\Microsoft\\InetStp\\Components": {"W3SVC": dword(1), "ASPNET45": dword(1), "Path": sz("x")},
        "SOFTWARE\\Microsoft\\Windows Identity Foundation\\Setup\\v3.5": {},
        "SOFTWARE\\Microsoft\\ExchangeServer\\v15\\MailboxRole": {
            "UnpackedVersion": sz("15.1.2507.6"), "ConfiguredVersion": sz("15.1.2507.6")},
        "SOFTWARE\\Microsoft\\ExchangeServer\\v15\\Setup": {
            "MsiInstallPath": sz("C:\\Program Files\\Microsoft\\Exchange Server\\V15\\"), "NewestBuild": dword(2507)},
        "SOFTWARE\\Microsoft\\ExchangeServer\\v14\\Setup": {
            "MsiInstallPath": sz("C:\\Program Files\\Microsoft\\Exchange Server\\V14\\")},
        "SOFTWARE\\Microsoft\\ExchangeServer\\v14\\MailboxRole": {"UnpackedVersion": sz("14.3.123.4")},
        "SYSTEM\\CurrentControlSet\\Services\\W3SVC": {"Start": dword(2)},
        "SYSTEM\\CurrentControlSet\\Services\\RemoteRegistry": {"Start": dword(3)},
        "SYSTEM\\CurrentControlSet\\Services\\WinRM": {},
        "SYSTEM\\CurrentControlSet\\Services\\Netlogon\\Parameters": {
            "SiteName": sz(" "), "DynamicSiteName": sz("Default-First-Site-Name")},
        "SYSTEM\\CurrentControlSet\\Control\\Session Manager": {
            "PendingFileRenameOperations": RegValue("REG_MULTI_SZ", ["", ""])},
        "SYSTEM\\CurrentControlSet\\Control\\ComputerName\\ActiveComputerName": {"ComputerName": sz("EX01")},
        "SYSTEM\\CurrentControlSet\\Control\\ComputerName\\ComputerName": {"ComputerName": sz("ex01")},
        "SOFTWARE\\Microsoft\\ServerManager\\ServicingStorage\\ServerComponentCache\\RSAT-Clustering": {
            "InstallState": dword(1)},
        "SOFTWARE\\Microsoft\\ServerManager\\ServicingStorage\\ServerComponentCache\\Web-Server": {
            "InstallState": dword(0)},
        "SOFTWARE\\Policies\\Microsoft\\Windows\\PowerShell": {
            "EnableScripts": dword(1), "ExecutionPolicy": sz("RemoteSigned")},
        "SOFTWARE\\Classes\\Installer\\Assemblies\\Global": {
            'Microsoft.Speech,version="11.0.0.0",culture="neutral",publicKeyToken="31BF3856AD364E35",'
            'processorArchitecture="MSIL"': RegValue("REG_MULTI_SZ", ["x"])},
    }
    return Machine(
        os_caption="Windows Server 2012 R2 Standard", os_build=9600, server_core=False,
        ps_version="5.1.14409.1005", clr_version="4.0.30319.42000", psrp_protocol="2.3", max_envelope_kb=500,
        hklm=tree(hklm),
        hkcu=tree({"SOFTWARE\\Policies\\Microsoft\\Windows\\PowerShell": {"ExecutionPolicy": sz("Restricted")}}),
        files={SYS32 + "rpchttp.dll": SimFile("6.3.9600.17415"), SYS32 + "kernel32.dll": SimFile("6.3.9600.18895"),
               SYS32 + "wmspdmoe.dll": SimFile(None), SYS32 + "discan.dll": SimFile("1.0.0.0", denied=True),
               SYS32 + "inetsrv\\config\\applicationHost.config": SimFile(text=APPHOST),
               "C:\\Program Files\\Microsoft\\Exchange Server\\V14\\bin\\ExSetup.exe": SimFile("14.3.123.4")},
        wmi={"Win32_QuickFixEngineering": ({"HotFixID": "KB2919355"}, {"HotFixID": ""}, {"HotFixID": "KB3000850"}),
             "Win32_ComputerSystem": ({"DomainRole": 3},),
             "Win32_Group": (ADMINS,),
             "Win32_UserAccount": ({"Domain": "CONTOSO", "Name": "setup", "SID": "S-1-5-21-1-2-3-1108"},),
             "Win32_GroupUser": (
                 {"GroupComponent": '\\\\EX01\\root\\cimv2:Win32_Group.Domain="EX01",Name="Administrators"',
                  "PartComponent": '\\\\EX01\\root\\cimv2:Win32_UserAccount.Domain="CONTOSO",Name="setup"'},
                 {"GroupComponent": {"Domain": "EX01", "Name": "Administrators"},
                  "PartComponent": {"Domain": "CONTOSO", "Name": "Domain Admins", "SID": "S-1-5-21-1-2-3-512"}},
                 {"GroupComponent": {"Domain": "EX01", "Name": "Users"},
                  "PartComponent": {"Domain": "CONTOSO", "Name": "Domain Users", "SID": "S-1-5-21-1-2-3-513"}})},
        services={"EventSystem": SimService(2, "Running"), "MSDTC": SimService(2, "Stopped")},
        env={"COMPUTERNAME": "EX01", "USERDOMAIN": "CONTOSO", "USERNAME": "setup"},
    )


def windows_2008r2_french_ps2() -> Machine:
    """A French Windows Server 2008 R2 SP1 not prepared yet: PowerShell 2.0 on CLR 2.0, no component cache;
    WMI names its features in French."""
    base = windows_2012r2()
    hklm = tree({
        CV: {"ProductName": sz("Windows Server 2008 R2 Enterprise"), "CurrentBuild": sz("7601"),
             "SystemRoot": sz("C:\\Windows")},
        TCPIP: {"Domain": sz(""), "Hostname": sz("EX10")},
        "SOFTWARE\\Microsoft\\NET Framework Setup\\NDP\\v3.0\\Setup\\Windows Communication Foundation\\HTTPActivation":
            {},
    })
    features = ({"ID": 2, "ParentID": 0, "Name": "Serveur Web (IIS)"},
                {"ID": 148, "ParentID": 2, "Name": "ASP.NET"},
                {"ID": 36, "ParentID": 0, "Name": "Fonctionnalités de .NET Framework 3.5.1"},
                {"ID": 35, "ParentID": 0, "Name": "Expérience utilisateur"})
    return replace(
        base, os_caption="Windows Server 2008 R2 Enterprise", os_build=7601, ps_version="2.0",
        clr_version="2.0.50727.5420", psrp_protocol="2.1", max_envelope_kb=150, hklm=hklm, hkcu=tree({}),
        files={SYS32 + "rpchttp.dll": SimFile("6.1.7601.17514")},
        wmi={**base.wmi, "Win32_ServerFeature": features},
        env={"COMPUTERNAME": "EX10", "USERDOMAIN": "CONTOSO", "USERNAME": "setup"},
    )


def empty_machine() -> Machine:
    """Nothing there at all (every read finds nothing, or fails)."""
    return Machine(os_caption="", os_build=0, server_core=False, ps_version="5.1", clr_version="4.0.30319.42000",
                   psrp_protocol="2.3", max_envelope_kb=500, hklm=tree({}), hkcu=tree({}), files={}, wmi={},
                   services={}, env={"COMPUTERNAME": "EMPTY"})
