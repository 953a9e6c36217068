"""The collector's reads, evaluated against a simulated machine: the facts a real host would answer.

The declared reads of scanner.probes.manifest are evaluated one kind at a time, as the header's helpers
do them in PowerShell. Each hand-written part (scanner/probes/ps/<part>.ps1) has its counterpart here,
``part_<name>``, reading the same registry paths, files and WMI classes (tests/probes check that on the
PowerShell's syntax tree).

What the host's PowerShell can run matters too: the ps3 script on Windows PowerShell 2.0 stops at the
first command 2.0 does not have (script_failure); the ps2 script runs on every version.

The machine is read through a structural type (MachineLike): scanner.simulator.machine.Machine has that
shape (the contract in the simulator's machine model).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from scanner.probes.manifest import (
    DECLARED_READS,
    FEATURE_IDS_2008R2,
    FEATURES_2012,
    HAND_PARTS,
    SERVER_COMPONENT_CACHE,
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
from scanner.simulator.machine import Caseless
from scanner.simulator.profiles import ABSENT, PRESENT, UNREADABLE, FactValue

if TYPE_CHECKING:
    from scanner.simulator.machine import Machine

# Windows' own wording for what a real host reports.
REGISTRY_DENIED = "Requested registry access is not allowed."
# .NET 2.0 has no Microsoft.Win32.RegistryView (the ps3 script's registry helper names it).
REGISTRY_VIEW_MISSING = (
    "Unable to find type [Microsoft.Win32.RegistryView]: make sure that the assembly containing this type "
    "is loaded."
)

# FileMajorPart...FilePrivatePart of a file without a version resource
NO_VERSION = "0.0.0.0"  # noqa: S104 - a file version, not an address
NULL_METHOD_CALL = "You cannot call a method on a null-valued expression."


def _path_denied(path: str) -> str:
    return f"Access to the path '{path}' is denied."


def _invalid_class(wmi_class: str) -> str:
    return f"Invalid class \"{wmi_class}\""


# ---- the machine, as the reads see it ---------------------------------------------------------------


class RegValueLike(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def data(self) -> Any: ...


class RegKeyLike(Protocol):
    @property
    def values(self) -> Mapping[str, RegValueLike]: ...
    @property
    def subkeys(self) -> Mapping[str, RegKeyLike]: ...
    @property
    def denied(self) -> bool: ...


class SimFileLike(Protocol):
    @property
    def version(self) -> str | None: ...
    @property
    def text(self) -> str | None: ...
    @property
    def denied(self) -> bool: ...


class SimServiceLike(Protocol):
    @property
    def start(self) -> int: ...
    @property
    def status(self) -> str: ...


class MachineLike(Protocol):
    @property
    def ps_version(self) -> str: ...
    @property
    def clr_version(self) -> str: ...
    @property
    def files(self) -> Mapping[str, SimFileLike]: ...
    @property
    def wmi(self) -> Mapping[str, tuple[Mapping[str, Any], ...]]: ...
    @property
    def services(self) -> Mapping[str, SimServiceLike]: ...
    @property
    def env(self) -> Mapping[str, str]: ...
    def reg(self, hive: str, path: str) -> RegKeyLike | None: ...
    def file(self, path: str) -> SimFileLike | None: ...


class RunsPowerShell(Protocol):
    """What decides whether a collector dialect runs at all: the host's PowerShell version."""

    @property
    def ps_version(self) -> str: ...


if TYPE_CHECKING:

    def _the_model_is_read_as_machine_like(machine: Machine) -> MachineLike:
        return machine  # mypy checks that the simulator's machine model has the shape read here


class ReadError(Exception):
    """A read that fails on a real host (the message is Windows' own)."""


def _lookup(mapping: Mapping[str, Any], name: str) -> Any:
    if name in mapping:
        return mapping[name]
    if isinstance(mapping, Caseless):  # it already looked the name up without regard to case
        return None
    folded = name.casefold()
    return next((v for k, v in mapping.items() if k.casefold() == folded), None)


_ENV_REF = re.compile(r"%([^%]+)%")


