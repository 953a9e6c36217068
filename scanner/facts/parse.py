"""The collector's answer (what pypsrp hands back for the Hashtable) -> typed HostFacts.

The answer as a whole must be the collector's: one Hashtable carrying the marker key, the wire schema
and a ``facts`` table. Otherwise CollectorError, with the reason. Inside, each fact is judged on its
own: a malformed entry becomes UNREADABLE with the reason, never an exception, so one odd value costs
one fact and not the host.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from scanner.errors import CollectorError
from scanner.facts.version import Version
from scanner.model.facts import Fact, FactStatus, HostFacts

WIRE_SCHEMA = 1  # the "schema" key of the collector's Hashtable
MARKER_KEY = "exready_collector"
_MAX_ERROR = 500

Shape = Callable[[Any], Any]  # returns the normalised value or raises ValueError with the reason


def _str(v: Any) -> str:
    if isinstance(v, bool) or not isinstance(v, str | int):
        raise ValueError(f"expected a string, got {type(v).__name__}")
    return str(v)


def _nonempty_str(v: Any) -> str:
    s = _str(v).strip()
    if not s:
        raise ValueError("empty string")
    return s


def _int(v: Any) -> int:
    if isinstance(v, bool):
        raise ValueError("expected an integer, got a boolean")
    if isinstance(v, int):
        return v
    if isinstance(v, str) and v.strip().lstrip("-").isdigit():
        return int(v.strip())
    raise ValueError(f"expected an integer, got {v!r}"[:200])


def _build(v: Any) -> str:
    s = _str(v).strip()
    if not s.isdigit():
        raise ValueError(f"not a build number: {s!r}"[:200])
    return s


def _version(v: Any) -> str:
    s = _str(v).strip()
    Version.parse(s)  # raises ValueError with the reason
    return s


def _str_list(v: Any) -> list[str]:
    if isinstance(v, str):  # PowerShell unrolls a one-element array into its element
        v = [v]
    if v is None:
        return []
    if not isinstance(v, list):
        raise ValueError(f"expected a list of strings, got {type(v).__name__}")
    return [_str(x) for x in v if x is not None]


def _file(v: Any) -> dict[str, str]:
    if not isinstance(v, Mapping):
        raise ValueError(f"expected {{path, version}}, got {type(v).__name__}")
    path, version = v.get("path"), v.get("version")
    return {"path": _nonempty_str(path), "version": _version(version)}


_ROLE_FIELDS = ("action", "watermark", "unpacked_version", "configured_version")


def _v15_roles(v: Any) -> list[dict[str, str | None]]:
    if isinstance(v, Mapping):  # a single subkey, unrolled by PowerShell
        v = [v]
    if v is None:
        return []
    if not isinstance(v, list):
        raise ValueError(f"expected a list of role keys, got {type(v).__name__}")
    out: list[dict[str, str | None]] = []
    for n, e in enumerate(v):
        if not isinstance(e, Mapping):
            raise ValueError(f"role key entry {n} is not a table")
        entry: dict[str, str | None] = {"key": _nonempty_str(e.get("key"))}
        for f in _ROLE_FIELDS:
            raw = e.get(f)
            entry[f] = None if raw is None else _str(raw)
        out.append(entry)
    return out


def fact_shapes() -> Mapping[str, Shape]:
    """Validators for the facts whose shape is known (scanner/facts/keys.py). Facts not listed here are
    kept as reported, provided they are JSON-compatible."""
    return {
        "computer.name": _nonempty_str,
        "computer.domain": _nonempty_str,
        "os.caption": _str,
        "os.current_build": _build,
        "os.ubr": _int,
        "os.system_root": _nonempty_str,
        "os.installation_type": _str,
        "ps.version": _version,
        "file.rpchttp_dll": _file,
        "file.rpcrt4_dll": _file,
        "hotfix.ids": lambda v: [s.strip().upper() for s in _str_list(v)],
        "ucma.version": _version,
        "exchange.v15.roles": _v15_roles,
        "dotnet.release": _int,
        "reboot.pending": _str_list,
    }


def _json_compatible(v: Any, depth: int = 0) -> Any:
    if depth > 20:
        raise ValueError("value nested too deeply")
    if v is None or isinstance(v, bool | int | float | str):
        return v
    if isinstance(v, list | tuple):
        return [_json_compatible(x, depth + 1) for x in v]
    if isinstance(v, Mapping):
        return {str(k): _json_compatible(x, depth + 1) for k, x in v.items()}
    raise ValueError(f"value of type {type(v).__name__} is not plain data")


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_ERROR else text[: _MAX_ERROR - 3] + "..."


def parse_fact(name: str, entry: object, shapes: Mapping[str, Shape] | None = None) -> Fact:
    """One wire entry -> Fact. Never raises: a malformed entry is UNREADABLE with the reason."""
    shapes = fact_shapes() if shapes is None else shapes
    if not isinstance(entry, Mapping):
        return Fact(
            name,
            FactStatus.UNREADABLE,
            error=f"malformed entry: expected a table, got {type(entry).__name__}",
        )
    raw_status = entry.get("status")
    try:
        status = FactStatus(str(raw_status))
    except ValueError:
        return Fact(
            name, FactStatus.UNREADABLE, error=_clip(f"malformed entry: unknown status {raw_status!r}")
        )
    if status is FactStatus.ABSENT:
        return Fact(name, FactStatus.ABSENT)
    if status is FactStatus.UNREADABLE:
        err = entry.get("error")
        return Fact(
            name, FactStatus.UNREADABLE, error=_clip(str(err)) if err not in (None, "") else "no error text"
        )
    value = entry.get("value")
    try:
        shape = shapes.get(name)
        normalised = shape(value) if shape is not None else _json_compatible(value)
    except ValueError as exc:
        return Fact(name, FactStatus.UNREADABLE, error=_clip(f"malformed value: {exc}"))
    return Fact(name, FactStatus.PRESENT, value=normalised)


def _the_table(output: object) -> Mapping[Any, Any]:
    if isinstance(output, Mapping):
        return output
    if isinstance(output, list | tuple):
        tables = [o for o in output if isinstance(o, Mapping)]
        others = [o for o in output if o is not None and not isinstance(o, Mapping)]
        if len(tables) == 1 and not others:
            return tables[0]
        if not tables:
            raise CollectorError(f"the collector returned {len(output)} object(s) and no result table")
        raise CollectorError(
            f"the collector returned {len(tables)} table(s) and {len(others)} other object(s); "
            "expected one table"
        )
    raise CollectorError(f"the collector returned a {type(output).__name__}, not a result table")


def parse_collector_output(host: str, output: object) -> HostFacts:
    """Parse what the transport received for ``host``. Raises CollectorError when the answer is not the
    collector's shape or carries an unknown schema."""
    table = _the_table(output)
    marker = table.get(MARKER_KEY)
    if not isinstance(marker, str) or not marker.strip():
        raise CollectorError(
            f"{host}: the answer has no {MARKER_KEY} marker; it is not the collector's result"
        )
    schema = table.get("schema")
    if isinstance(schema, bool) or not isinstance(schema, int):
        raise CollectorError(f"{host}: the collector's answer has no schema number")
    if schema != WIRE_SCHEMA:
        raise CollectorError(f"{host}: collector schema {schema} is not supported (expected {WIRE_SCHEMA})")
    facts = table.get("facts")
    if not isinstance(facts, Mapping):
        raise CollectorError(f"{host}: the collector's answer has no facts table")
    shapes = fact_shapes()
    parsed: dict[str, Fact] = {}
    for key, entry in facts.items():
        if not isinstance(key, str) or not key:
            continue  # a key that is not a name cannot be matched by any rule
        parsed[key] = parse_fact(key, entry, shapes)
    return HostFacts(host=host, facts=dict(sorted(parsed.items())), collector_version=marker.strip())
