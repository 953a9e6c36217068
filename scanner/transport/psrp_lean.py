"""The collector's fixed WS-Man/PSRP conversation, as byte templates and a small bounded reply reader.

A collector session is always the same few requests (Create shell, Receive until the pool opens,
Command, Receive until the pipeline ends, Signal on a deadline, Delete). pypsrp builds each one as an
ElementTree, serialises it, and reads every reply through a general CLIXML deserialiser. Here each
request is a template with the per-host parts filled in, producing the very bytes pypsrp 0.9.1 builds
(tests/transport/test_lean_bytes.py compares them), and a reply is read for the few things the
collector needs: the shell's id and selectors, the PSRP messages in its stdout streams, the protocol
version, the PSVersionTable, the pipeline's state, its output and its error records.

What a peer sends is read within bounds: the channel caps a reply at 1 MiB and a session at 4 MiB,
the defragmenter holds at most MAX_PENDING bytes of unfinished messages, and XML carrying a DOCTYPE
(the only way to declare an entity) is refused before it is parsed. Failures raise what pypsrp raises
for them (WSManFaultError from its own fault parser, WinRMError, FragmentError, InvalidPSRPOperation,
xml.etree's ParseError), so ``scanner.transport.failures.classify`` maps both paths alike.
"""

from __future__ import annotations

import base64
import functools
import re
import struct
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pypsrp.exceptions import FragmentError, InvalidPSRPOperation, WinRMError, WSManFaultError
from pypsrp.wsman import WSMan

# -- protocol constants (MS-PSRP 2.2.1, MS-WSMV), as pypsrp 0.9.1 sends them ---------------------------

PROTOCOL_VERSION = "2.3"  # what the client offers; the host answers with its own
DEFAULT_ENVELOPE = 153600  # pypsrp's MaxEnvelopeSize until a host says protocol 2.2 or later
LARGE_ENVELOPE = 512000  # ... and after (WinRM 3.0 and later default to 500 KiB)
SIGNAL_CTRL_C = "powershell/signal/ctrl_c"  # pypsrp's PowerShell.stop()
TIMED_OUT = 2150858793  # w:TimedOut: a long-poll Receive that had nothing to say; send it again

SESSION_CAPABILITY = 0x00010002
INIT_RUNSPACEPOOL = 0x00010004
RUNSPACEPOOL_STATE = 0x00021005
CREATE_PIPELINE = 0x00021006
APPLICATION_PRIVATE_DATA = 0x00021009
PIPELINE_OUTPUT = 0x00041004
ERROR_RECORD = 0x00041005
PIPELINE_STATE = 0x00041006

POOL_OPENED, POOL_BROKEN = 2, 5  # RunspacePoolState
PIPELINE_RUNNING, PIPELINE_FAILED = 1, 5  # PSInvocationState

_DEST_SERVER = 2
_FRAGMENT_HEADER = 21
# Unfinished PSRP messages a session may hold: the collector's answer is a few KB; a whole session's
# replies are capped at 4 MiB by the channel, base64 makes that 3 MiB of fragments.
MAX_PENDING = 4 * 1024 * 1024

_NS = {
    "rsp": "http://schemas.microsoft.com/wbem/wsman/1/windows/shell",
    "s": "http://www.w3.org/2003/05/soap-envelope",
    "wsa": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
    "wsman": "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd",
    "wsmv": "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd",
}
_XMLNS_ALL = " ".join(f'xmlns:{p}="{u}"' for p, u in sorted(_NS.items()))
_XMLNS_NO_RSP = " ".join(f'xmlns:{p}="{u}"' for p, u in sorted(_NS.items()) if p != "rsp")
_SHELL = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
_TRANSFER = "http://schemas.xmlsoap.org/ws/2004/09/transfer"
ACTION_CREATE = f"{_TRANSFER}/Create"
ACTION_DELETE = f"{_TRANSFER}/Delete"
ACTION_RECEIVE = f"{_SHELL}/Receive"
ACTION_COMMAND = f"{_SHELL}/Command"
ACTION_SEND = f"{_SHELL}/Send"
ACTION_SIGNAL = f"{_SHELL}/Signal"