@dataclass(slots=True)
class Reader:
    """The machine as the collector's code reaches it, logging what is read (registry paths as written in
    the script, file names, WMI classes) so tests can compare with the PowerShell."""

    machine: MachineLike
    log: set[tuple[str, str]] = field(default_factory=set)

    def key(self, path: str, hive: str = "HKLM") -> RegKeyLike | None:
        """OpenSubKey(path): None when missing; raises when access is denied."""
        self.log.add(("reg", path))
        k = self.machine.reg(hive, path)
        if k is not None and k.denied:
            raise ReadError(REGISTRY_DENIED)
        return k

    def value(self, key: RegKeyLike, name: str) -> Any:
        """RegistryKey.GetValue(name) as PowerShell sees it (None: no such value)."""
        v = _lookup(key.values, name)
        if v is None:
            return None
        if v.kind == "REG_EXPAND_SZ":  # GetValue expands environment references
            return _ENV_REF.sub(lambda m: _lookup(self.machine.env, m.group(1)) or m.group(0), str(v.data))
        if v.kind == "REG_DWORD":  # an Int32
            n = int(v.data) & 0xFFFFFFFF
            return n - (1 << 32) if n >= 1 << 31 else n
        if v.kind == "REG_QWORD":
            n = int(v.data) & 0xFFFFFFFFFFFFFFFF
            return n - (1 << 64) if n >= 1 << 63 else n
        if v.kind == "REG_MULTI_SZ":
            return [str(s) for s in v.data]
        if v.kind == "REG_BINARY":
            return list(bytes(v.data))
        return str(v.data)

    def sub(self, key: RegKeyLike, name: str) -> RegKeyLike | None:
        """key.OpenSubKey(name) with a name the script computes (not logged: no literal path)."""
        k: RegKeyLike | None = _lookup(key.subkeys, name)
        if k is not None and k.denied:
            raise ReadError(REGISTRY_DENIED)
        return k

    def file(self, path: str) -> SimFileLike | None:
        self.log.add(("file", path.replace("/", "\\").rsplit("\\", 1)[-1].casefold()))
        return self.machine.file(path)

    def directory_exists(self, path: str) -> bool:
        """Test-Path -PathType Container: a folder exists when a file is known under it."""
        prefix = path.rstrip("\\").casefold() + "\\"
        return any(p.casefold().startswith(prefix) for p in self.machine.files)

    def wmi(self, wmi_class: str) -> tuple[Mapping[str, Any], ...]:
        self.log.add(("wmi", wmi_class))
        instances = _lookup(self.machine.wmi, wmi_class)
        if instances is None:
            raise ReadError(_invalid_class(wmi_class))
        return tuple(instances)


def present(value: Any) -> FactValue:
    return FactValue(PRESENT, value)


def absent() -> FactValue:
    return FactValue(ABSENT)


def unreadable(error: str) -> FactValue:
    return FactValue(UNREADABLE, None, error or "unknown error")


def _guard(read: Callable[[], FactValue]) -> FactValue:
    try:
        return read()
    except ReadError as exc:
        return unreadable(str(exc))
    except (TypeError, ValueError) as exc:  # an [int] cast of a value that is not a number
        return unreadable(f"Cannot convert value to type \"System.Int32\": {exc}")


# ---- declared reads (the header's helpers) ---------------------------------------------------------


def reg_fact(r: Reader, path: str, name: str, empty_is_absent: bool = False) -> FactValue:
    """Get-ExRegFact."""

    def read() -> FactValue:
        key = r.key(path)
        if key is None:
            return absent()
        value = r.value(key, name)
        if value is None or (empty_is_absent and not _ps_string(value).strip()):
            return absent()
        return present(value)

    return _guard(read)


def _ps_string(value: Any) -> str:
    """[string]$value: a list joins with spaces."""
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return str(value)


def file_fact(r: Reader, path: str) -> FactValue:
    """Get-ExFileFact: {path, version} from the version resource's numeric parts (0.0.0.0 without one)."""
    f = r.file(path)
    if f is None:
        return absent()
    if f.denied:
        return unreadable(_path_denied(path))
    return present({"path": path, "version": f.version or NO_VERSION})


def _join(root: str, child: str) -> str:
    """Join-Path: one backslash between the two."""
    return root.rstrip("\\") + "\\" + child.lstrip("\\")


