"""The Setup rules of the 2013 engine and the 2016/2019 logs that exready judged READY before: each on the
facts of the situation Setup refuses, with the evidence the verdict carries."""

from __future__ import annotations

from typing import Any

from rule_kit import ABSENT, Unreadable, judge

from scanner.model.verdict import Status, UnknownReason

E2013 = {"name": "EX13", "dn": "CN=EX13", "serial_number": "Version 15.0 (Build 31497.2)", "roles": 16439,
         "version": "15.0.1497.2", "version_number": None}
E2016 = {**E2013, "name": "EX16", "serial_number": "Version 15.1 (Build 32507.6)", "version": "15.1.2507.6"}
E2019 = {**E2013, "name": "EX19", "serial_number": "Version 15.2 (Build 31544.4)", "version": "15.2.1544.4"}
ORG = {"ad.exchange_org": {"name": "Contoso", "dn": "CN=Contoso", "object_version": 16763}}
SYS32 = "C:\\Windows\\System32\\"


def _file(name: str, version: str) -> dict[str, str]:
    return {"path": SYS32 + name, "version": version}


def test_exchange_2013_into_an_organisation_of_2016_and_2019_servers_is_refused() -> None:
    v = judge("AllServersOfHigherVersionRule", None, {**ORG, "ad.exchange_servers": [E2016, E2019]})
    assert v.status is Status.FAIL
    assert v.evidence["servers"] == ["EX16 (15.1.2507.6)", "EX19 (15.2.1544.4)"]
    # one Exchange 2013 server left lets Exchange 2013 join
    v = judge("AllServersOfHigherVersionRule", None, {**ORG, "ad.exchange_servers": [E2016, E2013]})
    assert v.status is Status.PASS and v.evidence["older"] == ["EX13 (15.0.1497.2)"]
    # a server object without roles does not count, as in Setup's filter
    v = judge("AllServersOfHigherVersionRule", None, {**ORG, "ad.exchange_servers": [{**E2016, "roles": 0}]})
    assert v.status is Status.PASS


def test_windows_media_codecs_missing_block_exchange_2013_and_2016() -> None:
    for version in ("2013", "2016"):
        v = judge("LonghornWmspdmoxNotInstalled",
                  {"reboot.pending": [], "file.wmspdmod_dll": ABSENT,
                   "file.wmspdmoe_dll": _file("wmspdmoe.dll", "10.0.0.3700")}, version=version)
        assert v.status is Status.FAIL, version
        assert v.evidence["wmspdmod.dll"] == "absent" and v.evidence["wmspdmoe.dll"] == "10.0.0.3700"
    v = judge("LonghornWmspdmoxNotInstalled", {"reboot.pending": [], "file.wmspdmod_dll": _file("wmspdmod.dll",
              "10.0.0.3804"), "file.wmspdmoe_dll": _file("wmspdmoe.dll", "10.0.0.4332")})
    assert v.status is Status.PASS


def test_windows_server_2008_r2_without_its_features_and_http_activation() -> None:
    facts: dict[str, Any] = {"os.current_build": "7601", "netfx3.http_activation": False,
                             "windows.features": {"NET-Framework": False, "RSAT-Web-Server": False}}
    for rule in ("NETFrameworkNotInstalled", "RSATWebServerNotInstalled", "HttpActivationInstalled"):
        assert judge(rule, facts).status is Status.FAIL, rule
    # the 2008 R2 names are not asked on Windows Server 2012 R2, where Server Manager does not know them
    later = {"os.current_build": "9600", "netfx3.http_activation": False,
             "windows.features": {"NET-Framework": None, "RSAT-Web-Server": None}}
    for rule in ("NETFrameworkNotInstalled", "RSATWebServerNotInstalled", "HttpActivationInstalled"):
        assert judge(rule, later).status is Status.NOT_APPLICABLE, rule


