"""What a simulated host answers to a pipeline. The simulator never runs PowerShell: it recognises
the scanner's collector script by the marker on its first line (``# exready-collector <version>
<dialect>``) and answers as the script of that dialect does on the host's machine: the collector's reads
evaluated against the machine model (scanner.simulator.reads), as one string, the facts in the wire
shape of scanner.facts.keys as compact JSON. A ps3 script on Windows PowerShell 2.0 fails as Windows
fails; any other script fails as a real host fails on a command it does not know.

Answers are kept per (collector version, dialect, machine): hosts that share a machine object (a host
and its copies with other addresses, or a site loaded once and scanned many times) read it once.
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from psrpcore.types import ErrorCategory, ErrorCategoryInfo, ErrorRecord, NETException

from scanner.facts.keys import COLLECTOR_MARKER
from scanner.simulator import reads
from scanner.simulator.factvalue import PRESENT, UNREADABLE, FactValue
from scanner.simulator.faults import DEFAULT_HUGE_ANSWER, DEFAULT_SCRIPT_ERROR
from scanner.simulator.machine import Machine
from scanner.simulator.profiles import SimHost

WIRE_SCHEMA = 2  # what scanner/probes/ps/footer.ps1 writes
_MARKER_LINE = re.compile(r"^\s*#\s*" + re.escape(COLLECTOR_MARKER) + r"\s+(\S+)")
_DIALECT = re.compile(r"(?m)^\s*#\s*" + re.escape(COLLECTOR_MARKER) + r"\s+\S+\s+(ps\d)\b")
_MARKER_ANY_LINE = re.compile(r"(?m)^\s*#\s*" + re.escape(COLLECTOR_MARKER) + r"\s+(\S+)")
_FIRST_WORD = re.compile(r"[^\s;|(){}]+")
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class PipelineRequest:
    """The part of a CREATE_PIPELINE the simulator looks at."""

    script: str
    out_string: bool = False  # Client.execute_ps: Invoke-Expression ... | Out-String -Stream


@dataclass(frozen=True, slots=True)
class ScriptAnswer:
    """Output objects, then either completion or a terminating error record."""

    output: tuple[Any, ...] = field(default=())
    error: ErrorRecord | None = None
    collector: bool = False


def pipeline_request(commands: Sequence[Any]) -> PipelineRequest:
    """Read the script out of psrpcore's pipeline commands."""
    if not commands:
        return PipelineRequest("")
    first = commands[0]
    if first.is_script:
        return PipelineRequest(str(first.command_text))
    if str(first.command_text).lower() == "invoke-expression":
        params = {str(k).lower(): v for k, v in first.parameters}
        out_string = any(str(c.command_text).lower() == "out-string" for c in commands[1:])
        return PipelineRequest(str(params.get("command", "")), out_string)
    return PipelineRequest(" | ".join(str(c.command_text) for c in commands))


def collector_version(script: str) -> str | None:
    """The collector version named by the marker comment, ``# exready-collector <version>``: on the
    script's first line, or on a line of its own when a wrapper (a remote-execution tool's bootstrap,
    an ``& { ... }`` block) put lines before it."""
    for line in script.splitlines():
        if line.strip():
            m = _MARKER_LINE.match(line)
            if m:
                return m.group(1)
            break
    m = _MARKER_ANY_LINE.search(script)
    return m.group(1) if m else None


def collector_dialect(script: str) -> str:
    """The dialect the marker names (``# exready-collector 1.2.0 ps2``); collectors before 1.2.0 were ps3."""
    m = _DIALECT.search(script)
    return m.group(1) if m else "ps3"


def dialect_failure(machine: reads.RunsPowerShell, script: str) -> ErrorRecord | None:
    """The error a host whose PowerShell cannot run this collector dialect answers (the ps3 script on
    Windows PowerShell 2.0: ConvertTo-Json is not recognized), or None."""
    name = reads.script_failure(machine, collector_dialect(script))
    return None if name is None else command_not_found(name)


def answer(host: SimHost, request: PipelineRequest) -> ScriptAnswer:
    version = collector_version(request.script)
    if version is None:
        return ScriptAnswer(error=command_not_found(_first_command(request.script)))
    failure = dialect_failure(host.machine, request.script)
    if failure is not None:  # the ps3 collector on Windows PowerShell 2.0
        return ScriptAnswer(error=failure, collector=True)
    fault = host.fault
    if fault is not None and fault.kind == "script_error":
        return ScriptAnswer(error=script_failure(fault.message or DEFAULT_SCRIPT_ERROR), collector=True)
    dialect = collector_dialect(request.script)
    if fault is not None and fault.kind == "partial_facts":
        facts = dict(_read(host.machine, dialect))
        for name in fault.missing:
            facts.pop(name, None)
        for name, err in fault.unreadable:
            facts[name] = FactValue(UNREADABLE, None, err)
        text = collector_answer(version, facts)
    elif fault is not None and fault.kind == "huge_answer":
        facts = dict(_read(host.machine, dialect))
        size = DEFAULT_HUGE_ANSWER if fault.size is None else fault.size
        facts["os.caption"] = FactValue(PRESENT, "X" * size)
        text = collector_answer(version, facts)
    else:
        text = _cached_answer(host.machine, version, dialect)
    output = tuple(out_string_stream(text)) if request.out_string else (text,)
    return ScriptAnswer(output=output, collector=True)


