"""WS-Management: parse a request envelope, dispatch Create/Command/Receive/Send/Signal/Delete (and an
Enumerate of the shell resource) to the host's shells, and build answers and faults the way WinRM does
(pypsrp looks elements up by namespace and checks that RelatesTo is the request's MessageID)."""

from __future__ import annotations

import base64
import binascii
import functools
import re
import uuid
import xml.etree.ElementTree as ET  # noqa: S405 - parses our own client's envelopes on loopback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol
from xml.sax.saxutils import escape

from scanner.simulator import scripts
from scanner.simulator.faults import (
    ERROR_WSMAN_ACTION_NOT_SUPPORTED,
    WsmanFault,
    invalid_selectors,
)
from scanner.simulator.psrp import ClientGone, OnGone, Remoting, Shell, fragment_size

NS = {
    "s": "http://www.w3.org/2003/05/soap-envelope",
    "a": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
    "w": "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd",
    "rsp": "http://schemas.microsoft.com/wbem/wsman/1/windows/shell",
    "pwsh": "http://schemas.microsoft.com/powershell",
}
_T = "http://schemas.xmlsoap.org/ws/2004/09/transfer/"
_SHELL = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/"
_ENUMERATION = "http://schemas.xmlsoap.org/ws/2004/09/enumeration/"
SHELL_URI = _SHELL.rstrip("/")
ACTIONS = {
    _ENUMERATION + "Enumerate": "enumerate",
    _T + "Create": "create",
    _T + "Delete": "delete",
    _T + "Get": "get",
    _SHELL + "Command": "command",
    _SHELL + "Receive": "receive",
    _SHELL + "Send": "send",
    _SHELL + "Signal": "signal",
}
RESPONSE_ACTION = {
    "create": _T + "CreateResponse",
    "delete": _T + "DeleteResponse",
    "get": _T + "GetResponse",
    "command": _SHELL + "CommandResponse",
    "receive": _SHELL + "ReceiveResponse",
    "send": _SHELL + "SendResponse",
    "signal": _SHELL + "SignalResponse",
}
FAULT_ACTION = "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault"
POWERSHELL_URI = "http://schemas.microsoft.com/powershell/"
CMD_DONE = _SHELL + "CommandState/Done"
CMD_RUNNING = _SHELL + "CommandState/Running"
SIGNAL_TERMINATE = _SHELL + "signal/Terminate"
SIGNAL_CTRL_C = ("powershell/signal/ctrl_c", _SHELL + "signal/ctrl_c")
_DURATION = re.compile(r"^PT(\d+(?:\.\d+)?)S$")

_HEAD = (
    '<s:Envelope xml:lang="en-US" xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
    'xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" '
    'xmlns:x="http://schemas.xmlsoap.org/ws/2004/09/transfer" '
    'xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" '
    'xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell" '
    'xmlns:p="http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd">'
    "<s:Header><a:Action>{action}</a:Action><a:MessageID>uuid:{mid}</a:MessageID>"
    "<a:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:To>"
    "<a:RelatesTo>{relates}</a:RelatesTo></s:Header><s:Body>"
)
_TAIL = "</s:Body></s:Envelope>"


@functools.cache
def _q(path: str) -> str:
    """``s:Header`` as ``{http://www.w3.org/2003/05/soap-envelope}Header`` (each step of a path): what
    ElementTree does with a namespace map on every call, done once. A one-step path in this form
    takes ElementTree's own C lookup instead of its Python path evaluator."""
    steps = []
    for step in path.split("/"):
        prefix, _, local = step.partition(":")
        steps.append(f"{{{NS[prefix]}}}{local}")
    return "/".join(steps)


def _children(parent: ET.Element, tag: str, child_tag: str) -> list[ET.Element]:
    """What ``parent.findall("tag/child_tag")`` finds, in document order, without the path evaluator."""
    return [c for el in parent if el.tag == tag for c in el if c.tag == child_tag]


class BadRequest(Exception):
    """Not a WS-Man envelope at all: HTTP 400, as HTTP.sys answers."""


@dataclass(frozen=True, slots=True)
class Request:
    action: str
    stage: str  # create, receive, ... or the raw action URI when unknown
    message_id: str
    resource_uri: str
    shell_id: str | None
    max_envelope: int
    operation_timeout_s: float
    body: ET.Element


