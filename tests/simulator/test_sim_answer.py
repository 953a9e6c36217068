"""What a simulated host answers to the collector script: one compact JSON string, as the script's
``ConvertTo-Json -Compress`` writes it, with faults applied to the facts it carries."""

from __future__ import annotations

import json
from pathlib import Path

from scanner.facts import parse_collector_output
from scanner.model.facts import FactStatus
from scanner.probes import COLLECTOR_VERSION, build_collector_script
from scanner.simulator import SimHost, load_site
from scanner.simulator.scripts import PipelineRequest, answer, out_string_stream

SITE = load_site(Path(__file__).resolve().parents[2] / "scanner" / "samples" / "sites" / "faults.yaml")


def host(name: str) -> SimHost:
    return next(h for h in SITE.hosts if h.name == name)


def test_the_answer_is_one_compact_json_string() -> None:
    h = host("FLT-PARTIAL")
    result = answer(h, PipelineRequest(build_collector_script()))
    assert result.collector and result.error is None
    (text,) = result.output
    assert isinstance(text, str)
    assert ": " not in text.split('"facts"')[0] and "\n" not in text  # compact separators, one line
    table = json.loads(text)
    assert table["exready_collector"] == COLLECTOR_VERSION and table["schema"] == 2


def test_partial_facts_reach_the_parser_as_missing_and_unreadable() -> None:
    h = host("FLT-PARTIAL")
    fault = h.fault
    assert fault is not None and fault.missing and fault.unreadable
    hf = parse_collector_output(h.name, list(answer(h, PipelineRequest(build_collector_script())).output))
    for name in fault.missing:
        assert name not in hf.facts
    for name, err in fault.unreadable:
        assert hf.facts[name].status is FactStatus.UNREADABLE and hf.facts[name].error == err
    assert hf.facts["computer.name"].value == "FLT-PARTIAL"


def test_script_error_has_no_output() -> None:
    result = answer(host("FLT-SCRIPTERR"), PipelineRequest(build_collector_script()))
    assert result.output == () and result.error is not None and result.collector


def test_out_string_stream_passes_the_one_line_on() -> None:
    h = host("FLT-PARTIAL")
    plain = answer(h, PipelineRequest(build_collector_script())).output
    streamed = answer(h, PipelineRequest(build_collector_script(), out_string=True)).output
    assert streamed == plain
    assert out_string_stream("a\r\nb\nc\u2028d") == ["a", "b", "c\u2028d"]
