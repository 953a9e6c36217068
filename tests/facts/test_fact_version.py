from __future__ import annotations

import pytest

from scanner.facts.version import Version


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("5.0.8308.0", "5.0.8308.00"),
        ("5.0.8308.0", "05.0.8308.0"),
        (" 5.0.8308.0 ", "5.0.8308.0"),
        ("6.1.7601.21855", "6.1.7601.21855"),
    ],
)
def test_numerically_equal(a: str, b: str) -> None:
    assert Version.parse(a) == Version.parse(b)
    assert hash(Version.parse(a)) == hash(Version.parse(b))


@pytest.mark.parametrize(
    ("low", "high"),
    [
        ("5.0.8308.0", "5.0.10000.0"),  # numeric, not string, comparison
        ("5.0.8307.999", "5.0.8308.0"),
        ("6.1.7601.17965", "6.1.7601.21855"),  # GDR below LDR
        ("6.1.7600.21085", "6.1.7601.0"),
        ("5.0.8308", "5.0.8308.0"),  # a missing part sorts below 0, as in System.Version
        ("5.0", "5.0.0"),
        ("4.9.99999.99999", "5.0"),
    ],
)
def test_ordering(low: str, high: str) -> None:
    assert Version.parse(low) < Version.parse(high)
    assert Version.parse(high) > Version.parse(low)
    assert Version.parse(low) != Version.parse(high)


@pytest.mark.parametrize(
    "text", ["", "5", "a.b", "5.0.8308.0.1", "5..0", "-1.0", "5.0.8308.0 (win7)", "1.2.3.x", "٣.٤"]
)
def test_parse_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        Version.parse(text)
    assert Version.try_parse(text) is None


def test_try_parse_non_string() -> None:
    assert Version.try_parse(None) is None
    assert Version.try_parse(5.0) is None


def test_parts_beyond_int32_rejected() -> None:
    with pytest.raises(ValueError):
        Version.parse("1.2147483648")


def test_parse_leading_takes_the_dotted_prefix() -> None:
    assert Version.parse_leading("6.1.7601.17514 (win7sp1_rtm.101119-1850)") == Version.of(6, 1, 7601, 17514)
    with pytest.raises(ValueError):
        Version.parse_leading("build 7601")


def test_str_and_parts() -> None:
    v = Version.parse("5.0.8308.00")
    assert str(v) == "5.0.8308.0"
    assert (v.major, v.minor, v.build, v.revision) == (5, 0, 8308, 0)
    assert Version.parse("15.0").build == -1
    assert sorted([Version.parse("1.10"), Version.parse("1.9"), Version.parse("1.9.0")]) == [
        Version.parse("1.9"),
        Version.parse("1.9.0"),
        Version.parse("1.10"),
    ]


def test_not_comparable_with_strings() -> None:
    assert Version.parse("1.0") != "1.0"
    with pytest.raises(TypeError):
        _ = Version.parse("1.0") < "1.1"
