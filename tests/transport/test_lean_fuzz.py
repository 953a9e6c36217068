"""Fuzzing the lean path's reading of what a peer sends: the WS-Man reply envelope, the base64 streams,
PSRP fragments across replies, and the CLIXML of the messages read. Cases are real Windows replies
(pypsrp's recordings) mutated, fragment streams built and then broken, and XML that tries to declare
entities. For every case the reader returns, or raises one of the errors pypsrp's path raises for a
broken peer, which the seam maps to a remote fault; never anything else, and within bounded memory."""

from __future__ import annotations

import base64
import json
import struct
import tracemalloc
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypsrp.exceptions import WinRMError

from scanner.errors import RemoteFault
from scanner.transport import psrp_lean as lean
from scanner.transport.failures import classify
from scanner.transport.serializer import FastSerializer

FUZZ = settings(max_examples=600, deadline=None, database=None, suppress_health_check=list(HealthCheck))
MEMORY_BOUND = 8 * 1024 * 1024
_DATA = json.loads(Path(__file__).with_name("pypsrp_recorded_replies.json").read_text())["files"]
_RECEIVES = [r["response"].encode() for rows in _DATA.values() for r in rows if r["action"] == "Receive"]


def _read(body: bytes, defrag: lean.Defragmenter) -> None:
    """What the session does with one Receive reply."""
    root = lean.parse_xml(body)
    found = root.find("{http://www.w3.org/2003/05/soap-envelope}Body")
    if found is None:
        return
    opening = lean.PoolOpening()
    run = lean.PipelineRun(FastSerializer().deserialize)
    for msg in defrag.feed(lean.stdout_bytes(found)):
        opening.take(msg)
        run.take(msg)


def _judged(body: bytes, defrag: lean.Defragmenter | None = None) -> None:
    tracemalloc.start()
    try:
        _read(body, defrag or lean.Defragmenter())
    except (WinRMError, ET.ParseError) as err:  # what pypsrp raises for a peer that breaks PSRP or XML
        mapped = classify(err, "run")
        assert isinstance(mapped, RemoteFault), (type(err), err)
        assert "\n" not in str(mapped)
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert peak < MEMORY_BOUND + 40 * len(body), f"peak {peak:,} bytes"


@st.composite
def _mutated(draw: st.DrawFn) -> bytes:
    body = bytearray(draw(st.sampled_from(_RECEIVES)))
    for _ in range(draw(st.integers(1, 6))):
        if not body:
            break
        where = draw(st.integers(0, len(body) - 1))
        action = draw(st.sampled_from(["flip", "cut", "insert", "stream"]))
        if action == "flip":
            body[where] = draw(st.integers(0, 255))
        elif action == "cut":
            del body[where:where + draw(st.integers(1, 400))]
        elif action == "insert":
            body[where:where] = draw(st.binary(max_size=64))
        else:  # rewrite one base64 stream with bytes of our choosing
            text = bytes(body)
            start = text.find(b'Name="stdout"')
            if start > 0:
                start = text.find(b">", start) + 1
                end = text.find(b"<", start)
                body[start:end] = base64.b64encode(draw(st.binary(max_size=300)))
    return bytes(body)


def _fragment_stream(pieces: list[tuple[int, int, int, bytes, int | None]]) -> bytes:
    out = b""
    for object_id, fragment_id, flags, data, claimed in pieces:
        out += struct.pack(">QQBI", object_id, fragment_id, flags, len(data) if claimed is None else claimed) + data
    return out


def _envelope(stream: bytes) -> bytes:
    return (b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
            b'xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell"><s:Body><rsp:ReceiveResponse>'
            b'<rsp:Stream Name="stdout">' + base64.b64encode(stream) + b"</rsp:Stream></rsp:ReceiveResponse>"
            b"</s:Body></s:Envelope>")


