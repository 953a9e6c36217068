"""Simulated hosts that take seconds to answer, drawn from the site file's distribution."""

from __future__ import annotations

import statistics
from typing import Any

import pytest

from scanner.errors import SimulatorError
from scanner.simulator.profiles import build_site, generate_site_document
from scanner.simulator.timing import AnswerTime, parse_answer_time


def test_lognormal_times_have_the_asked_median_and_a_long_tail() -> None:
    spec = parse_answer_time({"distribution": "lognormal", "median_s": 2, "sigma": 0.9}, "site.yaml")
    times = [spec.draw(7, f"PAR-SRV{n:05d}") for n in range(4000)]
    assert 1.8 < statistics.median(times) < 2.2
    # ln(t) ~ N(ln 2, 0.9): P(t > 8.8 s) is about 5 %; a long tail, yet bounded without max_s
    over = sum(t > 8.8 for t in times) / len(times)
    assert 0.035 < over < 0.065
    assert max(times) > 15


def test_a_host_keeps_its_time_whatever_else_the_site_says() -> None:
    spec = AnswerTime("lognormal", 2.0, 0.9)
    assert spec.draw(7, "PAR-SRV00001") == spec.draw(7, "par-srv00001")
    assert spec.draw(7, "PAR-SRV00001") != spec.draw(8, "PAR-SRV00001")


def test_max_caps_the_tail_and_fixed_is_fixed() -> None:
    capped = AnswerTime("lognormal", 2.0, 2.0, max_s=5.0)
    assert max(capped.draw(1, f"H{n}") for n in range(500)) == 5.0
    assert {AnswerTime("fixed", 1.5).draw(1, f"H{n}") for n in range(50)} == {1.5}


def test_generated_hosts_carry_their_answer_time_as_the_script_delay() -> None:
    doc = generate_site_document(40, faulty_percent=0,
                                 answer_time={"distribution": "lognormal", "median_s": 2, "sigma": 0.5})
    site = build_site(doc)
    delays = [h.script_delay_s for h in site.hosts]
    assert len(set(delays)) > 30 and all(d > 0 for d in delays)
    assert [h.script_delay_s for h in build_site(doc).hosts] == delays  # the same on every load


def test_a_slow_fault_still_sets_its_own_delay() -> None:
    doc = generate_site_document(3, faulty_percent=0, answer_time={"median_s": 1})
    doc["hosts"] = [{"name": "PAR-SRV00001", "fault": {"kind": "slow", "delay_s": 9}}]
    site = build_site(doc)
    assert sorted(h.script_delay_s for h in site.hosts) == [1.0, 1.0, 9.0]


@pytest.mark.parametrize(("raw", "message"), [
    ({"distribution": "gamma", "median_s": 1}, "distribution is one of fixed, lognormal"),
    ({"median_s": -1}, "not negative"),
    ({"median_s": "slow"}, "are numbers"),
    ({"median_s": 1, "mean_s": 2}, "unknown key(s) mean_s"),
    ("2s", "answer_time is a mapping"),
])
def test_bad_answer_times_are_refused_with_a_reason(raw: Any, message: str) -> None:
    doc = generate_site_document(2, faulty_percent=0)
    doc["answer_time"] = raw
    with pytest.raises(SimulatorError, match=message.replace("(", r"\(").replace(")", r"\)")):
        build_site(doc)
