from __future__ import annotations

import json
from typing import Any

import pytest

from scanner.errors import CollectorError
from scanner.facts import parse_collector_output
from scanner.facts.parse import parse_fact
from scanner.model.facts import FactStatus


def table(facts: dict[str, Any], **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"exready_collector": "1.1.0", "schema": 2, "facts": facts}
    out.update(extra)
    return out


def answer(facts: dict[str, Any], **extra: Any) -> list[str]:
    """What pypsrp hands back: the list of output objects, here the one JSON string."""
    return [json.dumps(table(facts, **extra), separators=(",", ":"))]


GOOD = {
    "computer.name": {"status": "present", "value": "EX01"},
    "computer.domain": {"status": "absent"},
    "os.current_build": {"status": "present", "value": "7601"},
    "os.ubr": {"status": "absent"},
    "file.rpchttp_dll": {
        "status": "present",
        "value": {"path": "C:\\Windows\\System32\\rpchttp.dll", "version": "6.1.7601.17514"},
    },
    "hotfix.ids": {"status": "present", "value": ["kb2619234", "KB976932"]},
    "ucma.version": {"status": "unreadable", "error": "Requested registry access is not allowed."},
    "exchange.v15.roles": {
        "status": "present",
        "value": [
            {
                "key": "MailboxRole",
                "action": None,
                "watermark": None,
                "unpacked_version": "15.0.1497.2",
                "configured_version": "15.0.1497.2",
            }
        ],
    },
    "dotnet.release": {"status": "present", "value": 461814},
    "reboot.pending": {"status": "present", "value": []},
}


def test_parses_a_good_answer() -> None:
    hf = parse_collector_output("EX01", answer(GOOD))
    assert hf.host == "EX01"
    assert hf.collector_version == "1.1.0"
    assert hf.facts["computer.name"].value == "EX01"
    assert hf.facts["computer.domain"].status is FactStatus.ABSENT
    assert hf.facts["ucma.version"].status is FactStatus.UNREADABLE
    assert hf.facts["ucma.version"].error == "Requested registry access is not allowed."
    assert hf.facts["hotfix.ids"].value == ["KB2619234", "KB976932"]
    assert hf.facts["file.rpchttp_dll"].value["version"] == "6.1.7601.17514"
    assert hf.facts["exchange.v15.roles"].value[0]["key"] == "MailboxRole"
    assert hf.facts["dotnet.release"].value == 461814
    assert hf.facts["reboot.pending"].value == []


def test_accepts_the_bare_string_and_ignores_a_stray_null() -> None:
    (text,) = answer(GOOD)
    hf = parse_collector_output("EX01", text)
    assert hf.facts["os.current_build"].value == "7601"
    hf = parse_collector_output("EX01", [None, text])
    assert hf.facts["computer.name"].value == "EX01"


def test_the_answer_is_decoded_as_json_with_escapes() -> None:
    # ConvertTo-Json (JavaScriptSerializer) escapes < > & ' and control characters as \uXXXX
    text = (
        r'{"exready_collector":"1.1.0","schema":2,"facts":{"os.caption":{"status":"present",'
        r'"value":"Windows Server\u00ae 2012 R2 \u003cStandard\u003e"},'
        r'"ucma.version":{"status":"unreadable","error":"Access \u0027denied\u0027\r\nat line 3"}}}'
    )
    hf = parse_collector_output("EX01", [text])
    assert hf.facts["os.caption"].value == "Windows Server\u00ae 2012 R2 <Standard>"
    assert hf.facts["ucma.version"].error == "Access 'denied' at line 3"