# The two messages that open a pool, as pypsrp serialises them (RunspacePool.open, no host, 1..1
# runspaces, default thread options and apartment state, no application arguments).
_SESSION_CAPABILITY_XML = (
    b'<Obj RefId="0"><MS><Version N="protocolversion">2.3</Version><Version N="PSVersion">2.0</Version>'
    b'<Version N="SerializationVersion">1.1.0.1</Version></MS></Obj>')
_HOST_INFO = ('<Obj RefId="{ref}" N="HostInfo"><MS><B N="_isHostNull">true</B><B N="_isHostUINull">true</B>'
              '<B N="_isHostRawUINull">true</B><B N="_useRunspaceHost">true</B></MS></Obj>')
_ENUM_TN = "<T>System.Enum</T><T>System.ValueType</T><T>System.Object</T></TN>"
_INIT_RUNSPACEPOOL_XML = (
    '<Obj RefId="0"><MS><I32 N="MinRunspaces">1</I32><I32 N="MaxRunspaces">1</I32>'
    '<Obj RefId="1" N="PSThreadOptions"><TN RefId="0"><T>System.Management.Automation.Runspaces.PSThreadOptions</T>'
    f'{_ENUM_TN}<ToString>Default</ToString><I32>0</I32></Obj>'
    '<Obj RefId="2" N="ApartmentState"><TN RefId="1"><T>System.Management.Automation.Runspaces.ApartmentState</T>'
    f'{_ENUM_TN}<ToString>UNKNOWN</ToString><I32>2</I32></Obj>'
    + _HOST_INFO.format(ref=3) + '<Nil N="ApplicationArguments" /></MS></Obj>').encode()

_PIPELINE_TN = ("System.Collections.Generic.List`1[[System.Management.Automation.PSObject, "
                "System.Management.Automation, Version=1.0.0.0, Culture=neutral, PublicKeyToken=31bf3856ad364e35]]")
_MERGES = ("MergeMyResult", "MergeToResult", "MergePreviousResults", "Args")


def _merge_objects(protocol: str | None) -> str:
    """The Command's merge settings pypsrp writes for the host's protocol: MergeError, -Warning,
    -Verbose, -Debug from 2.2 on, MergeInformation from 2.3 (complex_objects.Command)."""
    names = list(_MERGES[:4])
    if at_least(protocol, "2.2"):
        names += ["MergeError", "MergeWarning", "MergeVerbose", "MergeDebug"]
    if at_least(protocol, "2.3"):
        names.append("MergeInformation")
    parts = []
    for ref, name in enumerate(names, start=7):
        if name == "Args":
            parts.append(f'<Obj RefId="{ref}" N="Args"><TNRef RefId="2" /><LST /></Obj>')
        elif name == "MergeMyResult":
            parts.append(f'<Obj RefId="{ref}" N="{name}"><TN RefId="3"><T>System.Management.Automation.Runspaces.'
                         f'PipelineResultTypes</T>{_ENUM_TN}<ToString>None</ToString><I32>0</I32></Obj>')
        else:
            parts.append(f'<Obj RefId="{ref}" N="{name}"><TNRef RefId="3" /><ToString>None</ToString>'
                         '<I32>0</I32></Obj>')
    return "".join(parts)


@functools.lru_cache(maxsize=8)
def create_pipeline_xml(script: str, protocol: str | None) -> bytes:
    """The CREATE_PIPELINE body of one script, added with add_script and started with begin_invoke's
    defaults (no input, AddInvocationInfo, no history, not nested, no host), for the host's protocol
    version: the same bytes pypsrp serialises, built once per process, script and protocol."""
    return (
        '<Obj RefId="0"><MS><B N="NoInput">true</B>'
        '<Obj RefId="1" N="ApartmentState"><TN RefId="0"><T>System.Management.Automation.Runspaces.ApartmentState</T>'
        f'{_ENUM_TN}<ToString>UNKNOWN</ToString><I32>2</I32></Obj>'
        '<Obj RefId="2" N="RemoteStreamOptions"><TN RefId="1"><T>System.Management.Automation.Runspaces.'
        f'RemoteStreamOptions</T>{_ENUM_TN}<ToString>AddInvocationInfo</ToString><I32>15</I32></Obj>'
        '<B N="AddToHistory">false</B>' + _HOST_INFO.format(ref=3)
        + '<Obj RefId="4" N="PowerShell"><MS><B N="IsNested">false</B><Nil N="ExtraCmds" />'
        f'<Obj RefId="5" N="Cmds"><TN RefId="2"><T>{_PIPELINE_TN}</T><T>System.Object</T></TN><LST>'
        f'<Obj RefId="6"><MS><S N="Cmd">{escape(clixml_string(script))}</S><B N="IsScript">true</B>'
        '<Nil N="UseLocalScope" />' + _merge_objects(protocol) + '</MS></Obj></LST></Obj><Nil N="History" />'
        '<B N="RedirectShellErrorOutputPipe">false</B></MS></Obj><B N="IsNested">false</B></MS></Obj>'
    ).encode()


