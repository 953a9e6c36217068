"""The collector's answer (what pypsrp hands back: one string of JSON) -> typed HostFacts.

The answer as a whole must be the collector's: one JSON object carrying the marker key, the wire schema
and a ``facts`` object (scanner/facts/keys.py). Otherwise CollectorError, with the reason. Inside, each
fact is judged on its own: a malformed entry becomes UNREADABLE with the reason, never an exception, so
one odd value costs one fact and not the host.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from scanner.errors import AnswerTooLarge, CollectorError
from scanner.facts.version import Version
from scanner.model.facts import Fact, FactStatus, HostFacts

WIRE_SCHEMA = 2  # the "schema" key of the collector's answer (2: one JSON string; 1 was a Hashtable)
MARKER_KEY = "exready_collector"
_MAX_ERROR = 500
# The collector's real answer is a few KB, its largest fact (the hotfix list) a few hundred bytes to a
# few KB. An answer or a fact past these caps is not the collector's: the host is a remote fault,
# with the size, rather than megabytes of facts carried into reports and history.
MAX_ANSWER = 1024 * 1024  # characters of the answer's JSON text
MAX_FACT = 64 * 1024  # characters of one fact's entry (status, value, error), as compact JSON
_SNIPPET = 80  # characters of a non-JSON answer quoted in the error

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


def _bool(v: Any) -> bool:
    if not isinstance(v, bool):
        raise ValueError(f"expected a boolean, got {type(v).__name__}")
    return v


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
        "ps.clr_version": _version,
        "file.wmspdmod_dll": _file,
        "file.wmspdmoe_dll": _file,
        "computer.dns_hostname": _nonempty_str,
        "computer.nv_domain": _nonempty_str,
        "netfx3.http_activation": _bool,
        # collectors before 1.2.0 (saved answers): still read
        "policy.execution_policy": _str,
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


def _unwrap_psobject_array(obj: dict[str, Any]) -> Any:
    """Windows PowerShell 3.0-5.1's ConvertTo-Json writes an array wrapped in a PSObject as
    ``{"value": [...], "Count": n}`` (the Count alias System.Array gets from types.ps1xml comes along).
    Exactly that object, with n the list's length, is the list again; any other object stays."""
    if len(obj) == 2:
        value = obj.get("value")
        count = obj.get("Count")
        if isinstance(value, list) and type(count) is int and count == len(value):
            return value
    return obj


def _the_text(host: str, output: object) -> str:
    """The one JSON string the collector outputs (pypsrp hands back a list of the output objects)."""
    outputs = output if isinstance(output, list | tuple) else [output]
    objects = [o for o in outputs if o is not None]  # a stray $null carries nothing
    if not objects:
        raise CollectorError(f"{host}: the collector returned no output")
    if len(objects) > 1:
        kinds = ", ".join(sorted({type(o).__name__ for o in objects}))
        raise CollectorError(
            f"{host}: the collector returned {len(objects)} outputs ({kinds}); expected one JSON string"
        )
    text = objects[0]
    if isinstance(text, Mapping):
        raise CollectorError(
            f"{host}: the collector returned a table, not the JSON string of wire schema {WIRE_SCHEMA} "
            "(an older collector's answer)"
        )
    if not isinstance(text, str):
        raise CollectorError(
            f"{host}: the collector returned a {type(text).__name__}, not its JSON answer (one string)"
        )
    return text


def _decode(host: str, text: str) -> Mapping[str, Any]:
    try:
        table = json.loads(text, object_hook=_unwrap_psobject_array)
    except RecursionError:
        raise CollectorError(f"{host}: the collector's answer is nested too deeply to read") from None
    except ValueError as exc:
        snippet = _clip(text[:_SNIPPET]) or "(empty)"
        if len(text) > _SNIPPET:
            snippet += "..."
        raise CollectorError(f"{host}: the collector's answer is not JSON ({exc}): {snippet}") from exc
    if not isinstance(table, dict):
        raise CollectorError(
            f"{host}: the collector's answer is JSON but not an object (a {type(table).__name__})"
        )
    return table


def _check_fact_sizes(host: str, facts: Mapping[str, Any]) -> None:
    for key, entry in facts.items():
        size = len(json.dumps(entry, separators=(",", ":"), ensure_ascii=False, default=str))
        if size > MAX_FACT:
            raise AnswerTooLarge(f"{host}: the fact {str(key)[:80]!r} is {size:,} characters of JSON, past the "
                                 f"{MAX_FACT // 1024} KiB cap on one fact")


def parse_collector_output(host: str, output: object) -> HostFacts:
    """Parse what the transport received for ``host``. Raises CollectorError when the answer is not the
    collector's shape or carries an unknown schema, AnswerTooLarge when it or one of its facts is past
    its size cap."""
    text = _the_text(host, output)
    if len(text) > MAX_ANSWER:
        raise AnswerTooLarge(f"{host}: the collector's answer is {len(text):,} characters, past the "
                             f"{MAX_ANSWER // (1024 * 1024)} MiB cap (the collector's real answer is a few KB)")
    table = _decode(host, text)
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
    if len(text) > MAX_FACT:  # only then can one fact be past its cap
        _check_fact_sizes(host, facts)
    shapes = fact_shapes()
    parsed: dict[str, Fact] = {}
    for key, entry in facts.items():
        if not isinstance(key, str) or not key:
            continue  # a key that is not a name cannot be matched by any rule
        parsed[key] = parse_fact(key, entry, shapes)
    return HostFacts(host=host, facts=dict(sorted(parsed.items())), collector_version=marker.strip())