def evaluate_read(read: Read, r: Reader, facts: Mapping[str, FactValue]) -> FactValue:
    match read:
        case RegValue(path=path, name=name, empty_is_absent=empty):
            return reg_fact(r, path, name, empty)
        case RegKeyExists(path=path):
            return _guard(lambda: present(r.key(path) is not None))
        case RegValueNameExists(path=path, name=name):

            def has_name() -> FactValue:
                key = r.key(path)
                return present(key is not None and _lookup(key.values, name) is not None)

            return _guard(has_name)
        case RegDwordValues(path=path):

            def dwords() -> FactValue:
                key = r.key(path)
                if key is None:
                    return absent()
                return present({n: r.value(key, n) for n, v in key.values.items() if v.kind == "REG_DWORD"})

            return _guard(dwords)
        case FileVersion(path=rel):
            root = facts.get("os.system_root")
            if root is None or root.status != PRESENT:
                status = root.status if root is not None else ABSENT
                err = (root.error or "") if root is not None else ""
                return unreadable(f"SystemRoot unknown: {status} {err}")
            return file_fact(r, _join(str(root.value), rel))
        case ServiceStart(services=names):

            def starts() -> FactValue:
                services = r.key(SERVICES_KEY)
                if services is None:  # what $null.OpenSubKey(...) says
                    raise ReadError(NULL_METHOD_CALL)
                out: dict[str, int | None] = {}
                for name in names:
                    svc = r.sub(services, name)
                    if svc is None:
                        out[name] = None
                        continue
                    start = r.value(svc, "Start")
                    out[name] = 0 if start is None else int(start)
                return present(out)

            return _guard(starts)
        case ServiceStatus(services=names):
            states: dict[str, str | None] = {}
            for name in names:
                svc = _lookup(r.machine.services, name)
                states[name] = None if svc is None else str(svc.status)
            return present(states)
        case WmiStrings(wmi_class=cls, prop=prop):

            def strings() -> FactValue:
                values = (_lookup(i, prop) for i in r.wmi(cls))
                return present([str(v) for v in values if v not in (None, "")])

            return _guard(strings)
        case WmiInt(wmi_class=cls, prop=prop):

            def one() -> FactValue:
                instances = r.wmi(cls)
                if not instances:
                    return unreadable(f"no {cls} instance")
                return present(int(_lookup(instances[0], prop)))

            return _guard(one)
    raise TypeError(f"no evaluation for {read!r}")


# ---- hand-written parts: one counterpart each, reading what the .ps1 reads ---------------------------


def part_env(r: Reader, facts: Mapping[str, FactValue]) -> dict[str, FactValue]:
    """env.ps1."""
    name = _lookup(r.machine.env, "COMPUTERNAME")
    return {
        "computer.name": present(str(name or "")),
        "ps.version": present(r.machine.ps_version),
        "ps.clr_version": present(r.machine.clr_version),
    }


def part_site(r: Reader, facts: Mapping[str, FactValue]) -> dict[str, FactValue]:
    """site.ps1."""
    netlogon = "SYSTEM\\CurrentControlSet\\Services\\Netlogon\\Parameters"
    site = reg_fact(r, netlogon, "SiteName", True)
    if site.status == ABSENT:
        site = reg_fact(r, netlogon, "DynamicSiteName", True)
    gc = reg_fact(r, "SYSTEM\\CurrentControlSet\\Services\\NTDS\\Parameters", "Global Catalog Promotion Complete")
    if gc.status == PRESENT:
        value = gc.value
        gc = _guard(lambda: present(int(value) == 1))
    return {"computer.ad_site": site, "computer.gc_ready": gc}


def _opt_str(value: Any) -> str | None:
    return None if value is None else _ps_string(value)


def part_exchange(r: Reader, facts: Mapping[str, FactValue]) -> dict[str, FactValue]:
    """exchange.ps1."""

    def read() -> FactValue:
        v15 = r.key("SOFTWARE\\Microsoft\\ExchangeServer\\v15")
        if v15 is None:
            return absent()
        roles = []
        for name in v15.subkeys:
            sub = r.sub(v15, name)
            if sub is None:
                continue
            roles.append(
                {
                    "key": name,
                    "action": _opt_str(r.value(sub, "Action")),
                    "watermark": _opt_str(r.value(sub, "Watermark")),
                    "unpacked_version": _opt_str(r.value(sub, "UnpackedVersion")),
                    "configured_version": _opt_str(r.value(sub, "ConfiguredVersion")),
                }
            )
        return present(roles)

    return {"exchange.v15.roles": _guard(read)}