_SERIAL_STR = re.compile("[\u0000-\u001f\u007f-\u009f\U00010000-\U0010ffff]")
_UNDERSCORE_X = re.compile("(?i)_(x)")
_ESCAPED = re.compile("_x([0-9A-Fa-f]{4})_")


def clixml_string(value: str) -> str:
    """MS-PSRP 2.2.5.3.2's string encoding, as pypsrp writes it: "_x" (either case) escaped first, then
    control characters and characters outside the BMP as _xHHHH_ (one per UTF-16 unit)."""
    value = _UNDERSCORE_X.sub("_x005F_\\1", value)

    def units(match: re.Match[str]) -> str:
        raw = match.group(0).encode("utf-16-be").hex().upper()
        return "".join(f"_x{raw[i:i + 4]}_" for i in range(0, len(raw), 4))

    return _SERIAL_STR.sub(units, value)


def clixml_unstring(value: str | None) -> str:
    """The inverse, as pypsrp reads it (surrogate pairs written as two units come back as one)."""
    if not value:
        return ""
    if "_x" not in value:
        return value
    text = _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), value)
    return text.encode("utf-16-be", "surrogatepass").decode("utf-16-be", "replace")


_TEXT_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))
_ATTR_ESCAPES = (*_TEXT_ESCAPES, ('"', "&quot;"), ("\r", "&#13;"), ("\n", "&#10;"), ("\t", "&#09;"))


def escape(text: str) -> str:
    """XML text as ElementTree writes it (&, < and >); most values hold none of them."""
    if "&" in text or "<" in text or ">" in text:
        for char, entity in _TEXT_ESCAPES:
            text = text.replace(char, entity)
    return text


def quoteattr(value: str) -> str:
    """An attribute value in double quotes, escaped as ElementTree escapes it."""
    if any(char in value for char, _ in _ATTR_ESCAPES):
        for char, entity in _ATTR_ESCAPES:
            value = value.replace(char, entity)
    return f'"{value}"'


# -- PSRP messages and fragments ------------------------------------------------------------------------


def guid_le(text: str | None) -> bytes:
    return uuid.UUID(text).bytes_le if text else b"\x00" * 16


def message(message_type: int, rpid: str, pid: str | None, body: bytes) -> bytes:
    """MS-PSRP 2.2.1: destination, type, RunspacePool and pipeline ids (little-endian GUIDs), data."""
    return struct.pack("<II", _DEST_SERVER, message_type) + guid_le(rpid) + guid_le(pid) + body


def fragment(object_id: int, fragment_id: int, data: bytes, start: bool, end: bool) -> bytes:
    return struct.pack(">QQBI", object_id, fragment_id, (1 if start else 0) | (2 if end else 0), len(data)) + data


def fragments(object_id: int, data: bytes, max_size: int) -> list[bytes]:
    """One message cut as pypsrp's Fragmenter.fragment cuts it: pieces of at most ``max_size`` bytes."""
    out = []
    for index, offset in enumerate(range(0, len(data), max_size)):
        out.append(fragment(object_id, index, data[offset:offset + max_size], index == 0,
                            offset + max_size >= len(data)))
    return out


