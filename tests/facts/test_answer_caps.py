"""A host's answer has a size cap, and so has each fact: past either, the host is a remote fault with the
size (the collector's real answer is a few KB)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from scanner.errors import AnswerTooLarge, RemoteFault
from scanner.facts import parse_collector_output
from scanner.facts.parse import MAX_ANSWER, MAX_FACT
from scanner.model.facts import FactStatus
from scanner.model.outcome import OutcomeKind
from scanner.transport.failures import outcome_kind


def _answer(facts: dict[str, Any]) -> list[str]:
    return [json.dumps({"exready_collector": "1.2.0", "schema": 2, "facts": facts}, separators=(",", ":"))]


BASE = {"computer.name": {"status": "present", "value": "EX01"},
        "hotfix.ids": {"status": "present", "value": [f"KB{n}" for n in range(4000000, 4000600)]}}


def test_the_caps_leave_a_real_answer_alone() -> None:
    facts = parse_collector_output("EX01", _answer(BASE)).facts
    assert facts["computer.name"].value == "EX01" and len(facts["hotfix.ids"].value) == 600


def test_an_answer_past_its_cap_is_a_remote_fault_with_its_size() -> None:
    # the reported incident: a 30 MiB answer was accepted whole (120 MB of JSON report); 2 MiB here
    padding = {f"x.pad{n}": {"status": "present", "value": "X" * 60_000} for n in range(35)}
    output = _answer({**BASE, **padding})
    with pytest.raises(AnswerTooLarge) as info:
        parse_collector_output("EX01", output)
    err = info.value
    assert isinstance(err, RemoteFault) and outcome_kind(err) is OutcomeKind.REMOTE_FAULT
    assert MAX_ANSWER == 1024 * 1024
    assert f"{len(output[0]):,} characters, past the 1 MiB cap" in str(err)


@pytest.mark.parametrize("entry", [
    {"status": "present", "value": "X" * (MAX_FACT + 1)},
    {"status": "present", "value": ["KB1"] * 20_000},
    {"status": "unreadable", "error": "E" * 100_000},
])
def test_one_fact_past_its_cap_is_a_remote_fault_naming_it(entry: dict[str, Any]) -> None:
    with pytest.raises(AnswerTooLarge) as info:
        parse_collector_output("EX01", _answer({**BASE, "os.caption": entry}))
    assert outcome_kind(info.value) is OutcomeKind.REMOTE_FAULT
    size = len(json.dumps(entry, separators=(",", ":")))
    assert f"'os.caption' is {size:,} characters of JSON, past the 64 KiB cap on one fact" in str(info.value)


def test_a_fact_just_under_its_cap_is_read() -> None:
    caption = "X" * (MAX_FACT - 40)
    facts = parse_collector_output("EX01", _answer({**BASE, "os.caption": {"status": "present",
                                                                           "value": caption}})).facts
    assert facts["os.caption"].status is FactStatus.PRESENT and facts["os.caption"].value == caption