def test_a_psobject_wrapped_array_is_read_as_the_array() -> None:
    # Windows PowerShell 3.0-5.1 write a PSObject-wrapped array as {"value": [...], "Count": n}
    text = (
        '{"exready_collector":"1.1.0","schema":2,"facts":{'
        '"hotfix.ids":{"status":"present","value":{"value":["KB2919355","kb3000850"],"Count":2}},'
        '"reboot.pending":{"status":"present","value":{"value":[],"Count":0}},'
        '"local.administrators":{"status":"present","value":{"value":[{"name":"A","sid":"S-1"}],"Count":1}},'
        '"some.table":{"status":"present","value":{"value":["x"],"Count":2}},'
        '"other.table":{"status":"present","value":{"value":["x"],"Count":1,"Extra":true}},'
        '"bool.count":{"status":"present","value":{"value":[1],"Count":true}}}}'
    )
    hf = parse_collector_output("EX01", [text])
    assert hf.facts["hotfix.ids"].value == ["KB2919355", "KB3000850"]
    assert hf.facts["reboot.pending"].value == []
    assert hf.facts["local.administrators"].value == [{"name": "A", "sid": "S-1"}]
    # anything but exactly {"value": list, "Count": its length} is a table and stays one
    assert hf.facts["some.table"].value == {"value": ["x"], "Count": 2}
    assert hf.facts["other.table"].value == {"value": ["x"], "Count": 1, "Extra": True}
    assert hf.facts["bool.count"].value == {"value": [1], "Count": True}


@pytest.mark.parametrize(
    ("output", "message"),
    [
        (None, "returned no output"),
        (42, "returned a int, not its JSON answer"),
        ([], "returned no output"),
        ([None], "returned no output"),
        (["line one", "line two"], "returned 2 outputs \\(str\\); expected one JSON string"),
        ([*answer(GOOD), *answer(GOOD)], "returned 2 outputs"),
        ([*answer(GOOD), 7], "returned 2 outputs \\(int, str\\)"),
        ([table(GOOD)], "returned a table, not the JSON string of wire schema 2"),
        (table(GOOD), "returned a table"),
        ([7], "returned a int, not its JSON answer"),
        (["some text"], "answer is not JSON \\(Expecting value: line 1 column 1 \\(char 0\\)\\): some text"),
        ([""], "answer is not JSON .*: \\(empty\\)"),
        (['{"exready_collector": "1.1.0", "schema": 2, "facts": {'], "answer is not JSON"),
        (["WARNING: x " * 40], "answer is not JSON .*: WARNING: x WARNING: .*\\.\\.\\.$"),
        (["[" * 100_000 + "]" * 100_000], "nested too deeply"),
        (["[1, 2]"], "JSON but not an object \\(a list\\)"),
        (['"a string"'], "JSON but not an object \\(a str\\)"),
        (["null"], "JSON but not an object \\(a NoneType\\)"),
        (['{"facts": {}}'], "no exready_collector marker"),
        (['{"exready_collector": "", "schema": 2, "facts": {}}'], "no exready_collector marker"),
        (['{"exready_collector": "1.1.0", "facts": {}}'], "no schema number"),
        (['{"exready_collector": "1.1.0", "schema": "2", "facts": {}}'], "no schema number"),
        (['{"exready_collector": "1.1.0", "schema": true, "facts": {}}'], "no schema number"),
        (['{"exready_collector": "1.0.0", "schema": 1, "facts": {}}'], "schema 1 is not supported \\(expected 2\\)"),
        (['{"exready_collector": "9.0.0", "schema": 3, "facts": {}}'], "schema 3 is not supported"),
        (['{"exready_collector": "1.1.0", "schema": 2, "facts": ["x"]}'], "no facts table"),
        (['{"exready_collector": "1.1.0", "schema": 2}'], "no facts table"),
    ],
)
def test_not_the_collector_shape_is_a_collector_error(output: Any, message: str) -> None:
    with pytest.raises(CollectorError, match=message) as info:
        parse_collector_output("EX01", output)
    assert str(info.value).startswith("EX01: ")
    assert "\n" not in str(info.value)


def test_absent_fact() -> None:
    f = parse_fact("ucma.version", {"status": "absent"})
    assert f.status is FactStatus.ABSENT
    assert f.value is None and f.error is None