def creation_xml(rpid: str) -> str:
    """The base64 creationXml of Create: SESSION_CAPABILITY (object 1) and INIT_RUNSPACEPOOL (object 2)
    in one blob, as pypsrp's fragment_multiple packs two small messages."""
    first = fragment(1, 0, message(SESSION_CAPABILITY, rpid, None, _SESSION_CAPABILITY_XML), True, True)
    second = fragment(2, 0, message(INIT_RUNSPACEPOOL, rpid, None, _INIT_RUNSPACEPOOL_XML), True, True)
    return base64.b64encode(first + second).decode("ascii")


def pipeline_fragments(script: str, protocol: str | None, rpid: str, pid: str, max_size: int) -> list[bytes]:
    """The CREATE_PIPELINE fragments (object 3: the pool's two opening messages were 1 and 2)."""
    return fragments(3, message(CREATE_PIPELINE, rpid, pid, create_pipeline_xml(script, protocol)), max_size)


# -- WS-Man envelopes -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Endpoint:
    """The per-host parts every envelope carries."""

    to: str  # the listener's URL
    session_id: str  # wsmv:SessionId, upper-case GUID
    operation_timeout: int
    locale: str = "en-US"
    data_locale: str = "en-US"


def _header(ep: Endpoint, action: str, resource_uri: str, message_id: str, max_envelope: int,
            timeout: int | None, options: str, selectors: str, xmlns: str) -> str:
    return (
        f'<s:Envelope {xmlns}><s:Header><wsa:Action s:mustUnderstand="true">{action}</wsa:Action>'
        f'<wsmv:DataLocale s:mustUnderstand="false" xml:lang={quoteattr(ep.data_locale)} />'
        f'<wsman:Locale s:mustUnderstand="false" xml:lang={quoteattr(ep.locale)} />'
        f'<wsman:MaxEnvelopeSize s:mustUnderstand="true">{max_envelope}</wsman:MaxEnvelopeSize>'
        f'<wsa:MessageID>uuid:{message_id}</wsa:MessageID>'
        f'<wsman:OperationTimeout>PT{timeout or ep.operation_timeout}S</wsman:OperationTimeout>'
        '<wsa:ReplyTo><wsa:Address s:mustUnderstand="true">'
        'http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsa:Address></wsa:ReplyTo>'
        f'<wsman:ResourceURI s:mustUnderstand="true">{escape(resource_uri)}</wsman:ResourceURI>'
        f'<wsmv:SessionId s:mustUnderstand="false">uuid:{ep.session_id}</wsmv:SessionId>'
        f'<wsa:To>{escape(ep.to)}</wsa:To>{options}{selectors}</s:Header>')


def _options(*items: tuple[str, str, bool]) -> str:
    inner = "".join(f'<wsman:Option{_MUST_COMPLY if must else ""} Name={quoteattr(name)}>{escape(value)}</wsman:Option>'
                    for name, value, must in items)
    return f'<wsman:OptionSet s:mustUnderstand="true">{inner}</wsman:OptionSet>'


_MUST_COMPLY = ' MustComply="true"'


def selector_xml(selectors: tuple[tuple[str, str], ...]) -> str:
    inner = "".join(f"<wsman:Selector Name={quoteattr(n)}>{escape(v)}</wsman:Selector>" for n, v in selectors)
    return f"<wsman:SelectorSet>{inner}</wsman:SelectorSet>"


def create_envelope(ep: Endpoint, resource_uri: str, message_id: str, rpid: str) -> bytes:
    head = _header(ep, ACTION_CREATE, resource_uri, message_id, DEFAULT_ENVELOPE, None,
                   _options(("protocolversion", PROTOCOL_VERSION, True)), "", _XMLNS_ALL)
    return (f'{head}<s:Body><rsp:Shell ShellId="{rpid}"><rsp:InputStreams>stdin pr</rsp:InputStreams>'
            '<rsp:OutputStreams>stdout</rsp:OutputStreams>'
            f'<creationXml xmlns="http://schemas.microsoft.com/powershell">{creation_xml(rpid)}</creationXml>'
            "</rsp:Shell></s:Body></s:Envelope>").encode()