_LEGACY = (("2010", "SOFTWARE\\Microsoft\\ExchangeServer\\v14"), ("2007", "SOFTWARE\\Microsoft\\Exchange\\v8.0"))
_LEGACY_ROLES = ("AdminTools", "HubTransportRole", "MailboxRole", "UnifiedMessagingRole", "ClientAccessRole", "Hygiene")


def part_exlocal(r: Reader, facts: Mapping[str, FactValue]) -> dict[str, FactValue]:
    """exlocal.ps1."""

    def setup() -> FactValue:
        key = r.key("SOFTWARE\\Microsoft\\ExchangeServer\\v15\\Setup")
        if key is None:
            return absent()
        newest = r.value(key, "NewestBuild")
        return present(
            {
                "newest_build": None if newest is None else int(newest),
                "services": _opt_str(r.value(key, "Services")),
                "msi_install_path": _opt_str(r.value(key, "MsiInstallPath")),
            }
        )

    def legacy() -> FactValue:
        out = []
        for product, path in _LEGACY:
            base = r.key(path)
            if base is None:
                continue
            for role in _LEGACY_ROLES:
                sub = r.sub(base, role)
                if sub is not None:
                    out.append({"product": product, "key": role,
                                "unpacked_version": _opt_str(r.value(sub, "UnpackedVersion"))})
        return present(out)

    adam = reg_fact(
        r, "SOFTWARE\\Microsoft\\ExchangeServer\\v15\\EdgeTransportRole\\AdamSettings\\MsExchange", "DataFilesPath"
    )
    if adam.status == PRESENT:
        path = _ps_string(adam.value)
        adam = present({"path": path, "exists": r.directory_exists(path)})

    def v14() -> FactValue:
        key = r.key("SOFTWARE\\Microsoft\\ExchangeServer\\v14\\Setup")
        if key is None:
            return absent()
        entry: dict[str, str | None] = {"msi_install_path": None, "exsetup_version": None}
        raw = r.value(key, "MsiInstallPath")
        if raw is not None and _ps_string(raw).strip():
            entry["msi_install_path"] = _ps_string(raw)
            exe = file_fact(r, _join(_ps_string(raw), "bin\\ExSetup.exe"))
            if exe.status == UNREADABLE:
                return unreadable(exe.error or "")
            if exe.status == PRESENT:
                entry["exsetup_version"] = exe.value["version"]
        return present(entry)

    return {
        "exchange.setup": _guard(setup),
        "exchange.legacy_roles": _guard(legacy),
        "exchange.edge_adam_data_path": adam,
        "exchange.v14_setup": _guard(v14),
    }


def part_reboot(r: Reader, facts: Mapping[str, FactValue]) -> dict[str, FactValue]:
    """reboot.ps1."""

    def read() -> FactValue:
        sources = []
        for source, path in (
            ("cbs_reboot_pending",
             "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\RebootPending"),
            ("windows_update_reboot_required",
             "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Auto Update\\RebootRequired"),
        ):
            if r.key(path) is not None:
                sources.append(source)
        sm = r.key("SYSTEM\\CurrentControlSet\\Control\\Session Manager")
        if sm is not None:
            renames = r.value(sm, "PendingFileRenameOperations")
            items = renames if isinstance(renames, list) else [] if renames is None else [renames]
            if any(items):
                sources.append("pending_file_rename")
        active = r.key("SYSTEM\\CurrentControlSet\\Control\\ComputerName\\ActiveComputerName")
        pending = r.key("SYSTEM\\CurrentControlSet\\Control\\ComputerName\\ComputerName")
        if active is not None and pending is not None:
            a, p = r.value(active, "ComputerName"), r.value(pending, "ComputerName")
            # -ne on strings is case-insensitive
            if str(a or "").casefold() != str(p or "").casefold():
                sources.append("computer_rename")
        uev = r.key("SOFTWARE\\Microsoft\\Updates\\UpdateExeVolatile")
        if uev is not None:
            flags = r.value(uev, "Flags")
            if flags is not None and int(flags) != 0:
                sources.append("update_exe_volatile")
        return present(sources)

    return {"reboot.pending": _guard(read)}


