"""The lean path reads real Windows replies as pypsrp's path does. The replies are those pypsrp 0.9.1
records in its own test suite (tests/tests_pypsrp/responses, copied into pypsrp_recorded_replies.json,
Send replies left out since the collector sends no input):

- test_psrp_run_protocol_version_2.1: a 2008 R2 host, WinRM 2.0, Windows PowerShell 2.0 (protocol 2.1);
- test_psrp_run_protocol_version_2.2: a 2012 R2 host that answers protocol 2.2 and PSVersion 2.0, with
  its own version (4.0) only in PSCompatibleVersions;
- test_psrp_run_protocol_version_2.3: a PowerShell 5.1 host (protocol 2.3);
  each of the three runs a pipeline whose output holds an ErrorRecord, strings, a number and a list;
- test_psrp_error_failed: a pipeline that writes "before", then fails on a terminating error ("error");
- test_psrp_receive_failure: a Receive answered with the WS-Man fault 2150858843 (unknown command id);
- test_winrs_operation_timeout: a long-poll Receive answered with w:TimedOut (2150858793).

Each conversation is replayed to both paths (pypsrp's HostSession over a replaying transport, the lean
session over a replaying channel); the answer (versions, output) or the failure must be the same, and
the values are checked against what the recordings show.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import pytest
from pypsrp.exceptions import WinRMTransportError, WSManFaultError
from pypsrp.wsman import WSMan

from scanner.credentials import Credentials, Secret
from scanner.errors import CollectorError, RemoteFault, TransportError
from scanner.model.host import AuthMethod, Host
from scanner.transport import psrp_lean as lean
from scanner.transport import winrm
from scanner.transport.answer import RawAnswer
from scanner.transport.failures import classify
from scanner.transport.lean_session import ChannelSpec, LeanHostSession
from scanner.transport.settings import TransportSettings

_DATA = json.loads((Path(__file__).with_name("pypsrp_recorded_replies.json")).read_text())["files"]
HOST = Host(name="WIN", address="192.0.2.10")
SETTINGS = TransportSettings(credentials=Credentials("user", Secret("pw")), auth=AuthMethod.NTLM)
SCRIPT = "Write-Output 'the collector'"


def _replies(name: str, timed_out_first: bool = False) -> list[str]:
    rows = [r["response"] for r in _DATA[name]]
    if timed_out_first:  # a long poll that timed out before the pipeline's answer came
        rows.insert(rows.index(next(r for r in rows if "PipelineState" in _decoded(r))),
                    _DATA["test_winrs_operation_timeout"][0]["response"])
    return rows


def _decoded(reply: str) -> str:
    import base64

    return " ".join(base64.b64decode(s).decode("utf-8", "replace")
                    for s in re.findall(r"<rsp:Stream[^>]*>([^<]+)<", reply))


class _Replay:
    """Answers each request with the next recorded reply, related to the request's message id; a fault
    comes as HTTP 500, as WinRM sends it."""

    def __init__(self, replies: list[str]) -> None:
        self.replies = list(replies)
        self.endpoint = "http://192.0.2.10:5985/wsman"
        self.negotiated_protocol = "ntlm"
        self.auth = "ntlm"
        self.received = 0
        self.actions: list[str] = []

    def answer(self, message: bytes) -> bytes:
        text = message.decode()
        self.actions.append(re.findall(r"<wsa:Action[^>]*>[^<]*/(\w+)<", text)[0])
        message_id = re.findall(r"<wsa:MessageID>([^<]+)<", text)[0]
        reply = re.sub(r"<a:RelatesTo>[^<]*</a:RelatesTo>", f"<a:RelatesTo>{message_id}</a:RelatesTo>",
                       self.replies.pop(0))
        if "<s:Fault" in reply:
            raise WinRMTransportError("http", 500, reply)
        return reply.encode()

    # pypsrp's WSMan calls these (HostSession's transport)
    def send(self, message: bytes, **_: Any) -> bytes:
        return self.answer(message)

    def close(self) -> None:
        pass


class _ReplayChannel(_Replay):
    async def send(self, message: bytes, *, read_timeout: float | None = None) -> bytes:  # type: ignore[override]
        return self.answer(message)

    def abort(self) -> None:
        pass

    async def close(self) -> None:  # type: ignore[override]
        pass


def _pypsrp(monkeypatch: pytest.MonkeyPatch, replies: list[str]) -> tuple[RawAnswer | Exception, list[str]]:
    replay = _Replay(replies)
    monkeypatch.setattr(winrm, "WinRMHttpTransport", lambda *a, **k: replay)
    monkeypatch.setattr(winrm, "_mechanism", lambda wsman, host: replay.negotiated_protocol)
    try:
        return winrm.HostSession(HOST, SETTINGS, SCRIPT).run(), replay.actions
    except (TransportError, CollectorError) as err:
        return err, replay.actions


def _lean(replies: list[str]) -> tuple[RawAnswer | Exception, list[str]]:
    replay = _ReplayChannel(replies)

    def factory(_: ChannelSpec) -> _ReplayChannel:
        return replay

    try:
        return asyncio.run(LeanHostSession(HOST, SETTINGS, SCRIPT, channel_factory=factory).run()), replay.actions
    except (TransportError, CollectorError) as err:
        return err, replay.actions


def _same(answer: Any) -> Any:
    # pypsrp's ErrorRecord objects compare by identity: compare their type and text
    return [(type(o).__name__, str(o)) for o in answer.output], answer.remote, answer.auth_mechanism


# (recording, protocol, PSVersion, CLRVersion, PSCompatibleVersions[-1], the PowerShell exready reports)
VERSIONS = [
    ("test_psrp_run_protocol_version_2.1", "2.1", "2.0", "2.0.50727.5420", "2.0", "2.0"),
    ("test_psrp_run_protocol_version_2.2", "2.2", "2.0", "4.0.30319.42000", "4.0", "4.0"),
    ("test_psrp_run_protocol_version_2.3", "2.3", "5.1.14393.2248", "4.0.30319.42000", "5.1.14393.2248",
     "5.1.14393.2248"),
]


@pytest.mark.parametrize(("name", "protocol", "ps", "clr", "last", "powershell"), VERSIONS)
@pytest.mark.parametrize("timed_out_first", [False, True])
def test_a_recorded_session_gives_both_paths_the_same_answer(
        monkeypatch: pytest.MonkeyPatch, name: str, protocol: str, ps: str, clr: str, last: str, powershell: str,
        timed_out_first: bool) -> None:
    theirs, their_actions = _pypsrp(monkeypatch, _replies(name, timed_out_first))
    ours, our_actions = _lean(_replies(name, timed_out_first))
    assert isinstance(theirs, RawAnswer) and isinstance(ours, RawAnswer), (theirs, ours)
    assert _same(ours) == _same(theirs)
    assert our_actions == their_actions
    assert our_actions.count("Receive") == (4 if timed_out_first else 3)  # a w:TimedOut poll is sent again
    remote = ours.remote
    assert (remote.protocol, remote.ps_version, remote.clr_version, remote.compatible[-1], remote.powershell) == (
        protocol, ps, clr, last, powershell)
    # what the recorded pipeline wrote: an ErrorRecord (merged into output), then its input back
    assert [(type(o).__name__, str(o)) for o in ours.output] == [
        ("ErrorRecordMessage", "error"), ("str", "message 1"), ("int", "2"), ("list", "['3', 3]")]


def test_a_failed_pipeline_is_the_same_collector_error_on_both_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    theirs, _ = _pypsrp(monkeypatch, _replies("test_psrp_error_failed"))
    ours, _ = _lean(_replies("test_psrp_error_failed"))
    assert isinstance(ours, CollectorError) and isinstance(theirs, CollectorError)
    assert str(ours) == str(theirs) == "the collector script failed on the host: error"


def test_a_wsman_fault_is_the_same_remote_fault_on_both_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    # the recorded fault answers the first request after the pool opened: here, the Command
    theirs, their_actions = _pypsrp(monkeypatch, _replies("test_psrp_receive_failure"))
    ours, our_actions = _lean(_replies("test_psrp_receive_failure"))
    assert isinstance(ours, RemoteFault) and isinstance(theirs, RemoteFault)
    assert str(ours) == str(theirs)
    assert str(ours).startswith("WS-Man fault 2150858843 (during run)")
    assert our_actions == their_actions == ["Create", "Receive", "Receive", "Command", "Delete"]


@pytest.mark.parametrize("name", ["test_psrp_receive_failure", "test_winrs_operation_timeout"])
def test_fault_replies_are_read_into_pypsrps_exception(name: str) -> None:
    text = next(r["response"] for r in _DATA[name] if "<s:Fault" in r["response"])
    ours, theirs = lean.wsman_fault(text), WSMan._parse_wsman_fault(text)
    assert isinstance(ours, WSManFaultError)
    assert (ours.code, ours.reason, ours.machine) == (theirs.code, theirs.reason, theirs.machine)
    assert str(classify(ours, "run")) == str(classify(theirs, "run"))
    if name == "test_winrs_operation_timeout":
        assert ours.code == lean.TIMED_OUT


@pytest.mark.parametrize("name", [v[0] for v in VERSIONS] + ["test_psrp_error_failed"])
def test_replies_cut_anywhere_end_as_a_remote_fault_not_a_crash(name: str) -> None:
    # every reply of the recording, cut at a few places: the session ends with an error of our tree
    # (the Delete's reply is read best effort, as pypsrp's close: a broken one leaves the answer whole)
    replies = _replies(name)
    for index in range(len(replies) - 1):
        for cut in (10, len(replies[index]) // 2, len(replies[index]) - 20):
            broken = list(replies)
            broken[index] = broken[index][:cut]
            outcome, _ = _lean(broken)
            assert isinstance(outcome, TransportError | CollectorError), (index, cut, outcome)
