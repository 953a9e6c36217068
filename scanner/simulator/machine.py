"""The simulator's model of one Windows install: what the collector's reads find on it.

A profile describes the machine (registry, files, WMI instances, services, environment, the PowerShell
and CLR it runs); the collector's answer is derived from it by the read evaluator
(scanner.simulator.reads), the way the real script reads that Windows. Nothing here holds facts.

Windows looks registry key and value names, file paths, WMI classes, service names and environment
variables up without regard to case; the mappings here do the same (``Caseless``) and keep the spelling
they were given, as Windows keeps it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

V = TypeVar("V")

REG_KINDS = frozenset({"REG_SZ", "REG_EXPAND_SZ", "REG_DWORD", "REG_QWORD", "REG_MULTI_SZ", "REG_BINARY"})


class Caseless(Mapping[str, V]):
    """A read-only mapping whose keys are looked up case-insensitively (as Windows names are), iterated
    in the spelling and order they were given."""

    __slots__ = ("_items", "_folded", "_hash")

    def __init__(self, items: Mapping[str, V] | None = None) -> None:
        self._items: dict[str, V] = {}
        self._folded: dict[str, str] = {}
        for k, v in (items or {}).items():
            folded = k.casefold()
            old = self._folded.get(folded)
            if old is not None:  # a later spelling replaces an earlier one, as one name
                del self._items[old]
            self._folded[folded] = k
            self._items[k] = v
        self._hash: int | None = None

    def __getitem__(self, key: str) -> V:
        return self._items[self._folded[key.casefold()]]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.casefold() in self._folded

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Caseless({self._items!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Caseless):
            return self._items == other._items
        return isinstance(other, Mapping) and dict(self._items) == dict(other)

    def __hash__(self) -> int:
        # machines are cache keys (one answer per machine); their content never changes after building
        if self._hash is None:
            self._hash = hash(tuple((k.casefold(), _hashable(v)) for k, v in self._items.items()))
        return self._hash


def _hashable(v: Any) -> Any:
    if isinstance(v, Mapping) and not isinstance(v, Caseless):
        return tuple((k, _hashable(x)) for k, x in v.items())
    if isinstance(v, list | tuple):
        return tuple(_hashable(x) for x in v)
    return v


@dataclass(frozen=True, slots=True)
class RegValue:
    kind: str  # "REG_SZ" | "REG_EXPAND_SZ" | "REG_DWORD" | "REG_QWORD" | "REG_MULTI_SZ" | "REG_BINARY"
    data: Any

    def __hash__(self) -> int:
        return hash((self.kind, _hashable(self.data)))


@dataclass(frozen=True, slots=True)
class RegKey:
    values: Mapping[str, RegValue] = field(default_factory=lambda: Caseless())
    subkeys: Mapping[str, RegKey] = field(default_factory=lambda: Caseless())
    denied: bool = False  # opening it raises "Requested registry access is not allowed."

    def value(self, name: str) -> RegValue | None:
        return _get(self.values, name)

    def subkey(self, name: str) -> RegKey | None:
        return _get(self.subkeys, name)

    def __hash__(self) -> int:
        return hash((_as_caseless(self.values), _as_caseless(self.subkeys), self.denied))


@dataclass(frozen=True, slots=True)
class SimFile:
    version: str | None = None  # "6.1.7601.17514" (version resource); None: no version resource
    text: str | None = None  # content, for files read as text (applicationHost.config)
    denied: bool = False


@dataclass(frozen=True, slots=True)
class SimService:
    start: int
    status: str  # "Running", "Stopped", ...


@dataclass(frozen=True, slots=True)
class Machine:
    os_caption: str
    os_build: int
    server_core: bool
    ps_version: str  # "2.0", "3.0", "4.0", "5.1.14393.0"
    clr_version: str  # "2.0.50727.5420", "4.0.30319.42000"
    psrp_protocol: str  # "2.1" (WinRM 2.0 / PS 2.0), "2.2" (PS 3.0/4.0), "2.3" (PS 5.1)
    max_envelope_kb: int  # 150 on WinRM 2.0, 500 on WinRM 3.0 and later
    hklm: RegKey
    hkcu: RegKey
    files: Mapping[str, SimFile]
    wmi: Mapping[str, tuple[Mapping[str, Any], ...]]
    services: Mapping[str, SimService]
    env: Mapping[str, str]

    def reg(self, hive: str, path: str) -> RegKey | None:
        """The key at ``path`` under HKLM or HKCU (names case-insensitive), None when a key on the way
        does not exist."""
        h = hive.upper().removesuffix(":")
        if h in ("HKLM", "HKEY_LOCAL_MACHINE"):
            key: RegKey | None = self.hklm
        elif h in ("HKCU", "HKEY_CURRENT_USER"):
            key = self.hkcu
        else:
            return None
        for part in path.strip("\\").split("\\"):
            if not part:
                continue
            if key is None:
                return None
            key = key.subkey(part)
        return key

    def file(self, path: str) -> SimFile | None:
        return _get(self.files, path)

    def __hash__(self) -> int:
        return hash((self.os_caption, self.os_build, self.ps_version, self.clr_version, self.hklm,
                     self.hkcu, _as_caseless(self.files)))


def _get(m: Mapping[str, V], name: str) -> V | None:
    if isinstance(m, Caseless):
        return m.get(name)
    v = m.get(name)
    if v is not None:
        return v
    folded = name.casefold()
    return next((x for k, x in m.items() if k.casefold() == folded), None)


def _as_caseless(m: Mapping[str, Any]) -> Caseless[Any]:
    return m if isinstance(m, Caseless) else Caseless(m)


# ---- building ------------------------------------------------------------------------------------


def sz(text: str) -> RegValue:
    return RegValue("REG_SZ", text)


def dword(n: int) -> RegValue:
    return RegValue("REG_DWORD", n)


def key_tree(entries: Mapping[str, Mapping[str, RegValue]], denied: frozenset[str] = frozenset()) -> RegKey:
    """A hive from ``{path: {value name: value}}``: every key on a path exists; paths in ``denied``
    (case-insensitive) cannot be opened."""
    root: dict[str, Any] = {"values": {}, "subkeys": {}, "path": ""}
    for path, values in entries.items():
        node = root
        for part in (p for p in path.split("\\") if p):
            sub = next((v for k, v in node["subkeys"].items() if k.casefold() == part.casefold()), None)
            if sub is None:
                sub = {"values": {}, "subkeys": {}, "path": f"{node['path']}\\{part}".lstrip("\\")}
                node["subkeys"][part] = sub
            node = sub
        node["values"].update(values)
    folded_denied = {d.casefold() for d in denied}

    def build(node: dict[str, Any]) -> RegKey:
        return RegKey(Caseless(node["values"]), Caseless({k: build(v) for k, v in node["subkeys"].items()}),
                      node["path"].casefold() in folded_denied)

    return build(root)


def edit_hive(root: RegKey, changes: Mapping[str, Mapping[str, RegValue | None]]) -> RegKey:
    """``root`` with values set (None: removed) at the given paths, every key on a path created; the keys
    not on a path are shared with ``root`` (cheap per host: a few keys rebuilt, not the hive)."""
    tree: dict[str, Any] = {}
    for path, values in changes.items():
        node = tree
        for part in (p for p in path.split("\\") if p):
            node = node.setdefault(part.casefold(), {"name": part, "sub": {}})["sub"]
        node["\0values"] = {**node.get("\0values", {}), **values}

    def rebuild(key: RegKey | None, spec: dict[str, Any]) -> RegKey:
        key = key or RegKey()
        values = dict(key.values)
        for name, v in spec.get("\0values", {}).items():
            for k in [k for k in values if k.casefold() == name.casefold()]:
                del values[k]
            if v is not None:
                values[name] = v
        subkeys = dict(key.subkeys)
        for folded, child in spec.items():
            if folded == "\0values":
                continue
            existing = next((k for k in subkeys if k.casefold() == folded), None)
            old = subkeys.pop(existing) if existing is not None else None
            subkeys[existing or child["name"]] = rebuild(old, child["sub"])
        return RegKey(Caseless(values), Caseless(subkeys), key.denied)

    return rebuild(root, tree)