_MESSAGE_TYPES = [lean.SESSION_CAPABILITY, lean.APPLICATION_PRIVATE_DATA, lean.RUNSPACEPOOL_STATE,
                  lean.PIPELINE_OUTPUT, lean.ERROR_RECORD, lean.PIPELINE_STATE, 0x41007]
_CLIXML = st.sampled_from([
    b'<Obj RefId="0"><MS><I32 N="PipelineState">5</I32><Obj N="ExceptionAsErrorRecord" RefId="1"><ToString>x'
    b"</ToString></Obj></MS></Obj>",
    b'<Obj RefId="0"><MS><I32 N="RunspaceState">abc</I32></MS></Obj>',
    b'<Obj RefId="0"><MS><Obj RefId="1" N="ApplicationPrivateData"><DCT><En><S N="Key">PSVersionTable</S>'
    b'<Obj N="Value" RefId="2"><DCT><En><S N="Key">PSVersion</S><Version N="Value">5.1</Version></En></DCT></Obj>'
    b"</En></DCT></Obj></MS></Obj>",
    b"<S>_x0041_</S>", b"<Obj RefId=", b"\xef\xbb\xbf<S>bom</S>", b"", b"<S>\x00</S>",
    b'<Obj RefId="0"><TNRef RefId="9" /><LST /></Obj>', b"<I32>abc</I32>",
    b'<Obj RefId="0"><LST><I32>x</I32></LST></Obj>',
])


@st.composite
def _fragments(draw: st.DrawFn) -> bytes:
    pieces = []
    for _ in range(draw(st.integers(1, 5))):
        body = struct.pack("<II", 1, draw(st.sampled_from(_MESSAGE_TYPES))) + b"\x00" * 32 + draw(_CLIXML)
        if draw(st.booleans()):
            body = body[:draw(st.integers(0, len(body)))]
        pieces.append((draw(st.integers(0, 3)), draw(st.integers(0, 2)), draw(st.integers(0, 3)), body,
                       draw(st.sampled_from([None, None, None, 0, 2**31]))))
    return _fragment_stream(pieces)


def test_fuzz_mutated_windows_replies(fuzz_cases: dict[str, int]) -> None:
    count = 0

    @FUZZ
    @given(body=_mutated())
    def case(body: bytes) -> None:
        nonlocal count
        count += 1
        _judged(body)

    case()
    fuzz_cases["lean WS-Man/PSRP reader: mutated replies"] = count


def test_fuzz_fragment_streams_over_two_replies(fuzz_cases: dict[str, int]) -> None:
    count = 0

    @FUZZ
    @given(first=_fragments(), second=_fragments())
    def case(first: bytes, second: bytes) -> None:
        nonlocal count
        count += 1
        defrag = lean.Defragmenter()
        _judged(_envelope(first), defrag)
        _judged(_envelope(second), defrag)

    case()
    fuzz_cases["lean WS-Man/PSRP reader: fragment streams"] = count


@pytest.mark.parametrize("attack", [
    b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
    b"<s:Envelope>&d;&d;&d;&d;</s:Envelope>",
    b'<!DOCTYPE x SYSTEM "file:///etc/passwd"><x/>',
    b"<s:Envelope>&undeclared;</s:Envelope>",
])
def test_xml_that_declares_or_uses_entities_is_refused_before_parsing(attack: bytes) -> None:
    with pytest.raises(ET.ParseError):
        lean.parse_xml(attack)
    with pytest.raises(ET.ParseError):
        lean.wsman_fault(attack.decode())
    assert isinstance(classify(ET.ParseError("x"), "open"), RemoteFault)


def test_unfinished_messages_are_held_within_their_cap() -> None:
    defrag = lean.Defragmenter()
    chunk = b"x" * (1024 * 1024)
    with pytest.raises(WinRMError, match="unfinished PSRP messages"):
        for index in range(6):  # one message that never ends, 1 MiB per reply
            defrag.feed(_fragment_stream([(7, index, 1 if index == 0 else 0, chunk, None)]))
