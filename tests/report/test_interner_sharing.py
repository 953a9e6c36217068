"""The Interner shares equal values (and whole facts) between hosts, and only values that are equal as
the reports write them."""

from __future__ import annotations

import pickle
import threading

from scanner.model.facts import Fact, FactStatus, HostFacts
from scanner.model.intern import Interner
from scanner.model.matrix import Cell, CellStatus
from scanner.model.verdict import Status, UnknownReason, Verdict


def host_facts(host: str, **values: object) -> HostFacts:
    facts = {name: Fact(name, FactStatus.PRESENT, value) for name, value in values.items()}
    facts["gone"] = Fact("gone", FactStatus.ABSENT)
    facts["denied"] = Fact("denied", FactStatus.UNREADABLE, error="access denied")
    return HostFacts(host=host, facts=facts)


def fresh(value: object) -> object:
    return pickle.loads(pickle.dumps(value))  # noqa: S301 - a copy, as a worker's answer arrives


def test_equal_facts_of_two_hosts_are_one_object() -> None:
    interner = Interner()
    kbs = ["KB2619234", "KB2999226"]
    a = interner.facts(host_facts("A", kbs=kbs, build="9600", own="a.corp"))
    b = interner.facts(fresh(host_facts("B", kbs=kbs, build="9600", own="b.corp")))  # type: ignore[arg-type]
    for name in ("kbs", "build", "gone", "denied"):
        assert a.facts[name] is b.facts[name]
    assert a.facts["own"] is not b.facts["own"]
    assert (a.facts["own"].value, b.facts["own"].value) == ("a.corp", "b.corp")
    assert list(b.facts) == ["kbs", "build", "own", "gone", "denied"]  # order kept


def test_values_equal_in_python_but_not_in_json_stay_apart() -> None:
    interner = Interner()
    variants: list[object] = [1, 1.0, True, [1, 2], (1, 2), {"a": 1, "b": 2}, {"b": 2, "a": 1}, "1", [1.0, 2]]
    hosts = [interner.facts(host_facts(f"H{i}", v=v)) for i, v in enumerate(variants)]
    for h, v in zip(hosts, variants, strict=True):
        got = h.facts["v"].value
        assert got == v and type(got) is type(v)
        if type(v) is dict:
            assert list(got) == list(v)  # type: ignore[call-overload]
    again = interner.facts(fresh(host_facts("X", v={"b": 2, "a": 1})))  # type: ignore[arg-type]
    assert again.facts["v"] is hosts[6].facts["v"]


def test_unpicklable_values_are_kept_as_they_are() -> None:
    interner = Interner()
    lock = threading.Lock()
    h = interner.facts(host_facts("A", odd=[lock], fine="x"))
    assert h.facts["odd"].value == [lock]
    assert interner.value([lock]) is not h.facts["odd"].value


def test_verdicts_and_cells_share_their_values() -> None:
    interner = Interner()

    def verdicts(host: str) -> list[Verdict]:
        return fresh([Verdict("UcmaRedistMsi", host, Status.FAIL, "UCMA 4.0 not found", {"fact": ["ucma", 4]}),
                      Verdict("RusMissing", host, Status.UNKNOWN, "needs AD", reason=UnknownReason.NEEDS_AD)])  # type: ignore[return-value]

    def cells(host: str) -> list[Cell]:
        return fresh([Cell(host, "Mailbox", CellStatus.BLOCKED, blocking=("UcmaRedistMsi",),
                           unknown=("RusMissing",), reason="not judged without Active Directory")])  # type: ignore[return-value]

    va, vb = interner.verdicts(verdicts("A")), interner.verdicts(verdicts("B"))
    assert va[0].evidence is vb[0].evidence and va[0].detail is vb[0].detail
    assert (va[0].host, vb[0].host) == ("A", "B")
    assert va[1].evidence == {} and va[1].evidence is vb[1].evidence  # no evidence: one shared empty dict
    ca, cb = interner.cells(cells("A")), interner.cells(cells("B"))
    assert ca[0].blocking is cb[0].blocking and ca[0].unknown is cb[0].unknown and ca[0].reason is cb[0].reason
    assert ca[0] == Cell("A", "Mailbox", CellStatus.BLOCKED, ("UcmaRedistMsi",), (), ("RusMissing",),
                         "not judged without Active Directory")
