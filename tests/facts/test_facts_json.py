from __future__ import annotations

import json

import pytest

from scanner.errors import FactsError
from scanner.facts import InstallerFacts, facts_from_json, facts_to_json
from scanner.model.facts import FACTS_SCHEMA_VERSION, Fact, FactStatus, HostFacts, OrgFacts


def sample_host(name: str = "EX01") -> HostFacts:
    return HostFacts(
        host=name,
        collector_version="1.0.0",
        facts={
            "ucma.version": Fact("ucma.version", FactStatus.PRESENT, value="5.0.8308.0"),
            "os.ubr": Fact("os.ubr", FactStatus.ABSENT),
            "hotfix.ids": Fact("hotfix.ids", FactStatus.UNREADABLE, error="WMI timed out"),
            "exchange.v15.roles": Fact(
                "exchange.v15.roles", FactStatus.PRESENT, value=[{"key": "Setup", "watermark": None}]
            ),
        },
    )


def sample_org() -> OrgFacts:
    return OrgFacts(
        facts={
            "ad.rus": Fact(
                "ad.rus", FactStatus.PRESENT, value=[{"name": "RUS", "dn": "CN=RUS", "domain_link": None}]
            )
        },
        source="ldaps://dc1.contoso.com",
    )


def test_round_trip_through_json_text() -> None:
    inst = InstallerFacts(
        "CONTOSO\\setup",
        {"installer.groups": Fact("installer.groups", FactStatus.PRESENT, value=["Domain Admins"])},
    )
    doc = facts_to_json([sample_host("EX01"), sample_host("EX02")], sample_org(), inst)
    text = json.dumps(doc)
    back = facts_from_json(text)
    assert back.hosts == (sample_host("EX01"), sample_host("EX02"))
    assert back.org == sample_org()
    assert back.installer == inst
    assert back.host("EX02") == sample_host("EX02")
    assert doc["facts_schema"] == FACTS_SCHEMA_VERSION


def test_empty_org_means_ad_not_read() -> None:
    back = facts_from_json(facts_to_json([sample_host()]))
    assert back.org.facts == {}
    assert back.installer is None


def test_accepts_bytes_and_dicts() -> None:
    doc = facts_to_json([sample_host()])
    assert facts_from_json(json.dumps(doc).encode("utf-8")).hosts[0].host == "EX01"
    assert facts_from_json(doc).hosts[0].host == "EX01"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "expected an object"),
        ("{}", "no facts_schema"),
        ('{"facts_schema": 99, "hosts": []}', "schema 99 is not supported"),
        ('{"facts_schema": 1, "hosts": {}}', "hosts must be a list"),
        ('{"facts_schema": 1, "hosts": [{"facts": {}}]}', "missing host name"),
        (
            '{"facts_schema": 1, "hosts": [{"host": "A", "facts": {"x": {"status": "maybe"}}}]}',
            "unknown status",
        ),
        (
            '{"facts_schema": 1, "hosts": [{"host": "A", "facts": {"x": {"status": "present"}}}]}',
            "needs a value",
        ),
        ('{"facts_schema": 1, "hosts": [{"host": "A", "facts": []}]}', "expected an object"),
        (
            '{"facts_schema": 1, "hosts": [{"host": "A", "facts": {}}, {"host": "A", "facts": {}}]}',
            "more than once",
        ),
        ('{"facts_schema": 1, "hosts": [{"host": "A", "schema_version": 7, "facts": {}}]}', "schema 7"),
        ('{"facts_schema": 1, "hosts": [], "installer": {"facts": {}}}', "missing account"),
    ],
)
def test_bad_input_is_one_clear_facts_error(data: str, message: str) -> None:
    with pytest.raises(FactsError, match=message) as info:
        facts_from_json(data)
    assert "\n" not in str(info.value)
