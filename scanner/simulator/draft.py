"""A machine while a profile is being put together: an OS base machine, then the edits of the baseline,
the variant and the host. ``freeze()`` gives the immutable scanner.simulator.machine.Machine.

Edits come from a profile's ``machine:`` mapping (registry keys and values, denied keys, files, services,
WMI instances, Windows features, installed updates, PowerShell) and from fact-level overrides translated
into the edit that makes the collector read that value (scanner.simulator.fact_edits). Names are matched
without regard to case, as Windows matches them.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scanner.probes.manifest import FEATURE_IDS_2008R2, SERVER_COMPONENT_CACHE
from scanner.simulator.machine import Caseless, Machine, RegKey, RegValue, SimFile, SimService


class EditError(ValueError):
    """An edit this machine cannot take (the message is one line, without the site file's name)."""


@dataclass
class Node:
    """One registry key while it is edited."""

    values: dict[str, RegValue] = field(default_factory=dict)
    subkeys: dict[str, Node] = field(default_factory=dict)
    denied: bool = False

    def child(self, name: str) -> Node | None:
        found: Node | None = _find(self.subkeys, name)
        return found

    def value(self, name: str) -> RegValue | None:
        found: RegValue | None = _find(self.values, name)
        return found

    def set_value(self, name: str, value: RegValue) -> None:
        _pop(self.values, name)
        self.values[name] = value

    def del_value(self, name: str) -> None:
        _pop(self.values, name)

    def freeze(self) -> RegKey:
        return RegKey(Caseless(dict(self.values)), Caseless({k: v.freeze() for k, v in self.subkeys.items()}),
                      self.denied)


def _find(d: Mapping[str, Any], name: str) -> Any:
    v = d.get(name)
    if v is not None:
        return v
    folded = name.casefold()
    return next((x for k, x in d.items() if k.casefold() == folded), None)


def _pop(d: dict[str, Any], name: str) -> Any:
    folded = name.casefold()
    for k in list(d):
        if k.casefold() == folded:
            return d.pop(k)
    return None


def _parts(path: str) -> list[str]:
    return [p for p in path.replace("/", "\\").split("\\") if p]


def reg_value(raw: Any) -> RegValue:
    """A registry value from its site-file form: str -> REG_SZ, int/bool -> REG_DWORD (REG_QWORD past 32
    bits), list -> REG_MULTI_SZ, or ``{type: REG_EXPAND_SZ, data: ...}``."""
    if isinstance(raw, RegValue):
        return raw
    if isinstance(raw, Mapping) and "type" in raw:
        kind = str(raw["type"]).upper()
        if kind not in {"REG_SZ", "REG_EXPAND_SZ", "REG_DWORD", "REG_QWORD", "REG_MULTI_SZ", "REG_BINARY"}:
            raise EditError(f"unknown registry value type {raw['type']!r}")
        return RegValue(kind, raw.get("data"))
    if isinstance(raw, bool):
        return RegValue("REG_DWORD", int(raw))
    if isinstance(raw, int):
        return RegValue("REG_DWORD" if 0 <= raw <= 0xFFFFFFFF or -(1 << 31) <= raw < 0 else "REG_QWORD", raw)
    if isinstance(raw, list | tuple):
        return RegValue("REG_MULTI_SZ", [str(x) for x in raw])
    if isinstance(raw, str):
        return RegValue("REG_SZ", raw)
    raise EditError(f"a registry value is a string, a number, a list or {{type, data}}, not {raw!r}")


@dataclass
class Draft:
    """A mutable machine. ``name`` is the OS base machine it started from; ``updates`` the files each
    known update (KB) brings, from the OS data."""

    name: str
    os_caption: str
    os_build: int
    server_core: bool
    ps_version: str
    clr_version: str
    psrp_protocol: str
    max_envelope_kb: int
    hklm: Node = field(default_factory=Node)
    hkcu: Node = field(default_factory=Node)
    files: dict[str, SimFile] = field(default_factory=dict)
    wmi: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    services: dict[str, SimService] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    updates: dict[str, dict[str, str]] = field(default_factory=dict)
    family: str = ""  # "2008r2", "2012", "2012r2", "2016", "2019", "2022", "2025"
    # the members of the local Administrators group (name, SID); None: the host's defaults
    admins: list[tuple[str, str]] | None = None
    account_fixed: bool = False  # USERDOMAIN/USERNAME set by the profile, not the site's account

    def copy(self) -> Draft:
        return copy.deepcopy(self)

    # -- registry -----------------------------------------------------------------------------------

    def hive(self, hive: str) -> Node:
        return self.hkcu if hive.upper() in ("HKCU", "HKEY_CURRENT_USER") else self.hklm

    def key(self, path: str, hive: str = "HKLM") -> Node | None:
        node: Node | None = self.hive(hive)
        for part in _parts(path):
            if node is None:
                return None
            node = node.child(part)
        return node

    def ensure(self, path: str, hive: str = "HKLM") -> Node:
        node = self.hive(hive)
        for part in _parts(path):
            nxt = node.child(part)
            if nxt is None:
                nxt = Node()
                node.subkeys[part] = nxt
            node = nxt
        return node

    def remove_key(self, path: str, hive: str = "HKLM") -> None:
        parts = _parts(path)
        parent = self.key("\\".join(parts[:-1]), hive)
        if parent is not None:
            _pop(parent.subkeys, parts[-1])

    def set_value(self, path: str, name: str, raw: Any, hive: str = "HKLM") -> None:
        self.ensure(path, hive).set_value(name, reg_value(raw))

    def del_value(self, path: str, name: str, hive: str = "HKLM") -> None:
        key = self.key(path, hive)
        if key is not None:
            key.del_value(name)

    def get_value(self, path: str, name: str, hive: str = "HKLM") -> Any:
        key = self.key(path, hive)
        v = key.value(name) if key is not None else None
        return None if v is None else v.data

    # -- files --------------------------------------------------------------------------------------

    @property
    def system_root(self) -> str:
        root = self.get_value("SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion", "SystemRoot")
        return str(root) if root else "C:\\Windows"

    def path(self, rel: str) -> str:
        """A path relative to SystemRoot made absolute (an absolute path as it is)."""
        rel = rel.replace("/", "\\")
        if len(rel) > 1 and rel[1] == ":" or rel.startswith("\\\\"):
            return rel
        return self.system_root.rstrip("\\") + "\\" + rel.lstrip("\\")

    def set_file(self, path: str, f: SimFile | None) -> None:
        full = self.path(path)
        _pop(self.files, full)
        if f is not None:
            self.files[full] = f

    def get_file(self, path: str) -> SimFile | None:
        found: SimFile | None = _find(self.files, self.path(path))
        return found

    def move_system_root(self, new_root: str) -> None:
        """SystemRoot changes: the files under the old one move with it (a Windows installed elsewhere)."""
        old = self.system_root.rstrip("\\").casefold() + "\\"
        moved: dict[str, SimFile] = {}
        for p, f in self.files.items():
            if p.casefold().startswith(old):
                moved[new_root.rstrip("\\") + "\\" + p[len(old):]] = f
            else:
                moved[p] = f
        self.files = moved
        self.set_value("SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion", "SystemRoot", new_root)

    # -- features -----------------------------------------------------------------------------------

    @property
    def has_component_cache(self) -> bool:
        return self.key(SERVER_COMPONENT_CACHE) is not None

    def set_feature(self, name: str, installed: bool | None, create: bool = False) -> None:
        """A Windows feature installed (True), available (False) or not on this Windows (None): in
        Server Manager's component cache on 2012 and later, as a Win32_ServerFeature instance on
        2008 R2, which keeps no cache."""
        if self.has_component_cache:
            if installed is None:
                self.remove_key(f"{SERVER_COMPONENT_CACHE}\\{name}")
            elif not create and self.key(f"{SERVER_COMPONENT_CACHE}\\{name}") is None:
                raise EditError(f"{name} is not a feature of {self.os_caption} (null: no such feature)")
            else:
                self.set_value(f"{SERVER_COMPONENT_CACHE}\\{name}", "InstallState", 1 if installed else 0)
            return
        ids = {n.casefold(): (n, i) for n, i in FEATURE_IDS_2008R2}
        known = ids.get(name.casefold())
        if known is None:
            raise EditError(
                f"{name} is not a Windows Server 2008 R2 feature the collector reads (2008 R2 has no "
                f"Server Manager component cache; its features are read through Win32_ServerFeature IDs: "
                f"{', '.join(n for n, _ in FEATURE_IDS_2008R2)})"
            )
        if installed is None:
            raise EditError(f"{name} exists on every Windows Server 2008 R2: it is installed or not (true/false)")
        feature_name, ident = known
        if feature_name == "NET-HTTP-Activation":  # installing WCF HTTP activation writes its Setup key
            key = ("SOFTWARE\\Microsoft\\NET Framework Setup\\NDP\\v3.0\\Setup\\"
                   "Windows Communication Foundation\\HTTPActivation")
            if installed:
                self.ensure(key)
            else:
                self.remove_key(key)
        rows = [r for r in self.wmi.setdefault("Win32_ServerFeature", []) if int(r.get("ID", -1)) != ident]
        if installed:
            rows.append({"ID": ident, "Name": feature_name, "ParentID": 0})
        self.wmi["Win32_ServerFeature"] = rows

    # -- updates and PowerShell ---------------------------------------------------------------------

    def install_update(self, kb: str) -> None:
        """An update (KB) installed: its files at the versions it brings (when the OS data knows it) and
        its Win32_QuickFixEngineering entry."""
        kb = kb.upper()
        for rel, version in _find(self.updates, kb).items() if _find(self.updates, kb) else ():
            old = self.get_file(rel)
            self.set_file(rel, SimFile(version, old.text if old else None))
        rows = self.wmi.setdefault("Win32_QuickFixEngineering", [])
        if not any(str(r.get("HotFixID", "")).upper() == kb for r in rows):
            rows.append({"HotFixID": kb})

    def set_powershell(self, version: str, clr: str | None = None, psrp: str | None = None,
                       envelope_kb: int | None = None) -> None:
        """Another Windows PowerShell (a WMF installed): protocol, CLR and WinRM envelope follow it unless
        given. PowerShell 3.0 and later run on CLR 4 (WMF 3.0 and later need .NET Framework 4.x)."""
        major = int(version.split(".", 1)[0]) if version.split(".", 1)[0].isdigit() else 0
        self.ps_version = version
        self.psrp_protocol = psrp or ("2.1" if major <= 2 else "2.2" if major <= 4 else "2.3")
        self.max_envelope_kb = envelope_kb or (150 if major <= 2 else 500)
        if clr:
            self.clr_version = clr
        elif major >= 3 and self.clr_version.startswith("2."):
            release = self.get_value("SOFTWARE\\Microsoft\\NET Framework Setup\\NDP\\v4\\Full", "Release")
            # .NET 4.6 and later (Release 393295+) report 4.0.30319.42000; 4.5.2's build otherwise
            new = major >= 5 or (isinstance(release, int) and release >= 393295)
            self.clr_version = "4.0.30319.42000" if new else "4.0.30319.34209"
        elif major <= 2:
            self.clr_version = "2.0.50727.5420"

    # -- the result ---------------------------------------------------------------------------------

    def freeze(self) -> Machine:
        svc_root = self.ensure("SYSTEM\\CurrentControlSet\\Services")
        for name, svc in self.services.items():  # the service control manager's database is this key
            node = svc_root.child(name)
            if node is None:
                node = Node()
                svc_root.subkeys[name] = node
            node.set_value("Start", RegValue("REG_DWORD", svc.start))
        return Machine(
            os_caption=self.os_caption,
            os_build=self.os_build,
            server_core=self.server_core,
            ps_version=self.ps_version,
            clr_version=self.clr_version,
            psrp_protocol=self.psrp_protocol,
            max_envelope_kb=self.max_envelope_kb,
            hklm=self.hklm.freeze(),
            hkcu=self.hkcu.freeze(),
            files=Caseless(dict(self.files)),
            wmi=Caseless({k: tuple(Caseless(dict(r)) for r in v) for k, v in self.wmi.items()}),
            services=Caseless(dict(self.services)),
            env=Caseless(dict(self.env)),
        )

    def remove_service(self, name: str) -> None:
        _pop(self.services, name)
        self.remove_key(f"SYSTEM\\CurrentControlSet\\Services\\{name}")

    def set_service(self, name: str, start: int | None = None, status: str | None = None) -> None:
        old = _find(self.services, name)
        _pop(self.services, name)
        s = start if start is not None else (old.start if old else (2 if status == "Running" else 3))
        st = status if status is not None else (old.status if old else ("Running" if s == 2 else "Stopped"))
        self.services[name] = SimService(int(s), str(st))


# ---- a profile's ``machine:`` mapping -------------------------------------------------------------------

MACHINE_KEYS = frozenset(
    {"registry", "hkcu", "denied", "files", "services", "wmi", "features", "updates", "powershell", "env"}
)


def apply_machine_edits(d: Draft, raw: Mapping[str, Any], create: bool = False) -> None:
    """Apply a profile's ``machine:`` mapping. Raises EditError with one line. ``create``: an OS base
    machine's data, which may add Windows features (a site file only installs or removes those its
    Windows has)."""
    unknown = set(raw) - MACHINE_KEYS
    if unknown:
        raise EditError(f"machine: unknown key(s) {', '.join(sorted(map(str, unknown)))} "
                        f"(known: {', '.join(sorted(MACHINE_KEYS))})")
    if "powershell" in raw:
        ps = _mapping(raw["powershell"], "machine.powershell")
        if "version" not in ps:
            raise EditError("machine.powershell needs a version")
        d.set_powershell(str(ps["version"]), _opt(ps.get("clr")), _opt(ps.get("psrp")),
                         int(ps["max_envelope_kb"]) if ps.get("max_envelope_kb") else None)
    for hive, key in (("HKLM", "registry"), ("HKCU", "hkcu")):
        for path, values in _mapping(raw.get(key) or {}, f"machine.{key}").items():
            if values is None:
                d.remove_key(str(path), hive)
                continue
            node = d.ensure(str(path), hive)
            for name, v in _mapping(values, f"machine.{key}[{path}]").items():
                if v is None:
                    node.del_value(str(name))
                else:
                    node.set_value(str(name), reg_value(v))
    for path in _list(raw.get("denied") or [], "machine.denied"):
        d.ensure(str(path)).denied = True
    for path, spec in _mapping(raw.get("files") or {}, "machine.files").items():
        if spec is None:
            d.set_file(str(path), None)
        elif isinstance(spec, Mapping):
            d.set_file(str(path), SimFile(_opt(spec.get("version")), _opt(spec.get("text")),
                                          bool(spec.get("denied", False))))
        else:
            d.set_file(str(path), SimFile(str(spec)))
    for name, spec in _mapping(raw.get("services") or {}, "machine.services").items():
        if spec is None:
            d.remove_service(str(name))
        else:
            s = _mapping(spec, f"machine.services[{name}]")
            d.set_service(str(name), int(s["start"]) if "start" in s else None, _opt(s.get("status")))
    for cls, rows in _mapping(raw.get("wmi") or {}, "machine.wmi").items():
        if rows is None:
            d.wmi.pop(str(cls), None)
        else:
            d.wmi[str(cls)] = [dict(_mapping(r, f"machine.wmi[{cls}]")) for r in _list(rows, f"machine.wmi[{cls}]")]
    for name, state in _mapping(raw.get("features") or {}, "machine.features").items():
        d.set_feature(str(name), None if state is None else bool(state), create)
    for kb in _list(raw.get("updates") or [], "machine.updates"):
        d.install_update(str(kb))
    for name, value in _mapping(raw.get("env") or {}, "machine.env").items():
        _pop(d.env, str(name))
        if value is not None:
            d.env[str(name)] = str(value)


def _mapping(raw: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise EditError(f"{what} must be a mapping")
    return raw


def _list(raw: Any, what: str) -> list[Any]:
    if not isinstance(raw, list):
        raise EditError(f"{what} must be a list")
    return raw


def _opt(v: Any) -> str | None:
    return None if v is None else str(v)