def test_unreadable_fact_keeps_the_error_text() -> None:
    f = parse_fact("hotfix.ids", {"status": "unreadable", "error": "Operation timed out  (WMI)\n at line 3"})
    assert f.status is FactStatus.UNREADABLE
    assert f.error == "Operation timed out (WMI) at line 3"


def test_unreadable_without_error_text_says_so() -> None:
    assert parse_fact("x.y", {"status": "unreadable"}).error == "no error text"


def test_long_error_text_is_clipped() -> None:
    f = parse_fact("x.y", {"status": "unreadable", "error": "e" * 5000})
    assert f.error is not None and len(f.error) <= 500


@pytest.mark.parametrize(
    ("name", "entry", "why"),
    [
        ("ucma.version", "present", "expected a table"),
        ("ucma.version", {"status": "installed", "value": "5.0.8308.0"}, "unknown status"),
        ("ucma.version", {"value": "5.0.8308.0"}, "unknown status"),
        ("ucma.version", {"status": "present", "value": "not a version"}, "not a version"),
        ("ucma.version", {"status": "present", "value": 5.0}, "expected a string"),
        ("os.current_build", {"status": "present", "value": "76O1"}, "not a build number"),
        ("dotnet.release", {"status": "present", "value": "lots"}, "expected an integer"),
        ("dotnet.release", {"status": "present", "value": True}, "boolean"),
        ("file.rpcrt4_dll", {"status": "present", "value": "6.1.7601.1"}, "expected {path, version}"),
        (
            "file.rpcrt4_dll",
            {"status": "present", "value": {"path": "C:\\x", "version": ""}},
            "not a version",
        ),
        ("exchange.v15.roles", {"status": "present", "value": [{"action": "Install"}]}, "expected a string"),
        ("exchange.v15.roles", {"status": "present", "value": ["MailboxRole"]}, "not a table"),
        ("hotfix.ids", {"status": "present", "value": {"a": 1}}, "expected a list"),
        ("computer.name", {"status": "present", "value": ""}, "empty string"),
        ("some.future_fact", {"status": "present", "value": object()}, "not plain data"),
    ],
)
def test_malformed_entries_become_unreadable_with_the_reason(name: str, entry: Any, why: str) -> None:
    f = parse_fact(name, entry)
    assert f.status is FactStatus.UNREADABLE
    assert f.error is not None and why in f.error


def test_one_malformed_fact_does_not_cost_the_others() -> None:
    facts = dict(GOOD, **{"ucma.version": {"status": "present", "value": "garbage"}})
    hf = parse_collector_output("EX01", answer(facts))
    assert hf.facts["ucma.version"].status is FactStatus.UNREADABLE
    assert hf.facts["os.current_build"].status is FactStatus.PRESENT


def test_powershell_unrolled_single_element_lists_are_accepted() -> None:
    hf = parse_collector_output(
        "EX01",
        answer(
            {
                "hotfix.ids": {"status": "present", "value": "KB2619234"},
                "exchange.v15.roles": {"status": "present", "value": {"key": "Setup"}},
                "reboot.pending": {"status": "present", "value": None},
            }
        ),
    )
    assert hf.facts["hotfix.ids"].value == ["KB2619234"]
    assert hf.facts["exchange.v15.roles"].value == [
        {
            "key": "Setup",
            "action": None,
            "watermark": None,
            "unpacked_version": None,
            "configured_version": None,
        }
    ]
    assert hf.facts["reboot.pending"].value == []


def test_numeric_build_and_release_strings_are_normalised() -> None:
    hf = parse_collector_output(
        "EX01",
        answer(
            {
                "os.current_build": {"status": "present", "value": 9600},
                "dotnet.release": {"status": "present", "value": "528049"},
            }
        ),
    )
    assert hf.facts["os.current_build"].value == "9600"
    assert hf.facts["dotnet.release"].value == 528049


def test_unknown_facts_are_kept_as_plain_data() -> None:
    hf = parse_collector_output(
        "EX01", answer({"iis.components": {"status": "present", "value": {"W3SVC": 1}}})
    )
    assert hf.facts["iis.components"].value == {"W3SVC": 1}
