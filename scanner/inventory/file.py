"""Inventory files: a plain list, CSV, or YAML.

Plain list (one host a line; ``#`` starts a comment)::

    PAR-EX01
    par-ex02.corp.example  address=10.1.2.3 site=Paris port=5986 scheme=https auth=kerberos

CSV with a header row; the columns are the same names: ``name`` (or ``host``), ``fqdn``, ``address``,
``site``, ``port``, ``scheme``, ``auth``, ``tags`` (``;``-separated), ``tls_name`` (the name the host's HTTPS
certificate carries, when it is not the FQDN).

YAML: ``hosts:`` a list of strings or mappings with the same keys.

A bad line is an ``InventoryError`` naming file and line. Hosts that appear twice are merged (the later
line fills what the earlier one left empty; a real conflict is an error) and the merge is reported.
"""

from __future__ import annotations

import csv
import io
import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

import yaml

from scanner.errors import InventoryError
from scanner.model.host import AuthMethod, Host, Scheme

_E = TypeVar("_E", Scheme, AuthMethod)

_KEYS = ("name", "host", "fqdn", "address", "site", "port", "scheme", "auth", "tags", "tls_name")


@dataclass(frozen=True, slots=True)
class Inventory:
    hosts: tuple[Host, ...]
    merged: tuple[str, ...]  # one line per duplicate that was merged: "NAME: file:3 and file:9"
    source: str


def load_inventory(path: Path) -> Inventory:
    """Read an inventory file; the format follows the suffix (.csv, .yaml/.yml, anything else: list)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InventoryError(f"{path}: no such inventory file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InventoryError(f"{path}: cannot read the inventory: {exc}") from None
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows = _csv_rows(path, text)
    elif suffix in (".yaml", ".yml"):
        rows = _yaml_rows(path, text)
    else:
        rows = _list_rows(path, text)
    hosts, merged = _merge(rows)
    if not hosts:
        raise InventoryError(f"{path}: the inventory lists no host")
    return Inventory(hosts=tuple(hosts), merged=tuple(merged), source=str(path))


def _list_rows(path: Path, text: str) -> Iterable[Host]:
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        first, *rest = line.split()
        fields: dict[str, str] = {"name": first}
        for item in rest:
            key, sep, value = item.partition("=")
            if not sep or not value:
                raise InventoryError(f"{path}:{number}: expected key=value after the host name, got {item!r}")
            fields[key.strip().lower()] = value.strip()
        yield host_from_fields(fields, f"{path}:{number}")


def _csv_rows(path: Path, text: str) -> Iterable[Host]:
    # Only the delimiter is guessed, from the header; the quoting is Excel's, always: a header has no
    # quotes to learn from, and a dialect sniffed from it says "no doubled quotes", which garbles a
    # cell like "Paris ""North""" in every row below.
    try:
        delimiter = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.DictReader(io.StringIO(text), dialect=csv.excel, delimiter=delimiter)
    if not reader.fieldnames or not ({"name", "host"} & {f.strip().lower() for f in reader.fieldnames}):
        raise InventoryError(f"{path}:1: the CSV header needs a 'name' (or 'host') column")
    for row in reader:
        number = reader.line_num
        if None in row:
            raise InventoryError(f"{path}:{number}: more cells than header columns")
        fields = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k is not None}
        if not any(fields.values()):
            continue
        yield host_from_fields(fields, f"{path}:{number}")