def receive_envelope(ep: Endpoint, resource_uri: str, message_id: str, max_envelope: int,
                     selectors: tuple[tuple[str, str], ...], command_id: str | None = None,
                     timeout: int | None = None) -> bytes:
    head = _header(ep, ACTION_RECEIVE, resource_uri, message_id, max_envelope, timeout,
                   _options(("WSMAN_CMDSHELL_OPTION_KEEPALIVE", "True", False)), selector_xml(selectors), _XMLNS_ALL)
    stream = "<rsp:DesiredStream>" if command_id is None else f"<rsp:DesiredStream CommandId={quoteattr(command_id)}>"
    return f"{head}<s:Body><rsp:Receive>{stream}stdout</rsp:DesiredStream></rsp:Receive></s:Body></s:Envelope>".encode()


def command_envelope(ep: Endpoint, resource_uri: str, message_id: str, max_envelope: int,
                     selectors: tuple[tuple[str, str], ...], pid: str, first_fragment: bytes) -> bytes:
    head = _header(ep, ACTION_COMMAND, resource_uri, message_id, max_envelope, None,
                   _options(("WINRS_SKIP_CMD_SHELL", "False", False)), selector_xml(selectors), _XMLNS_ALL)
    data = base64.b64encode(first_fragment).decode("ascii")
    return (f'{head}<s:Body><rsp:CommandLine CommandId="{pid}"><rsp:Command /><rsp:Arguments>{data}'
            "</rsp:Arguments></rsp:CommandLine></s:Body></s:Envelope>").encode()


def send_envelope(ep: Endpoint, resource_uri: str, message_id: str, max_envelope: int,
                  selectors: tuple[tuple[str, str], ...], command_id: str, data: bytes) -> bytes:
    head = _header(ep, ACTION_SEND, resource_uri, message_id, max_envelope, None, "", selector_xml(selectors),
                   _XMLNS_ALL)
    payload = base64.b64encode(data).decode("ascii")
    return (f'{head}<s:Body><rsp:Send><rsp:Stream Name="stdin" CommandId={quoteattr(command_id)}>{payload}'
            "</rsp:Stream></rsp:Send></s:Body></s:Envelope>").encode()


def signal_envelope(ep: Endpoint, resource_uri: str, message_id: str, max_envelope: int,
                    selectors: tuple[tuple[str, str], ...], pid: str) -> bytes:
    head = _header(ep, ACTION_SIGNAL, resource_uri, message_id, max_envelope, None, "", selector_xml(selectors),
                   _XMLNS_ALL)
    return (f'{head}<s:Body><rsp:Signal CommandId="{pid}"><rsp:Code>{SIGNAL_CTRL_C}</rsp:Code></rsp:Signal>'
            "</s:Body></s:Envelope>").encode()


def delete_envelope(ep: Endpoint, resource_uri: str, message_id: str, max_envelope: int,
                    selectors: tuple[tuple[str, str], ...]) -> bytes:
    head = _header(ep, ACTION_DELETE, resource_uri, message_id, max_envelope, None, "", selector_xml(selectors),
                   _XMLNS_NO_RSP)
    return f"{head}<s:Body /></s:Envelope>".encode()


@functools.lru_cache(maxsize=256)
def max_payload(max_envelope: int, to_length: int, locale: str, data_locale: str, operation_timeout: int) -> int:
    """pypsrp's WSMan._calc_envelope_size: the base64 payload that fits a ``max_envelope`` request,
    measured on a mock Send envelope (its variable parts are GUIDs of fixed length and the URL, whose
    length alone counts: a URL holds nothing XML escapes)."""
    zero = "00000000-0000-0000-0000-000000000000"
    ep = Endpoint("x" * to_length, zero.upper(), operation_timeout, locale, data_locale)
    # the mock's header states the size in force before (pypsrp computes the new budget first): 153600
    head = _header(ep, ACTION_SEND, "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd", zero.upper(),
                   DEFAULT_ENVELOPE, None, "", selector_xml((("ShellId", zero),)), _XMLNS_ALL)
    # pypsrp appends the Send element to the Envelope itself, not to a Body
    mock = f'{head}<rsp:Send><rsp:Stream Name="stdin" CommandId="{zero}" /></rsp:Send></s:Envelope>'
    return int((max_envelope - (len(mock.encode()) + 256)) / 4 * 3)