class _PerMachine:
    """A bounded LRU cache of what was computed for a machine object (and a few strings). Machines are
    not hashable by value (their hives are mappings), so the key is the object's id, and the machine is
    kept beside the value so that id cannot be reused by another machine while the entry lives."""

    SIZE = 4096

    def __init__(self) -> None:
        self._entries: OrderedDict[tuple[int, tuple[str, ...]], tuple[Machine, Any]] = OrderedDict()
        self._lock = threading.Lock()  # the simulator thread and a test's thread may both ask

    def get(self, machine: Machine, key: tuple[str, ...], compute: Callable[[], _T]) -> _T:
        full = (id(machine), key)
        with self._lock:
            hit = self._entries.get(full)
            if hit is not None and hit[0] is machine:
                self._entries.move_to_end(full)
                return cast(_T, hit[1])
        value = compute()
        with self._lock:
            self._entries[full] = (machine, value)
            if len(self._entries) > self.SIZE:
                self._entries.popitem(last=False)
        return value


_facts = _PerMachine()  # (dialect) -> the facts the collector reads
_answers = _PerMachine()  # (collector version, dialect) -> the answer's JSON text


def _read(machine: Machine, dialect: str) -> Mapping[str, FactValue]:
    return _facts.get(machine, (dialect,), lambda: reads.collect_facts(machine, dialect))


def _cached_answer(machine: Machine, version: str, dialect: str) -> str:
    return _answers.get(machine, (version, dialect),
                        lambda: collector_answer(version, dict(_read(machine, dialect))))


def machine_facts(machine: Machine, dialect: str | None = None) -> Mapping[str, FactValue]:
    """What the collector reads on ``machine``: in ``dialect``, by default the one exready sends to
    its PowerShell (ps2 on Windows PowerShell 2.0, else ps3)."""
    from scanner.probes.collector import dialect_for

    return _read(machine, dialect or dialect_for(machine.ps_version))


def collector_answer(version: str, facts: dict[str, FactValue]) -> str:
    """What the collector script outputs: its result table through ``ConvertTo-Json -Compress``."""
    return json.dumps(collector_table(version, facts), separators=(",", ":"), ensure_ascii=False)


def collector_table(version: str, facts: dict[str, FactValue]) -> dict[str, Any]:
    """The collector's result table before it is converted to JSON. Each entry has the keys the script's
    helpers give it (Get-ExPresent: status, value; Get-ExAbsent: status; Get-ExUnreadable: status, error)."""
    return {
        "exready_collector": version,
        "schema": WIRE_SCHEMA,
        "facts": {name: _entry(f) for name, f in facts.items()},
    }


def _entry(f: FactValue) -> dict[str, Any]:
    if f.status == PRESENT:
        return {"status": f.status, "value": _copy(f.value)}
    if f.status == UNREADABLE:
        return {"status": f.status, "error": f.error or "unknown error"}
    return {"status": f.status}


def _copy(value: Any) -> Any:
    # psrpcore serialises the objects it is given; hand it fresh containers, never the profile's own
    if isinstance(value, dict):
        return {str(k): _copy(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_copy(v) for v in value]
    return value


def _first_command(script: str) -> str:
    for line in script.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            m = _FIRST_WORD.match(stripped)
            if m:
                return m.group(0)
    return script.strip()[:60]


def _error_record(
    message: str,
    type_names: Sequence[str],
    category: ErrorCategory,
    reason: str,
    fqid: str,
    target: Any = None,
    target_name: str = "",
) -> ErrorRecord:
    exc = NETException(Message=message)
    exc.PSObject.type_names = [*type_names, *exc.PSTypeNames]
    return ErrorRecord(
        Exception=exc,
        CategoryInfo=ErrorCategoryInfo(Category=category, Reason=reason, TargetName=target_name),
        TargetObject=target,
        FullyQualifiedErrorId=fqid,
    )


def command_not_found(name: str) -> ErrorRecord:
    return _error_record(
        f"The term '{name}' is not recognized as the name of a cmdlet, function, script file, or operable "
        "program. Check the spelling of the name, or if a path was included, verify that the path is "
        "correct and try again.",
        [
            "System.Management.Automation.CommandNotFoundException",
            "System.Management.Automation.RuntimeException",
            "System.SystemException",
        ],
        ErrorCategory.ObjectNotFound,
        "CommandNotFoundException",
        "CommandNotFoundException",
        target=name,
        target_name=name,
    )


def script_failure(message: str) -> ErrorRecord:
    return _error_record(
        message,
        ["System.Security.SecurityException", "System.SystemException"],
        ErrorCategory.NotSpecified,
        "SecurityException",
        "System.Security.SecurityException",
    )


def out_string_stream(text: str) -> list[str]:
    """A string as ``Out-String -Stream`` passes it on: one output line per line of the string (plain
    strings are not wrapped to the width). The compact JSON answer has no line break: one line."""
    return text.replace("\r\n", "\n").split("\n")  # its line breaks only, not str.splitlines' many