def test_powershell_2_on_windows_server_2008_r2_lacks_wmf_4() -> None:
    v = judge("ExreadyWmf4Prerequisite", {"os.current_build": "7601", "ps.version": "2.0",
                                          "ps.clr_version": "2.0.50727.5420"})
    assert v.status is Status.FAIL
    assert v.evidence["ps_version"] == "2.0" and v.evidence["clr_version"] == "2.0.50727.5420"
    assert "Windows Management Framework 4.0" in v.detail
    assert judge("ExreadyWmf4Prerequisite", {"os.current_build": "7601", "ps.version": "3.0",
                                             "ps.clr_version": "4.0.30319.42000"}).status is Status.FAIL
    assert judge("ExreadyWmf4Prerequisite", {"os.current_build": "7601", "ps.version": "4.0",
                                             "ps.clr_version": "4.0.30319.42000"}).status is Status.PASS


def test_names_setup_refuses() -> None:
    assert judge("ComputerNameDiscrepancy", {"computer.name": "EX01",
                                             "computer.dns_hostname": "ex01-old"}).status is Status.FAIL
    assert judge("ComputerNameDiscrepancy", {"computer.name": "EX01",
                                             "computer.dns_hostname": "ex01"}).status is Status.PASS
    assert judge("ServerNameNotValid", {"computer.name": "EX_01"}).status is Status.FAIL
    v = judge("DNSDomainNameNotValid", {"computer.domain": "contoso.test", "computer.nv_domain": "contoso_lab.test"})
    assert v.status is Status.FAIL and "NV Domain 'contoso_lab.test'" in v.detail
    # a collector that does not report NV Domain yet: the suffix in effect is still judged
    assert judge("DNSDomainNameNotValid", {"computer.domain": "contoso lab.test"}).status is Status.FAIL
    assert judge("DNSDomainNameNotValid", {"computer.domain": "contoso.test"}).status is Status.PASS


def test_remote_registry_service() -> None:
    def start(value: int | None, build: str = "9600", status: str | None = None) -> Status:
        facts: dict[str, Any] = {"os.current_build": build, "services.start": {"RemoteRegistry": value}}
        if status is not None:
            facts["services.status"] = {"RemoteRegistry": status}
        return judge("RemoteRegException", facts).status

    assert start(4) is Status.FAIL and start(None) is Status.FAIL
    assert start(2) is Status.PASS and start(3) is Status.PASS
    assert start(3, "7601", "Stopped") is Status.FAIL and start(3, "7601", "Running") is Status.PASS
    v = judge("RemoteRegException", {"os.current_build": "7601", "services.start": {"RemoteRegistry": 3}})
    assert v.status is Status.UNKNOWN and v.reason is UnknownReason.FACT_MISSING  # state not reported


def test_role_keys_already_at_the_target_build() -> None:
    def roles(*keys: tuple[str, str | None, str | None]) -> dict[str, Any]:
        return {"exchange.v15.roles": [{"key": k, "action": None, "watermark": None, "unpacked_version": u,
                                        "configured_version": c} for k, u, c in keys]}

    done = roles(("MailboxRole", "15.0.1497.2", "15.0.1497.2"))
    assert judge("MailboxMinVersionCheck", done).status is Status.FAIL
    half = roles(("MailboxRole", "15.0.1497.2", None))  # unpacked, never configured: Setup resumes it
    assert judge("MailboxMinVersionCheck", half).status is Status.PASS
    older = roles(("MailboxRole", "15.0.1473.3", "15.0.1473.3"))  # CU22 under a CU23 target: an upgrade
    assert judge("MailboxMinVersionCheck", older).status is Status.PASS
    # the Hub Transport and Edge keys under their older names
    assert judge("BridgeheadMinVersionCheck", roles(("HubTransportRole", "15.0.1497.2",
                                                     "15.0.1497.2"))).status is Status.FAIL
    assert judge("GatewayMinVersionCheck", roles(("GatewayRole", "15.0.1497.2", "15.0.1497.2"))).status is Status.FAIL
    assert judge("UnifiedMessagingMinVersionCheck", {"exchange.v15.roles": ABSENT}).status is Status.PASS
    assert judge("MailboxMinVersionCheck", {"exchange.v15.roles": Unreadable()}).status is Status.UNKNOWN


def test_windows_identity_foundation_on_windows_server_2012_for_exchange_2016() -> None:
    v = judge("Win8WindowsIdentityFoundationUpdateNotInstalled", {"os.current_build": "9200", "wif.v35": False},
              version="2016")
    assert v.status is Status.FAIL
