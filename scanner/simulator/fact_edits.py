"""Fact-level overrides of site files (``facts``, ``absent``, ``unreadable``) translated into the machine
edit that makes the collector read that value: ucma.version -> the UCMA product key's Version value,
absent -> that value removed, unreadable -> the key denied, exchange.v15.roles -> subkeys under
ExchangeServer\\v15, windows.features -> Server Manager's component cache (2012 and later) or
Win32_ServerFeature instances (2008 R2), and so on.

The declared reads of scanner.probes.manifest are translated generically (one registry value, key, file,
service or WMI property each); the hand-written parts one by one. ``check_overrides`` then reads the
edited machine as the collector does and refuses any override the machine does not answer as asked
(a value this Windows cannot have): the site file says what a machine is, never what it answers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from scanner.probes.manifest import (
    DECLARED_READS,
    SERVICES_KEY,
    FileVersion,
    Read,
    RegDwordValues,
    RegKeyExists,
    RegValue,
    RegValueNameExists,
    ServiceStart,
    ServiceStatus,
    WmiInt,
    WmiStrings,
)
from scanner.simulator.draft import Draft, EditError, Node, reg_value
from scanner.simulator.factvalue import ABSENT, PRESENT, UNREADABLE, FactValue
from scanner.simulator.machine import RegValue as MRegValue
from scanner.simulator.machine import SimFile

_READS: dict[str, Read] = {r.fact: r for r in DECLARED_READS}
_CV = "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion"
_NETLOGON = "SYSTEM\\CurrentControlSet\\Services\\Netlogon\\Parameters"
_NTDS = "SYSTEM\\CurrentControlSet\\Services\\NTDS\\Parameters"
_V15 = "SOFTWARE\\Microsoft\\ExchangeServer\\v15"
_V14 = "SOFTWARE\\Microsoft\\ExchangeServer\\v14"
_V8 = "SOFTWARE\\Microsoft\\Exchange\\v8.0"
_POLICY = "SOFTWARE\\Policies\\Microsoft\\Windows\\PowerShell"
_CBS = "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\RebootPending"
_WU = "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Auto Update\\RebootRequired"
_SESSION = "SYSTEM\\CurrentControlSet\\Control\\Session Manager"
_ACTIVE_NAME = "SYSTEM\\CurrentControlSet\\Control\\ComputerName\\ActiveComputerName"
_PENDING_NAME = "SYSTEM\\CurrentControlSet\\Control\\ComputerName\\ComputerName"
_UEV = "SOFTWARE\\Microsoft\\Updates\\UpdateExeVolatile"
DENIED = "Requested registry access is not allowed."

# Facts whose value is a table over a fixed list of names the collector reads: an override gives some of
# them, the others keep the machine's own.
PARTIAL_TABLES = frozenset({"services.start", "services.status", "windows.features"})
# Facts kept readable in saved documents but no longer collected: translated, never checked.
RETIRED = frozenset({"policy.execution_policy"})


def apply_fact(d: Draft, name: str, fact: FactValue) -> None:
    """Edit the machine so that the collector reads ``fact`` for ``name``. Raises EditError."""
    special = _SPECIAL.get(name)
    if special is not None:
        special(d, fact)
        return
    read = _READS.get(name)
    if read is None:
        raise EditError(f"{name}: no machine edit gives this fact")
    _apply_read(d, read, fact)


def _regpath(d: Draft, path: str, fact: FactValue, write: Callable[[Node], None],
             absent: Callable[[], None] | None = None) -> None:
    """present: ``write`` into the key; unreadable: the key denied; absent: ``absent()`` (a fact read from
    this key that may be absent must say how)."""
    if fact.status == ABSENT and absent is not None:
        absent()
        return
    if fact.status == UNREADABLE:
        d.ensure(path).denied = True
        return
    node = d.ensure(path)
    node.denied = False
    write(node)


def _value_of(raw: Any) -> MRegValue:
    try:
        return reg_value(raw)
    except EditError as exc:
        raise EditError(f"{exc}") from None


def _apply_read(d: Draft, read: Read, fact: FactValue) -> None:
    status, value = fact.status, fact.value
    match read:
        case RegValue(path=path, name=vname):
            if read.fact == "os.system_root" and status == PRESENT:
                d.move_system_root(str(value))
                return
            if status == ABSENT:
                d.del_value(path, vname)
                return
            _regpath(d, path, fact, lambda n: n.set_value(vname, _value_of(value)))
        case RegKeyExists(path=path):
            if status == PRESENT and not value:
                d.remove_key(path)
            elif status == PRESENT:
                d.ensure(path)
            elif status == UNREADABLE:
                d.ensure(path).denied = True
            else:
                raise EditError(f"{read.fact} is true or false, never absent")
        case RegValueNameExists(path=path, name=vname):
            if status == UNREADABLE:
                d.ensure(path).denied = True
            elif status == PRESENT and value:
                d.set_value(path, vname, "")
            elif status == PRESENT:
                d.del_value(path, vname)
            else:
                raise EditError(f"{read.fact} is true or false, never absent")
        case RegDwordValues(path=path):
            if status == ABSENT:
                d.remove_key(path)
                return

            def dwords(n: Node) -> None:
                for k in [k for k, v in n.values.items() if v.kind == "REG_DWORD"]:
                    n.del_value(k)
                for k, v in _table(value, read.fact).items():
                    n.set_value(str(k), MRegValue("REG_DWORD", int(v)))

            _regpath(d, path, fact, dwords)
        case FileVersion(path=rel):
            if status == ABSENT:
                d.set_file(rel, None)
            elif status == UNREADABLE:
                d.set_file(rel, SimFile(None, None, True))
            else:
                v = _table(value, read.fact)
                given = str(v.get("path") or "")
                if given and given.casefold() != d.path(rel).casefold():
                    raise EditError(f"{read.fact}: the collector reads {d.path(rel)}, not {given}")
                old = d.get_file(rel)
                d.set_file(rel, SimFile(None if v.get("version") is None else str(v["version"]),
                                        old.text if old else None))
        case ServiceStart():
            if status == UNREADABLE:
                d.ensure(SERVICES_KEY).denied = True
                return
            if status == ABSENT:
                raise EditError("services.start is always read (a service that does not exist is null)")
            for svc, start in _table(value, read.fact).items():
                if start is None:
                    d.remove_service(str(svc))
                else:
                    d.set_service(str(svc), start=int(start))
        case ServiceStatus():
            if status != PRESENT:
                raise EditError("services.status comes from the service control manager: it is always read")
            for svc, state in _table(value, read.fact).items():
                if state is None:
                    d.remove_service(str(svc))
                else:
                    d.set_service(str(svc), status=str(state))
        case WmiStrings(wmi_class=cls, prop=prop):
            if status == UNREADABLE:
                d.wmi.pop(cls, None)
            elif status == ABSENT:
                raise EditError(f"{read.fact} is a list (empty when there is none), never absent")
            else:
                d.wmi[cls] = [{prop: str(x)} for x in _list(value, read.fact)]
        case WmiInt(wmi_class=cls, prop=prop):
            if status == UNREADABLE:
                d.wmi.pop(cls, None)
            elif status == ABSENT:
                raise EditError(f"{read.fact} is always there on Windows")
            else:
                rows = d.wmi.get(cls) or [{}]
                rows[0] = {**rows[0], prop: int(value)}
                d.wmi[cls] = rows


def _table(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise EditError(f"{what}: a mapping, not {value!r}")
    return value


def _list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list | tuple):
        raise EditError(f"{what}: a list, not {value!r}")
    return list(value)


def _no_unreadable(name: str, fact: FactValue) -> None:
    if fact.status == UNREADABLE:
        raise EditError(f"{name} cannot be made unreadable on a machine (no read of it can be denied)")


# ---- the hand-written parts ---------------------------------------------------------------------------


def _computer_name(d: Draft, fact: FactValue) -> None:
    _no_unreadable("computer.name", fact)
    if fact.status != PRESENT:
        raise EditError("computer.name: every Windows has a computer name")
    d.env["COMPUTERNAME"] = str(fact.value)


def _ps_version(d: Draft, fact: FactValue) -> None:
    if fact.status != PRESENT:
        raise EditError("ps.version: $PSVersionTable is always there")
    d.set_powershell(str(fact.value))


def _ps_major(version: str) -> int:
    head = version.split(".", 1)[0]
    return int(head) if head.isdigit() else 0


def _clr_version(d: Draft, fact: FactValue) -> None:
    if fact.status != PRESENT:
        raise EditError("ps.clr_version: $PSVersionTable.CLRVersion is always there")
    d.clr_version = str(fact.value)


def _dotnet_release(d: Draft, fact: FactValue) -> None:
    path = "SOFTWARE\\Microsoft\\NET Framework Setup\\NDP\\v4\\Full"

    def write(node: Node) -> None:
        node.set_value("Release", reg_value(int(fact.value)))
        # .NET 4.6 and later report CLR 4.0.30319.42000 (Environment.Version,
        # https://learn.microsoft.com/en-us/dotnet/api/system.environment.version); PowerShell 3.0+ runs on it
        if int(fact.value) >= 393295 and _ps_major(d.ps_version) >= 3:
            d.clr_version = "4.0.30319.42000"

    _regpath(d, path, fact, write, absent=lambda: d.del_value(path, "Release"))


def _ad_site(d: Draft, fact: FactValue) -> None:
    def absent() -> None:
        d.del_value(_NETLOGON, "SiteName")
        d.del_value(_NETLOGON, "DynamicSiteName")

    _regpath(d, _NETLOGON, fact, lambda node: node.set_value("DynamicSiteName", reg_value(str(fact.value))),
             absent=absent)


def _gc_ready(d: Draft, fact: FactValue) -> None:
    name = "Global Catalog Promotion Complete"
    _regpath(d, _NTDS, fact, lambda node: node.set_value(name, reg_value(1 if fact.value else 0)),
             absent=lambda: d.del_value(_NTDS, name))


def _v15_roles(d: Draft, fact: FactValue) -> None:
    def write(v15: Node) -> None:
        v15.subkeys.clear()
        for role in _list(fact.value, "exchange.v15.roles"):
            r = _table(role, "exchange.v15.roles[]")
            node = d.ensure(f"{_V15}\\{r['key']}")
            for field_name, vname in (("action", "Action"), ("watermark", "Watermark"),
                                      ("unpacked_version", "UnpackedVersion"),
                                      ("configured_version", "ConfiguredVersion")):
                if r.get(field_name) is not None:
                    node.set_value(vname, MRegValue("REG_SZ", str(r[field_name])))

    _regpath(d, _V15, fact, write, absent=lambda: d.remove_key(_V15))


def _exchange_setup(d: Draft, fact: FactValue) -> None:
    path = f"{_V15}\\Setup"

    def write(node: Node) -> None:
        v = _table(fact.value, "exchange.setup")
        for field_name, vname in (("newest_build", "NewestBuild"), ("services", "Services"),
                                  ("msi_install_path", "MsiInstallPath")):
            if v.get(field_name) is None:
                node.del_value(vname)
            else:
                raw = v[field_name]
                node.set_value(vname, reg_value(int(raw) if field_name == "newest_build" else str(raw)))

    _regpath(d, path, fact, write, absent=lambda: d.remove_key(path))


def _legacy_roles(d: Draft, fact: FactValue) -> None:
    if fact.status == UNREADABLE:
        d.ensure(_V14).denied = True
        return
    if fact.status != PRESENT:
        raise EditError("exchange.legacy_roles is a list (empty when there is none), never absent")
    roles = ("AdminTools", "HubTransportRole", "MailboxRole", "UnifiedMessagingRole", "ClientAccessRole", "Hygiene")
    for path in (_V14, _V8):
        for role in roles:
            d.remove_key(f"{path}\\{role}")
    for entry in _list(fact.value, "exchange.legacy_roles"):
        e = _table(entry, "exchange.legacy_roles[]")
        base = {"2010": _V14, "2007": _V8}.get(str(e.get("product")))
        if base is None or str(e.get("key")) not in roles:
            raise EditError(f"exchange.legacy_roles: product 2010 or 2007 and a role key among {', '.join(roles)}")
        node = d.ensure(f"{base}\\{e['key']}")
        if e.get("unpacked_version") is not None:
            node.set_value("UnpackedVersion", MRegValue("REG_SZ", str(e["unpacked_version"])))


def _edge_adam(d: Draft, fact: FactValue) -> None:
    path = f"{_V15}\\EdgeTransportRole\\AdamSettings\\MsExchange"

    def write(node: Node) -> None:
        v = _table(fact.value, "exchange.edge_adam_data_path")
        node.set_value("DataFilesPath", reg_value(str(v["path"])))
        data = str(v["path"]).rstrip("\\") + "\\adamntds.dit"  # AD LDS's database in that folder
        d.set_file(data, SimFile("") if v.get("exists") else None)

    _regpath(d, path, fact, write, absent=lambda: d.del_value(path, "DataFilesPath"))


def _v14_setup(d: Draft, fact: FactValue) -> None:
    path = f"{_V14}\\Setup"

    def write(node: Node) -> None:
        v = _table(fact.value, "exchange.v14_setup")
        msi = v.get("msi_install_path")
        if msi is None:
            node.del_value("MsiInstallPath")
            return
        node.set_value("MsiInstallPath", MRegValue("REG_SZ", str(msi)))
        exe = str(msi).rstrip("\\") + "\\bin\\ExSetup.exe"
        d.set_file(exe, None if v.get("exsetup_version") is None else SimFile(str(v["exsetup_version"])))

    _regpath(d, path, fact, write, absent=lambda: d.remove_key(path))


_REBOOT_SOURCES = ("cbs_reboot_pending", "windows_update_reboot_required", "pending_file_rename",
                   "computer_rename", "update_exe_volatile")


def _reboot(d: Draft, fact: FactValue) -> None:
    if fact.status == UNREADABLE:
        d.ensure(_SESSION).denied = True
        return
    if fact.status != PRESENT:
        raise EditError("reboot.pending is a list (empty: no reboot pending), never absent")
    wanted = {str(s) for s in _list(fact.value, "reboot.pending")}
    unknown = wanted - set(_REBOOT_SOURCES)
    if unknown:
        raise EditError(f"reboot.pending: unknown source(s) {', '.join(sorted(unknown))} "
                        f"(known: {', '.join(_REBOOT_SOURCES)})")
    for source, path in (("cbs_reboot_pending", _CBS), ("windows_update_reboot_required", _WU)):
        if source in wanted:
            d.ensure(path)
        else:
            d.remove_key(path)
    if "pending_file_rename" in wanted:
        d.set_value(_SESSION, "PendingFileRenameOperations", ["\\??\\C:\\Windows\\Temp\\pending.tmp", ""])
    else:
        d.del_value(_SESSION, "PendingFileRenameOperations")
    name = d.env.get("COMPUTERNAME") or "HOST"
    d.set_value(_ACTIVE_NAME, "ComputerName", name)
    d.set_value(_PENDING_NAME, "ComputerName", name + "-NEW" if "computer_rename" in wanted else name)
    if "update_exe_volatile" in wanted:
        d.set_value(_UEV, "Flags", 1)
    else:
        d.remove_key(_UEV)


def _app_pool_32bit(d: Draft, fact: FactValue) -> None:
    rel = "System32\\inetsrv\\config\\applicationHost.config"
    if fact.status == ABSENT:
        d.set_file(rel, None)
    elif fact.status == UNREADABLE:
        d.set_file(rel, SimFile(None, None, True))
    else:
        flag = "true" if fact.value else "false"
        d.set_file(rel, SimFile(None, (
            "<configuration><system.applicationHost><applicationPools>"
            f'<applicationPoolDefaults enable32BitAppOnWin64="{flag}" />'
            "</applicationPools></system.applicationHost></configuration>")))


def _policy(d: Draft, hive: str, value: Any) -> None:
    if value is None:
        d.remove_key(_POLICY, hive)
        return
    v = _table(value, "policy")
    node = d.ensure(_POLICY, hive)
    node.values.clear()
    if v.get("enable_scripts") is not None:
        node.set_value("EnableScripts", MRegValue("REG_DWORD", int(v["enable_scripts"])))
    if v.get("execution_policy") is not None:
        node.set_value("ExecutionPolicy", MRegValue("REG_SZ", str(v["execution_policy"])))


def _gpo_machine(d: Draft, fact: FactValue) -> None:
    if fact.status == UNREADABLE:
        d.ensure(_POLICY).denied = True
    else:
        _policy(d, "HKLM", fact.value if fact.status == PRESENT else None)


def _gpo_user(d: Draft, fact: FactValue) -> None:
    if fact.status == UNREADABLE:
        d.ensure(_POLICY, "HKCU").denied = True
        return
    if fact.status != PRESENT:
        raise EditError("policy.gpo_user is always read (its policy is null when the key does not exist)")
    v = _table(fact.value, "policy.gpo_user")
    domain, _, user = str(v.get("account") or "").rpartition("\\")
    d.env["USERDOMAIN"], d.env["USERNAME"] = domain, user
    d.account_fixed = True
    _policy(d, "HKCU", v.get("policy"))


def _execution_policy(d: Draft, fact: FactValue) -> None:
    """The retired fact, as the Group Policy key that gives it: Restricted is scripts turned off."""
    if fact.status == PRESENT and str(fact.value).casefold() == "restricted":
        _policy(d, "HKLM", {"enable_scripts": 0, "execution_policy": None})
    elif fact.status == PRESENT:
        _policy(d, "HKLM", {"enable_scripts": 1, "execution_policy": str(fact.value)})
    else:
        _gpo_machine(d, fact)


def _features(d: Draft, fact: FactValue) -> None:
    if fact.status == UNREADABLE:
        from scanner.probes.manifest import SERVER_COMPONENT_CACHE

        if d.has_component_cache:
            d.ensure(SERVER_COMPONENT_CACHE).denied = True
        else:
            d.wmi.pop("Win32_ServerFeature", None)
        return
    if fact.status != PRESENT:
        raise EditError("windows.features is always read")
    where = "Windows Server 2008 R2" if not d.has_component_cache else "this Windows"
    for name, state in _table(fact.value, "windows.features").items():
        try:
            d.set_feature(str(name), None if state is None else bool(state))
        except EditError as exc:
            raise EditError(f"windows.features on {where}: {exc}") from None


def _local_admins(d: Draft, fact: FactValue) -> None:
    if fact.status == UNREADABLE:
        d.wmi.pop("Win32_Group", None)
        return
    if fact.status != PRESENT:
        raise EditError("local.administrators is always read")
    d.admins = [(str(m["name"]), str(m["sid"])) for m in (_table(x, "local.administrators[]")
                                                         for x in _list(fact.value, "local.administrators"))]


_SPECIAL: dict[str, Callable[[Draft, FactValue], None]] = {
    "computer.name": _computer_name,
    "ps.version": _ps_version,
    "ps.clr_version": _clr_version,
    "dotnet.release": _dotnet_release,
    "computer.ad_site": _ad_site,
    "computer.gc_ready": _gc_ready,
    "exchange.v15.roles": _v15_roles,
    "exchange.setup": _exchange_setup,
    "exchange.legacy_roles": _legacy_roles,
    "exchange.edge_adam_data_path": _edge_adam,
    "exchange.v14_setup": _v14_setup,
    "reboot.pending": _reboot,
    "iis.app_pool_32bit": _app_pool_32bit,
    "policy.gpo_machine": _gpo_machine,
    "policy.gpo_user": _gpo_user,
    "policy.execution_policy": _execution_policy,
    "windows.features": _features,
    "local.administrators": _local_admins,
}

# The order edits are applied in: SystemRoot first (files follow it), the v15 role list before what adds
# keys under v15 (Setup, EdgeTransportRole), PowerShell before the .NET release that may move its CLR.
_FIRST = ("os.system_root", "ps.version", "ps.clr_version", "exchange.v15.roles")


def ordered(names: list[str]) -> list[str]:
    return [n for n in _FIRST if n in names] + [n for n in names if n not in _FIRST]


def mismatches(wanted: Mapping[str, FactValue], got: Mapping[str, FactValue]) -> list[str]:
    """The overrides the machine does not answer as asked, each as 'fact: asked X, the collector reads Y'."""
    out = []
    for name, want in wanted.items():
        if name in RETIRED:
            continue
        have = got.get(name)
        if have is None:
            out.append(f"{name}: the collector does not answer it")
            continue
        if want.status != have.status:
            out.append(f"{name}: asked {want.status}, the collector reads {_show(have)}")
            continue
        if want.status != PRESENT:
            continue
        if name in PARTIAL_TABLES and isinstance(want.value, Mapping) and isinstance(have.value, Mapping):
            wrong = {k: have.value.get(k, "(not read)") for k, v in want.value.items()
                     if k not in have.value or have.value[k] != v}
            if wrong:
                out.append(f"{name}: the collector reads {wrong}")
        elif not _same(want.value, have.value):
            out.append(f"{name}: asked {want.value!r}, the collector reads {have.value!r}")
    return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return set(map(str, a)) == set(map(str, b)) and all(_same(a[k], b[str(k)]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return bool(a == b)


def _show(f: FactValue) -> str:
    if f.status == PRESENT:
        return repr(f.value)
    return f.status if f.status == ABSENT else f"unreadable ({f.error})"
