"""The OS base machines: Windows Server as each release installs it, from the package data in
scanner/simulator/os/<name>.yaml (read on first use, never at import). Each file names its sources.

A base machine file holds: name, inherits (another base it edits), family, caption, build, server_core,
powershell {version, clr, psrp, max_envelope_kb}, registry (HKLM path -> values), files (relative to
SystemRoot -> version), services, wmi, features, updates (KB -> the files it brings).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from importlib import resources
from typing import Any

import yaml

from scanner.simulator.draft import Draft, EditError, apply_machine_edits

_OS_PACKAGE = "scanner.simulator.os"
_BASE_KEYS = frozenset({"name", "inherits", "family", "caption", "build", "server_core", "powershell", "registry",
                        "files", "services", "wmi", "features", "updates"})


def base_names() -> tuple[str, ...]:
    """Every OS base machine's name, sorted."""
    return tuple(sorted(p.name.removesuffix(".yaml") for p in resources.files(_OS_PACKAGE).iterdir()
                        if p.name.endswith(".yaml")))


@functools.cache
def _document(name: str) -> Mapping[str, Any]:
    path = resources.files(_OS_PACKAGE).joinpath(f"{name}.yaml")
    if not path.is_file():
        raise EditError(f"unknown OS base machine {name!r} (known: {', '.join(base_names())})")
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(doc, Mapping) or set(doc) - _BASE_KEYS:
        raise EditError(f"OS base machine {name}: not a base machine document")
    return doc


@functools.cache
def _base(name: str) -> Draft:
    doc = _document(name)
    parent = doc.get("inherits")
    if parent:
        d = _base(str(parent)).copy()
        d.name = name
    else:
        ps = doc["powershell"]
        d = Draft(name=name, os_caption=str(doc["caption"]), os_build=int(doc["build"]),
                  server_core=bool(doc.get("server_core", False)), ps_version=str(ps["version"]),
                  clr_version=str(ps["clr"]), psrp_protocol=str(ps["psrp"]),
                  max_envelope_kb=int(ps["max_envelope_kb"]))
    if "caption" in doc:
        d.os_caption = str(doc["caption"])
    if "build" in doc:
        d.os_build = int(doc["build"])
    if "server_core" in doc:
        d.server_core = bool(doc["server_core"])
    if "family" in doc:
        d.family = str(doc["family"])
    for kb, files in (doc.get("updates") or {}).items():
        d.updates[str(kb).upper()] = {str(k): str(v) for k, v in (files or {}).items()}
    edits = {k: doc[k] for k in ("registry", "files", "services", "wmi", "features") if doc.get(k) is not None}
    if doc.get("powershell") and parent:
        edits["powershell"] = doc["powershell"]
    apply_machine_edits(d, edits, create=True)
    return d


def base_machine(name: str) -> Draft:
    """A fresh copy of the named base machine, to edit."""
    return _base(name).copy()


# Site files written before base machines name the OS by its caption ("Windows Server 2012 R2 Standard").
_FAMILIES = (
    (re.compile(r"2008\s*R2", re.I), "ws2008r2sp1"),
    (re.compile(r"2012\s*R2", re.I), "ws2012r2"),
    (re.compile(r"2012", re.I), "ws2012"),
    (re.compile(r"2016", re.I), "ws2016"),
    (re.compile(r"2019", re.I), "ws2019"),
    (re.compile(r"2022", re.I), "ws2022"),
    (re.compile(r"2025", re.I), "ws2025"),
)
_EDITIONS = (("Datacenter", "ServerDatacenter"), ("Enterprise", "ServerEnterprise"), ("Standard", "ServerStandard"),
             ("Web", "ServerWeb"))


def resolve_os(os_value: str) -> tuple[str, str | None, str | None]:
    """(base machine name, ProductName, EditionID) for a profile's ``os:``: a base machine's name, or a
    Windows caption (the base of its release, that caption as ProductName and its edition)."""
    value = os_value.strip()
    if value.casefold() in (n.casefold() for n in base_names()):
        return value.lower(), None, None
    for pattern, base in _FAMILIES:
        if pattern.search(value):
            edition = next((e for word, e in _EDITIONS if re.search(rf"\b{word}\b", value, re.I)), None)
            return base, value, edition
    raise EditError(f"os: {os_value!r} is neither an OS base machine ({', '.join(base_names())}) nor a "
                    "Windows Server 2008 R2/2012/2012 R2/2016/2019/2022 caption")