def _yaml_rows(path: Path, text: str) -> Iterable[Host]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise InventoryError(f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(data, Mapping) or not isinstance(data.get("hosts"), list):
        raise InventoryError(f"{path}: a YAML inventory is a mapping with a 'hosts' list")
    for index, item in enumerate(data["hosts"], start=1):
        where = f"{path}: hosts[{index}]"
        if isinstance(item, str):
            yield host_from_fields({"name": item}, where)
        elif isinstance(item, Mapping):
            yield host_from_fields({str(k).lower(): _scalar(v, where, str(k)) for k, v in item.items()}, where)
        else:
            raise InventoryError(f"{where}: expected a host name or a mapping")


def _scalar(value: Any, where: str, key: str) -> str:
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return str(value)
    if value is None:
        return ""
    raise InventoryError(f"{where}: '{key}' must be a string or a number")


def host_from_fields(fields: Mapping[str, str], where: str) -> Host:
    """Build a Host from inventory fields; every error names ``where``."""
    unknown = sorted(set(fields) - set(_KEYS))
    if unknown:
        raise InventoryError(f"{where}: unknown field {unknown[0]!r} (known: {', '.join(_KEYS[:1] + _KEYS[2:])})")
    raw_name = (fields.get("name") or fields.get("host") or "").strip()
    if not raw_name:
        raise InventoryError(f"{where}: no host name")
    fqdn: str | None = (fields.get("fqdn") or "").strip().lower() or None
    address = (fields.get("address") or "").strip() or None
    if _is_ip(raw_name):
        address = address or raw_name
        name = raw_name
    else:
        if not _valid_dns_name(raw_name):
            raise InventoryError(f"{where}: {raw_name!r} is not a valid host name")
        short, _, domain = raw_name.partition(".")
        name = short.upper()
        if domain and fqdn is None:
            fqdn = raw_name.lower()
    if fqdn is not None and not _valid_dns_name(fqdn):
        raise InventoryError(f"{where}: {fqdn!r} is not a valid FQDN")
    if address is not None and not (_is_ip(address) or _valid_dns_name(address)):
        raise InventoryError(f"{where}: {address!r} is not an IP address or a host name")
    tls_name = (fields.get("tls_name") or "").strip().lower() or None
    if tls_name is not None and not (_is_ip(tls_name) or _valid_dns_name(tls_name)):
        raise InventoryError(f"{where}: tls_name {tls_name!r} is not a host name or an IP address")
    port: int | None = None
    if fields.get("port"):
        try:
            port = int(fields["port"])
        except ValueError:
            raise InventoryError(f"{where}: port {fields['port']!r} is not a number") from None
        if not 0 < port < 65536:
            raise InventoryError(f"{where}: port {port} is out of range")
    scheme = _enum(Scheme, fields.get("scheme"), where, "scheme")
    auth = _enum(AuthMethod, fields.get("auth"), where, "auth")
    if auth is AuthMethod.BASIC and scheme is Scheme.HTTP:
        raise InventoryError(f"{where}: Basic authentication is only allowed over HTTPS (scheme=https)")
    tags = tuple(t.strip() for t in (fields.get("tags") or "").split(";") if t.strip())
    return Host(name=name, fqdn=fqdn, address=address, site=(fields.get("site") or "").strip() or None,
                port=port, scheme=scheme, auth=auth, source=where, tags=tags, tls_name=tls_name)


def _enum(kind: type[_E], value: str | None, where: str, key: str) -> _E | None:
    if not value:
        return None
    try:
        return kind(value.strip().lower())
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        raise InventoryError(f"{where}: {key} {value!r} is not one of {allowed}") from None


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _valid_dns_name(text: str) -> bool:
    if len(text) > 253:
        return False
    labels = text.rstrip(".").split(".")
    return all(
        0 < len(label) <= 63 and label[0] != "-" and label[-1] != "-"
        and all(c.isalnum() or c == "-" for c in label) and label.isascii()
        for label in labels
    )


def _merge(rows: Iterable[Host]) -> tuple[list[Host], list[str]]:
    by_name: dict[str, Host] = {}
    merged: list[str] = []
    for host in rows:
        seen = by_name.get(host.name)
        if seen is None:
            by_name[host.name] = host
            continue
        by_name[host.name] = _combine(seen, host)
        merged.append(f"{host.name}: {seen.source} and {host.source}")
    return list(by_name.values()), merged


def _combine(first: Host, second: Host) -> Host:
    changes: dict[str, Any] = {}
    for field in ("fqdn", "address", "site", "port", "scheme", "auth", "tls_name"):
        a, b = getattr(first, field), getattr(second, field)
        if a is not None and b is not None and a != b:
            raise InventoryError(
                f"{second.source}: {second.name} is also at {first.source} with {field} {a!r}, not {b!r}")
        if a is None and b is not None:
            changes[field] = b
    changes["tags"] = tuple(dict.fromkeys(first.tags + second.tags))
    return replace(first, **changes)