def fragment_size(max_envelope: int, ep: Endpoint) -> int:
    """The largest PSRP fragment payload pypsrp's Fragmenter cuts for this envelope size: its header is
    taken off the first size (150 KiB), not off the one a protocol 2.2+ host sets (pypsrp 0.9.1)."""
    size = max_payload(max_envelope, len(ep.to), ep.locale, ep.data_locale, ep.operation_timeout)
    return size - _FRAGMENT_HEADER if max_envelope == DEFAULT_ENVELOPE else size


# -- replies --------------------------------------------------------------------------------------------


def parse_xml(body: bytes) -> ET.Element:
    """A peer's XML, without DTDs: WS-Man never sends one, and only a DTD declares entities."""
    if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        raise ET.ParseError("the reply declares a DTD")
    try:
        return ET.fromstring(body)  # noqa: S314 - no DTD, so no entity can expand (checked above)
    except ValueError as exc:  # a NUL byte or an undecodable text: not XML either
        raise ET.ParseError(str(exc)) from None


def wsman_fault(text: str) -> WSManFaultError:
    """The WSManFaultError pypsrp raises for an error reply (its own parser, so that code, reason and
    machine are read alike); xml.etree's ParseError when the body is not XML."""
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise ET.ParseError("the reply declares a DTD")
    return WSMan._parse_wsman_fault(text)


_Q_RELATES = f"{{{_NS['s']}}}Header/{{{_NS['wsa']}}}RelatesTo"
_Q_BODY = f"{{{_NS['s']}}}Body"
_Q_STREAM = f"{{{_NS['rsp']}}}ReceiveResponse/{{{_NS['rsp']}}}Stream"
_Q_COMMAND_ID = f"{{{_NS['rsp']}}}CommandResponse/{{{_NS['rsp']}}}CommandId"
_Q_SHELL_ID = f"{{{_NS['rsp']}}}Shell/{{{_NS['rsp']}}}ShellId"
_Q_SHELL_URI = f"{{{_NS['rsp']}}}Shell/{{{_NS['rsp']}}}ResourceUri"
_Q_SELECTORS = ("{http://schemas.xmlsoap.org/ws/2004/09/transfer}ResourceCreated/"
                f"{{{_NS['wsa']}}}ReferenceParameters/{{{_NS['wsman']}}}SelectorSet")


def reply_body(body: bytes, message_id: str) -> ET.Element:
    """The s:Body of a reply that answers ``message_id`` (pypsrp's check: WinRMError otherwise)."""
    root = parse_xml(body)
    relates = root.findtext(_Q_RELATES) or ""
    if relates != f"uuid:{message_id}":
        raise WinRMError("Received related id does not match related expected message id: "
                         f"Sent: uuid:{message_id}, Received: {relates}")
    found = root.find(_Q_BODY)
    return found if found is not None else ET.Element(_Q_BODY)


@dataclass(frozen=True, slots=True)
class CreatedShell:
    shell_id: str | None
    resource_uri: str | None
    selectors: tuple[tuple[str, str], ...] | None


def created_shell(body: ET.Element) -> CreatedShell:
    """What pypsrp's WinRS._parse_shell_create keeps of a CreateResponse."""
    selector_set = body.find(_Q_SELECTORS)
    selectors = None
    if selector_set is not None:
        selectors = tuple((s.attrib.get("Name", ""), s.text or "") for s in selector_set)
    return CreatedShell(body.findtext(_Q_SHELL_ID), body.findtext(_Q_SHELL_URI), selectors)


def command_id(body: ET.Element) -> str | None:
    return body.findtext(_Q_COMMAND_ID)


def stdout_bytes(body: ET.Element) -> bytes:
    """The decoded stdout streams of a ReceiveResponse, in order."""
    out = bytearray()
    for stream in body.iterfind(_Q_STREAM):
        if stream.text is None or stream.attrib.get("Name") != "stdout":
            continue
        try:
            out += base64.b64decode(stream.text, validate=False)
        except ValueError as exc:
            raise FragmentError(f"a stream is not base64: {exc}") from None
    return bytes(out)


@dataclass(frozen=True, slots=True)
class PsrpMessage:
    message_type: int
    pid: bytes  # the pipeline id, little-endian GUID bytes (zeros for the pool)
    data: bytes  # the CLIXML, BOM removed