def part_iis(r: Reader, facts: Mapping[str, FactValue]) -> dict[str, FactValue]:
    """iis.ps1 / iis.ps2.ps1 (same answer: -Raw or the lines joined)."""
    root = facts.get("os.system_root")
    if root is None or root.status != PRESENT:
        return {"iis.app_pool_32bit": unreadable("SystemRoot unknown: " + (root.status if root else ABSENT))}
    path = _join(str(root.value), "System32\\inetsrv\\config\\applicationHost.config")
    f = r.file(path)
    if f is None:
        return {"iis.app_pool_32bit": absent()}
    if f.denied:
        return {"iis.app_pool_32bit": unreadable(_path_denied(path))}
    try:
        doc = ET.fromstring(f.text or "")  # noqa: S314 - the simulated machine's own file, from its site file
    except ET.ParseError:
        return {"iis.app_pool_32bit": unreadable("Cannot convert value to type \"System.Xml.XmlDocument\".")}
    node = doc.find("./system.applicationHost/applicationPools/applicationPoolDefaults")
    flag = node is not None and str(node.get("enable32BitAppOnWin64", "")).casefold() == "true"
    return {"iis.app_pool_32bit": present(flag) if doc.tag == "configuration" else present(False)}


_POLICY_KEY = "SOFTWARE\\Policies\\Microsoft\\Windows\\PowerShell"


def part_policy(r: Reader, facts: Mapping[str, FactValue]) -> dict[str, FactValue]:
    """policy.ps1."""

    def policy(hive: str) -> dict[str, Any] | None:
        key = r.key(_POLICY_KEY, hive)
        if key is None:
            return None
        enable = r.value(key, "EnableScripts")
        ep = r.value(key, "ExecutionPolicy")
        return {"enable_scripts": None if enable is None else int(enable), "execution_policy": _opt_str(ep)}

    def machine() -> FactValue:
        p = policy("HKLM")
        return absent() if p is None else present(p)

    def user() -> FactValue:
        env = r.machine.env
        account = f"{_lookup(env, 'USERDOMAIN') or ''}\\{_lookup(env, 'USERNAME') or ''}"
        return present({"account": account, "policy": policy("HKCU")})

    return {"policy.gpo_machine": _guard(machine), "policy.gpo_user": _guard(user)}


WINDOWS_2012_BUILD = 9200  # Windows Server 2012's build: from it on, Server Manager keeps its component cache


def part_features(r: Reader, facts: Mapping[str, FactValue]) -> dict[str, FactValue]:
    """features.ps1 / features.ps2.ps1 (CIM or WMI, the same class)."""

    def read() -> FactValue:
        cache = r.key(SERVER_COMPONENT_CACHE)
        out: dict[str, bool | None] = {}
        if cache is not None:
            for name in FEATURES_2012:
                feature = r.sub(cache, name)
                if feature is None:
                    out[name] = None
                    continue
                state = r.value(feature, "InstallState")
                out[name] = state is not None and int(state) == 1
            return present(out)
        build = facts.get("os.current_build")
        if build is not None and build.status == PRESENT and int(build.value) >= WINDOWS_2012_BUILD:
            return unreadable("no Server Manager component cache on this Windows Server 2012 or later host")
        installed = {int(_lookup(i, "ID")) for i in r.wmi("Win32_ServerFeature")}
        return present({name: ident in installed for name, ident in FEATURE_IDS_2008R2})

    return {"windows.features": _guard(read)}


_ADMINS_SID = "S-1-5-32-544"
_RELPATH_PART = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def _component(ref: Any) -> Mapping[str, Any]:
    """A Win32_GroupUser reference: a mapping of the key properties, or a WMI object path string
    (``\\\\HOST\\root\\cimv2:Win32_Group.Domain="X",Name="Y"``)."""
    if isinstance(ref, Mapping):
        return ref
    return {k: v.replace('\\"', '"').replace("\\\\", "\\") for k, v in _RELPATH_PART.findall(str(ref))}