def parse(data: bytes) -> Request:
    try:
        env = ET.fromstring(data)  # noqa: S314
    except ET.ParseError as exc:
        raise BadRequest(str(exc)) from None
    header = env.find(_q("s:Header"))
    body = env.find(_q("s:Body"))
    if header is None or body is None:
        raise BadRequest("no SOAP header or body")
    action = header.findtext(_q("a:Action"), "").strip()
    shell_id = None
    for sel in _children(header, _q("w:SelectorSet"), _q("w:Selector")):
        if sel.get("Name") == "ShellId":
            shell_id = (sel.text or "").strip().upper()
    try:
        max_env = int(header.findtext(_q("w:MaxEnvelopeSize"), "153600"))
    except ValueError:
        max_env = 153600
    m = _DURATION.match(header.findtext(_q("w:OperationTimeout"), "PT60S").strip())
    return Request(
        action=action,
        stage=ACTIONS.get(action, action),
        message_id=header.findtext(_q("a:MessageID"), "").strip(),
        resource_uri=header.findtext(_q("w:ResourceURI"), "").strip(),
        shell_id=shell_id,
        max_envelope=max(max_env, 8192),
        operation_timeout_s=float(m.group(1)) if m else 60.0,
        body=body,
    )


def envelope(action: str, relates_to: str, body: str) -> bytes:
    return (
        _HEAD.format(action=action, mid=str(uuid.uuid4()).upper(), relates=escape(relates_to)) + body + _TAIL
    ).encode("utf-8")


def fault_envelope(relates_to: str, fault: WsmanFault, machine: str) -> bytes:
    kind = "s:Receiver" if fault.receiver else "s:Sender"
    reason = escape(fault.reason)
    body = (
        f"<s:Fault><s:Code><s:Value>{kind}</s:Value><s:Subcode><s:Value>{escape(fault.subcode)}</s:Value>"
        f'</s:Subcode></s:Code><s:Reason><s:Text xml:lang="en-US">{reason} </s:Text></s:Reason>'
        f'<s:Detail><f:WSManFault xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault" '
        f'Code="{fault.code}" Machine="{escape(machine)}"><f:Message>{reason} </f:Message>'
        f"</f:WSManFault></s:Detail></s:Fault>"
    )
    return envelope(FAULT_ACTION, relates_to, body)


def _b64(text: str | None) -> bytes:
    try:
        return base64.b64decode(text or "", validate=True)
    except binascii.Error:
        raise WsmanFault(
            2150858817,
            "w:InvalidRepresentation",
            "The WS-Management service cannot process the request because the XML is "
            "invalid (bad base64 data).",
        ) from None