class Defragmenter:
    """MS-PSRP 2.2.4 fragments to messages, across Receive replies, within MAX_PENDING bytes."""

    def __init__(self) -> None:
        self._pending: dict[int, tuple[int, bytearray]] = {}  # object id -> (next fragment id, data)
        self._held = 0

    def feed(self, data: bytes) -> list[PsrpMessage]:
        done: list[PsrpMessage] = []
        view = memoryview(data)
        pos = 0
        while pos < len(view):
            if len(view) - pos < _FRAGMENT_HEADER:
                raise FragmentError("a PSRP fragment header is cut short")
            object_id, fragment_id, flags, length = struct.unpack_from(">QQBI", view, pos)
            pos += _FRAGMENT_HEADER
            if length > len(view) - pos:
                raise FragmentError("a PSRP fragment is cut short")
            piece = view[pos:pos + length]
            pos += length
            start, end = bool(flags & 1), bool(flags & 2)
            expected, buffer = self._pending.get(object_id, (0, bytearray()))
            if fragment_id != expected:
                raise FragmentError(f"Fragment Fragment Id: {fragment_id} != Expected Fragment Id: {expected}")
            if start:
                self._held -= len(buffer)
                buffer = bytearray()
            buffer += piece
            self._held += len(piece)
            if end:
                self._pending.pop(object_id, None)
                self._held -= len(buffer)
                done.append(_unpack(bytes(buffer)))
            else:
                if self._held > MAX_PENDING:
                    raise FragmentError(f"unfinished PSRP messages past {MAX_PENDING:,} bytes")
                self._pending[object_id] = (expected + 1, buffer)
        return done


def _unpack(data: bytes) -> PsrpMessage:
    if len(data) < 40:
        raise FragmentError("a PSRP message is shorter than its header")
    message_type = struct.unpack_from("<I", data, 4)[0]
    body = data[43:] if data[40:43] == b"\xef\xbb\xbf" else data[40:]
    return PsrpMessage(message_type, data[24:40], body)


# -- the CLIXML of the few messages read ----------------------------------------------------------------


def _ms_child(obj: ET.Element, name: str) -> ET.Element | None:
    for ms in obj:
        if ms.tag in ("MS", "Props"):
            for child in ms:
                if child.get("N") == name:
                    return child
    return None


def session_protocol(data: bytes) -> str | None:
    """SESSION_CAPABILITY's protocolversion."""
    found = _ms_child(parse_xml(data), "protocolversion")
    return found.text if found is not None else None


def state_and_error(data: bytes, field: str) -> tuple[int, str | None]:
    """RUNSPACEPOOL_STATE (``RunspaceState``) or PIPELINE_STATE (``PipelineState``): the state and the
    text of its ExceptionAsErrorRecord, if any."""
    root = parse_xml(data)
    state = _ms_child(root, field)
    try:
        value = int((state.text if state is not None else None) or "")
    except ValueError:
        raise ET.ParseError(f"{field} is not a number") from None
    record = _ms_child(root, "ExceptionAsErrorRecord")
    return value, (error_text(record) if record is not None else None)


def error_text(record: ET.Element) -> str:
    """What pypsrp's str(ErrorRecord) gives (its ToString), else its ErrorCategory_Message."""
    shown = clixml_unstring(record.findtext("ToString")).strip()
    if shown:
        return shown
    message_el = _ms_child(record, "ErrorCategory_Message")
    return clixml_unstring(message_el.text if message_el is not None else None).strip()


def error_record_text(data: bytes) -> str:
    return error_text(parse_xml(data))


def application_private_data(data: bytes) -> Any:
    """The PSVersionTable of APPLICATION_PRIVATE_DATA as a dict of plain values (None when absent)."""
    root = parse_xml(data)
    private = _ms_child(root, "ApplicationPrivateData")
    if private is None:
        return None
    table = _value(private, 0)
    return table.get("PSVersionTable") if isinstance(table, dict) else None


_MAX_DEPTH = 16  # the PSVersionTable is 3 deep; CLIXML nests no deeper than a peer makes it