def _same_account(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    return all(str(_lookup(a, k) or "").casefold() == str(_lookup(b, k) or "").casefold() for k in ("Domain", "Name"))


def part_localadmins(r: Reader, facts: Mapping[str, FactValue]) -> dict[str, FactValue]:
    """localadmins.ps1 (CIM associated instances) / localadmins.ps2.ps1 (ASSOCIATORS OF): the members of
    the group whose SID is S-1-5-32-544, through Win32_GroupUser, as Win32_Account instances."""

    def read() -> FactValue:
        groups = [
            g for g in r.wmi("Win32_Group")
            if str(_lookup(g, "SID")) == _ADMINS_SID and _lookup(g, "LocalAccount") in (True, "True", "true")
        ]
        if not groups:
            return unreadable("the local Administrators group (S-1-5-32-544) was not found")
        group = groups[0]
        members = []
        for link in r.wmi("Win32_GroupUser"):
            if not _same_account(_component(_lookup(link, "GroupComponent")), group):
                continue
            members.append(_account(r, _component(_lookup(link, "PartComponent"))))
        return present([{"name": f"{m.get('Domain', '')}\\{m.get('Name', '')}", "sid": str(m.get("SID", ""))}
                        for m in members])

    return {"local.administrators": _guard(read)}


_ACCOUNT_CLASSES = ("Win32_UserAccount", "Win32_Group", "Win32_SystemAccount")


def _account(r: Reader, ref: Mapping[str, Any]) -> dict[str, Any]:
    """The Win32_Account (a user, group or system account) a reference names; the reference itself when
    it carries the SID already."""
    r.log.add(("wmi", "Win32_Account"))
    if _lookup(ref, "SID") is not None:
        return {"Domain": _lookup(ref, "Domain"), "Name": _lookup(ref, "Name"), "SID": _lookup(ref, "SID")}
    for cls in _ACCOUNT_CLASSES:
        for inst in _lookup(r.machine.wmi, cls) or ():
            if _same_account(inst, ref):
                return {"Domain": _lookup(inst, "Domain"), "Name": _lookup(inst, "Name"), "SID": _lookup(inst, "SID")}
    return {"Domain": _lookup(ref, "Domain"), "Name": _lookup(ref, "Name"), "SID": ""}


Part = Callable[[Reader, Mapping[str, FactValue]], dict[str, FactValue]]

# scanner.probes.manifest.HAND_PARTS name -> its counterpart
PARTS: dict[str, Part] = {
    "env": part_env,
    "site": part_site,
    "exchange": part_exchange,
    "exlocal": part_exlocal,
    "reboot": part_reboot,
    "iis": part_iis,
    "policy": part_policy,
    "features": part_features,
    "localadmins": part_localadmins,
}


def _major(version: str) -> int:
    head = version.strip().split(".", 1)[0]
    return int(head) if head.isdigit() else 0


def script_failure(machine: RunsPowerShell, dialect: str) -> str | None:
    """The command at which the whole collector script stops on this machine (a real host answers
    CommandNotFoundException naming it), or None when the script runs. On Windows PowerShell 2.0 the ps3
    script's registry reads fail one by one inside their try blocks (REGISTRY_VIEW_MISSING) and its CIM
    reads likewise, but the footer's ConvertTo-Json does not exist and nothing catches that."""
    if dialect == "ps3" and _major(machine.ps_version) < 3:
        return "ConvertTo-Json"
    return None


def collect_facts(machine: MachineLike, dialect: str = "ps3") -> dict[str, FactValue]:
    """What the collector script of ``dialect`` answers on ``machine`` (declared reads, then the hand-written
    parts, in the script's order). Raises ValueError when that script cannot run there (script_failure)."""
    failure = script_failure(machine, dialect)
    if failure is not None:
        raise ValueError(f"the {dialect} collector stops at {failure} on PowerShell {machine.ps_version}")
    r = Reader(machine)
    facts: dict[str, FactValue] = {}
    for read in DECLARED_READS:
        facts[read.fact] = evaluate_read(read, r, facts)
    for part in HAND_PARTS:
        facts.update(PARTS[part.name](r, facts))
    return facts