def _uuid(text: str | None, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(text or "")
    except ValueError:
        raise invalid_selectors(what) from None


class ShellHost(Protocol):
    """What the dispatcher needs from the host: its shells, their quota, and what to count."""

    name: str
    remoting: Remoting

    def shells(self) -> dict[str, Shell]: ...

    def open_shell(
        self, shell_id: str, resource_uri: str, owner: str, client_ip: str, idle_timeout_s: float | None
    ) -> Shell: ...

    def close_shell(self, shell_id: str) -> None: ...

    def answer(self, request: scripts.PipelineRequest) -> scripts.ScriptAnswer: ...

    def script_delay_s(self) -> float: ...

    def broken_reason(self) -> str | None: ...

    def count_script(self) -> None: ...

    def listener_url(self) -> str: ...


async def dispatch(
    req: Request,
    host: ShellHost,
    owner: str,
    client_ip: str,
    client_gone: Callable[[], bool],
    on_gone: OnGone | None = None,
) -> bytes:
    """The answer envelope for one request; raises WsmanFault or ClientGone."""
    # the client's MaxEnvelopeSize bounds the answer, capped at the host's own MaxEnvelopeSizekb
    # ([MS-WSMAN] 3.1.4.1.9: larger values are taken as the configured maximum)
    frag = fragment_size(min(req.max_envelope, host.remoting.max_envelope))
    if req.stage == "create":
        return _create(req, host, owner, client_ip, frag)
    if req.stage == "enumerate" and req.resource_uri == SHELL_URI:
        return _enumerate_shells(req, host, owner)
    if req.stage not in RESPONSE_ACTION:
        raise WsmanFault(
            ERROR_WSMAN_ACTION_NOT_SUPPORTED,
            "w:ActionNotSupported",
            "The WS-Management service cannot process the request because the action is not supported.",
        )
    shell = host.shells().get(req.shell_id or "")
    if shell is None:
        raise invalid_selectors()
    shell.touch()
    relates = req.message_id
    if req.stage == "receive":
        return await _receive(req, shell, frag, client_gone, on_gone)
    if req.stage == "command":
        cl = req.body.find(_q("rsp:CommandLine"))
        if cl is None:
            raise invalid_selectors("the command line")
        cmd_text = (cl.get("CommandId") or str(uuid.uuid4())).upper()
        pipeline_id = _uuid(cmd_text, "the command")
        if host.remoting.protocol == "2.1":
            # WinRM 2.0 gives the command an id of its own, not the client's (the PSRP pipeline keeps the
            # client's): recorded from a 2008 R2 host in pypsrp's test_psrp_run_protocol_version_2.1.yml
            cmd_text = str(uuid.uuid4()).upper()
        shell.command_ids[uuid.UUID(cmd_text)] = pipeline_id
        started = shell.command(
            pipeline_id,
            _b64(cl.findtext(_q("rsp:Arguments"), "")),
            frag,
            host.answer,
            host.script_delay_s(),
        )
        for _ in range(started):
            host.count_script()
        return envelope(
            RESPONSE_ACTION["command"],
            relates,
            f"<rsp:CommandResponse><rsp:CommandId>{cmd_text}</rsp:CommandId></rsp:CommandResponse>",
        )
    if req.stage == "send":
        streams = []
        for st in req.body.findall(_q("rsp:Send/rsp:Stream")):
            cid = st.get("CommandId")
            target = shell.pipeline_id(_uuid(cid, "the command")) if cid else None
            streams.append((st.get("Name") or "stdin", target, _b64(st.text)))
        # a CREATE_PIPELINE too large for one envelope goes on in Send ([MS-PSRP] 3.1.5.1.1)
        for _ in range(shell.send(streams, frag, host.answer, host.script_delay_s())):
            host.count_script()
        return envelope(RESPONSE_ACTION["send"], relates, "<rsp:SendResponse/>")
    if req.stage == "signal":
        sig = req.body.find(_q("rsp:Signal"))
        if sig is None:
            raise invalid_selectors("the command")
        code = sig.findtext(_q("rsp:Code"), "").strip()
        shell.signal(
            shell.pipeline_id(_uuid(sig.get("CommandId"), "the command")),
            code == SIGNAL_TERMINATE,
            code.lower() in SIGNAL_CTRL_C,
            frag,
        )
        return envelope(RESPONSE_ACTION["signal"], relates, "<rsp:SignalResponse/>")
    if req.stage == "delete":
        host.close_shell(shell.id)
        return envelope(RESPONSE_ACTION["delete"], relates, "")
    # get
    return envelope(
        RESPONSE_ACTION["get"],
        relates,
        f"<rsp:Shell><rsp:ShellId>{shell.id}</rsp:ShellId><rsp:State>Connected</rsp:State></rsp:Shell>",
    )


def _create(req: Request, host: ShellHost, owner: str, client_ip: str, frag: int) -> bytes:
    if not req.resource_uri.startswith(POWERSHELL_URI):
        raise WsmanFault(
            ERROR_WSMAN_ACTION_NOT_SUPPORTED,
            "w:ActionNotSupported",
            "The WS-Management service cannot process the request: this host serves PowerShell "
            "remoting shells only.",
        )
    shell_el = req.body.find(_q("rsp:Shell"))
    creation = shell_el.find(_q("pwsh:creationXml")) if shell_el is not None else None
    if shell_el is None or creation is None:
        raise WsmanFault(
            2150858817,
            "w:InvalidRepresentation",
            "The WS-Management service cannot process the request because the shell has no creationXml.",
        )
    shell_id = (shell_el.get("ShellId") or str(uuid.uuid4())).upper()
    data = _b64(creation.text)
    m = _DURATION.match(shell_el.findtext(_q("rsp:IdleTimeOut"), "").strip())
    requested_idle = float(m.group(1)) if m else None
    # raises the quota fault
    shell = host.open_shell(shell_id, req.resource_uri, owner, client_ip, requested_idle)
    try:
        shell.open(data, frag, host.broken_reason())
    except Exception:
        host.close_shell(shell_id)
        raise
    created = (
        f"<x:ResourceCreated><a:Address>{escape(host.listener_url())}</a:Address><a:ReferenceParameters>"
        f"<w:ResourceURI>{escape(req.resource_uri)}</w:ResourceURI><w:SelectorSet>"
        f'<w:Selector Name="ShellId">{shell_id}</w:Selector></w:SelectorSet></a:ReferenceParameters>'
        f"</x:ResourceCreated>"
    )
    if host.remoting.protocol == "2.1":
        # WinRM 2.0 answers a Create with the shell's reference only (as recorded from a 2008 R2 host
        # in pypsrp's test_psrp_run_protocol_version_2.1.yml); WinRM 3.0 added the rsp:Shell details
        return envelope(RESPONSE_ACTION["create"], req.message_id, created)
    idle = f"PT{shell.idle_timeout_s:.3f}S"
    body = created + (
        f"<rsp:Shell><rsp:ShellId>{shell_id}</rsp:ShellId>"
        f"<rsp:ResourceUri>{escape(req.resource_uri)}</rsp:ResourceUri><rsp:Owner>{escape(owner)}</rsp:Owner>"
        f"<rsp:ClientIP>{escape(client_ip)}</rsp:ClientIP>"
        f"<rsp:ProcessId>{4000 + len(host.shells())}</rsp:ProcessId>"
        f"<rsp:IdleTimeOut>{idle}</rsp:IdleTimeOut><rsp:InputStreams>stdin pr</rsp:InputStreams>"
        f"<rsp:OutputStreams>stdout</rsp:OutputStreams><rsp:MaxIdleTimeOut>PT2147483.647S</rsp:MaxIdleTimeOut>"
        f"<rsp:Locale>en-US</rsp:Locale><rsp:DataLocale>en-US</rsp:DataLocale>"
        f"<rsp:CompressionMode>NoCompression</rsp:CompressionMode><rsp:ProfileLoaded>Yes</rsp:ProfileLoaded>"
        f"<rsp:Encoding>UTF8</rsp:Encoding><rsp:BufferMode>Block</rsp:BufferMode><rsp:State>Connected</rsp:State>"
        f"<rsp:ShellRunTime>P0DT0H0M0S</rsp:ShellRunTime><rsp:ShellInactivity>P0DT0H0M0S</rsp:ShellInactivity>"
        f"</rsp:Shell>"
    )
    return envelope(RESPONSE_ACTION["create"], req.message_id, body)


async def _receive(
    req: Request, shell: Shell, frag: int, client_gone: Callable[[], bool], on_gone: OnGone | None
) -> bytes:
    ds = next(iter(_children(req.body, _q("rsp:Receive"), _q("rsp:DesiredStream"))), None)
    cmd_text = ds.get("CommandId") if ds is not None else None
    command_id = shell.pipeline_id(_uuid(cmd_text, "the command")) if cmd_text else None
    try:
        result = await shell.receive(command_id, req.operation_timeout_s, frag, client_gone, on_gone)
    finally:
        shell.touch()
    cattr = f' CommandId="{cmd_text.upper()}"' if cmd_text else ""
    parts = ["<rsp:ReceiveResponse>"]
    for name, data in result.streams:
        parts.append(f'<rsp:Stream Name="{name}"{cattr}>{base64.b64encode(data).decode()}</rsp:Stream>')
    if cmd_text:
        state = CMD_DONE if result.done else CMD_RUNNING
        parts.append(f'<rsp:CommandState CommandId="{cmd_text.upper()}" State="{state}"/>')
    parts.append("</rsp:ReceiveResponse>")
    return envelope(RESPONSE_ACTION["receive"], req.message_id, "".join(parts))


def _enumerate_shells(req: Request, host: ShellHost, owner: str) -> bytes:
    """The caller's open shells, all in the answer (tools such as NetExec enumerate the shell resource
    to learn whether the account may use WinRM, and read nothing else). Windows keeps the items for a
    Pull unless the client asks for OptimizeEnumeration; one answer with EndOfSequence serves both."""
    items = "".join(
        f"<rsp:Shell><rsp:ShellId>{s.id}</rsp:ShellId><rsp:ResourceUri>{escape(s.resource_uri)}</rsp:ResourceUri>"
        f"<rsp:Owner>{escape(s.owner)}</rsp:Owner><rsp:ClientIP>{escape(s.client_ip)}</rsp:ClientIP>"
        f"<rsp:State>Connected</rsp:State></rsp:Shell>"
        for s in host.shells().values()
        if s.owner == owner
    )
    body = (
        f'<n:EnumerateResponse xmlns:n="{_ENUMERATION.rstrip("/")}">'
        f"<n:EnumerationContext>uuid:{str(uuid.uuid4()).upper()}</n:EnumerationContext>"
        f"<w:Items>{items}</w:Items><w:EndOfSequence/></n:EnumerateResponse>"
    )
    return envelope(_ENUMERATION + "EnumerateResponse", req.message_id, body)


__all__ = [
    "BadRequest",
    "ClientGone",
    "Request",
    "ShellHost",
    "dispatch",
    "envelope",
    "fault_envelope",
    "parse",
]