def _value(element: ET.Element, depth: int) -> Any:
    """A small CLIXML reader for what a PSVersionTable holds: strings, versions, numbers, booleans,
    hashtables (DCT) and lists (LST); anything else is None (pypsrp's typed objects say nothing here)."""
    tag = element.tag
    if tag in ("S", "Version"):
        return clixml_unstring(element.text) if tag == "S" else (element.text or "")
    if tag in ("I32", "I64", "I16", "U32", "U64", "U16", "By", "SB"):
        try:
            return int(element.text or "")
        except ValueError:
            return None
    if tag == "B":
        return (element.text or "").lower() == "true"
    if tag != "Obj" or depth >= _MAX_DEPTH:
        return None
    for child in element:
        if child.tag == "DCT":
            table: dict[Any, Any] = {}
            for entry in child:
                key = value = None
                for part in entry:
                    name = part.get("N")
                    if name == "Key" and key is None:
                        key = part
                    elif name == "Value" and value is None:
                        value = part
                if key is not None:
                    k = _value(key, depth + 1)
                    if isinstance(k, str | int | bool):
                        table[k] = _value(value, depth + 1) if value is not None else None
            return table
        if child.tag == "LST":
            return [_value(item, depth + 1) for item in child]
    return None


class PoolOpening:
    """What the Receives that open a pool say: the protocol version (which sets the envelope size pypsrp
    uses from then on), the PSVersionTable, and the pool's state (opened, or InvalidPSRPOperation when
    broken, as pypsrp raises)."""

    def __init__(self) -> None:
        self.protocol: str | None = None
        self.table: Any = None
        self.opened = False
        self.max_envelope = DEFAULT_ENVELOPE

    def take(self, msg: PsrpMessage) -> None:
        if msg.message_type == SESSION_CAPABILITY:
            self.protocol = session_protocol(msg.data)
            if at_least(self.protocol, "2.2") and self.max_envelope == DEFAULT_ENVELOPE:
                self.max_envelope = LARGE_ENVELOPE
        elif msg.message_type == APPLICATION_PRIVATE_DATA:
            self.table = application_private_data(msg.data)
        elif msg.message_type == RUNSPACEPOOL_STATE:
            pool_state(msg.data)
            self.opened = True


def pool_state(data: bytes) -> int:
    state, error = state_and_error(data, "RunspaceState")
    if state == POOL_BROKEN:
        raise InvalidPSRPOperation(f"Received a broken RunspacePoolState message: {error}")
    return state


class PipelineRun:
    """What the Receives of a running pipeline say: its output objects, its error records' texts and
    its state (pypsrp's PowerShell.poll_invoke and the message handlers it calls)."""

    def __init__(self, deserialize: Callable[[ET.Element], Any]) -> None:
        self.state = PIPELINE_RUNNING
        self.output: list[Any] = []
        self.errors: list[str] = []
        self._deserialize = deserialize

    def take(self, msg: PsrpMessage) -> None:
        kind = msg.message_type
        if kind == PIPELINE_OUTPUT:
            self.output.append(output_value(msg.data, self._deserialize))
        elif kind == ERROR_RECORD:
            self.errors.append(error_record_text(msg.data))
        elif kind == PIPELINE_STATE:
            self.state, error = state_and_error(msg.data, "PipelineState")
            if error is not None:
                self.errors.append(error)
        elif kind == RUNSPACEPOOL_STATE:
            pool_state(msg.data)


def at_least(version: str | None, minimum: str) -> bool:
    """pypsrp's version_equal_or_newer."""
    try:
        have = [int(p) for p in (version or "").split(".")]
        want = [int(p) for p in minimum.split(".")]
    except ValueError:
        return False
    return have >= want


def output_value(data: bytes, deserialize: Callable[[ET.Element], Any]) -> Any:
    """A PIPELINE_OUTPUT's object: a string (the collector's one answer) read here, anything else by
    ``deserialize`` (the fast CLIXML deserialiser pypsrp's path uses), so both paths give the same."""
    element = parse_xml(data)
    if element.tag == "S" and not element.attrib:
        return clixml_unstring(element.text)
    try:
        return deserialize(element)
    except Exception as exc:  # noqa: BLE001 - pypsrp's deserialiser raises KeyError, ValueError... on bad CLIXML
        raise ET.ParseError(f"an output object is not CLIXML ({type(exc).__name__})") from None
