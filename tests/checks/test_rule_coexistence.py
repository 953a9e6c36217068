"""Coexistence with older Exchange servers: E16E15CoexistenceMinVersionRequirement for Exchange 2019 and
E16E14CoexistenceMinVersionRequirement with the Exchange 2010 servers' own build."""

from __future__ import annotations

from typing import Any

import pytest
from rule_kit import judge

from scanner.model.verdict import Status, UnknownReason

ORG = {"name": "Contoso", "dn": "CN=Contoso,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=contoso,DC=test"}


def server(name: str, serial: str, version: str, roles: int = 16439) -> dict[str, Any]:
    return {"name": name, "dn": f"CN={name},CN=Servers", "serial_number": serial, "roles": roles,
            "version": version, "version_number": None}


def e2013(build: str) -> dict[str, Any]:
    major_build, rev = build.split(".")
    return server("EX13", f"Version 15.0 (Build 3{major_build}.{rev})", f"15.0.{build}")


def org(*servers: dict[str, Any]) -> dict[str, Any]:
    return {"ad.exchange_org": ORG, "ad.exchange_servers": list(servers)}


# ---- E16E15: Exchange 2013 CU21 for Exchange 2019 ------------------------------------------------------


def test_2013_cu10_is_not_a_silent_pass_for_exchange_2019() -> None:
    v = judge("E16E15CoexistenceMinVersionRequirement", {}, org(e2013("1130.7")), version="2019")
    assert v.status is Status.UNKNOWN and v.reason is UnknownReason.FACT_MISSING
    assert "CU21" in v.detail and "EX13" in v.detail


def test_2013_cu10_is_enough_for_exchange_2016() -> None:
    v = judge("E16E15CoexistenceMinVersionRequirement", {}, org(e2013("1130.7")), version="2016")
    assert v.status is Status.PASS


@pytest.mark.parametrize("version", ["2016", "2019"])
def test_2013_below_cu10_fails(version: str) -> None:
    v = judge("E16E15CoexistenceMinVersionRequirement", {}, org(e2013("1104.5")), version=version)
    assert v.status is Status.FAIL


def test_2013_cu21_passes_for_exchange_2019() -> None:
    v = judge("E16E15CoexistenceMinVersionRequirement", {}, org(e2013("1395.4")), version="2019")
    assert v.status is Status.PASS and "CU21" in v.detail


# ---- E16E14: Exchange 2010 SP3 RU11, read from the 2010 servers themselves ---------------------------

E2010 = server("EX2010", "Version 14.3 (Build 30123.4)", "14.3.123.4", roles=54)


def outcome(name: str, facts: dict[str, Any]) -> Any:
    from rule_kit import host_facts

    from scanner.model.host import Host
    from scanner.model.outcome import HostOutcome, OutcomeKind

    return HostOutcome(Host(name), OutcomeKind.OK, facts=host_facts(facts, name))


def sweep(ex2010_facts: dict[str, Any] | None) -> dict[str, Any]:
    """Judge a 2016 target EX16 in an organisation with EX2010, over a sweep that did (or did not) scan
    EX2010 too, the way assemble judges a finished sweep."""
    from rule_kit import catalog, org_facts

    from scanner.evaluate import EvaluationParams, evaluate_all
    from scanner.matrix.build import build_cells

    outcomes = [outcome("EX16", {"computer.name": "EX16"})]
    if ex2010_facts is not None:
        outcomes.append(outcome("EX2010", ex2010_facts))
    params = EvaluationParams("2016", org=org_facts(org(E2010)))
    verdicts = evaluate_all(outcomes, catalog(), params)
    v = next(v for v in verdicts["EX16"] if v.rule_id == "E16E14CoexistenceMinVersionRequirement")
    cell = next(c for c in build_cells(outcomes[0], verdicts["EX16"], catalog(), "2016") if c.role == "Mailbox")
    return {"verdict": v, "cell": cell}


def v14(version: str | None) -> dict[str, Any]:
    return {"computer.name": "EX2010",
            "exchange.v14_setup": {"msi_install_path": "C:\\Program Files\\Microsoft\\Exchange Server\\V14\\",
                                   "exsetup_version": version}}


def test_sp3_without_a_readable_rollup_is_setups_pass_with_a_warning_not_unknown() -> None:
    out = sweep(None)
    assert out["verdict"].status is Status.WARN
    assert "EX2010" in out["verdict"].detail and "could not be read" in out["verdict"].detail
    assert "E16E14CoexistenceMinVersionRequirement" not in out["cell"].unknown


def test_the_2010_servers_own_build_passes_at_ru11() -> None:
    out = sweep(v14("14.3.266.2"))
    assert out["verdict"].status is Status.PASS
    assert out["verdict"].evidence["exsetup_builds"] == {"EX2010": "14.3.266.2"}


def test_the_2010_servers_own_build_below_ru11_warns_with_the_build() -> None:
    out = sweep(v14("14.3.248.2"))
    assert out["verdict"].status is Status.WARN and "14.3.248.2" in out["verdict"].detail


def test_below_sp3_in_ad_fails_whatever_the_server_says() -> None:
    old = server("EX2010", "Version 14.2 (Build 30247.5)", "14.2.247.5", roles=54)
    v = judge("E16E14CoexistenceMinVersionRequirement", {}, org(old), version="2016")
    assert v.status is Status.FAIL


def test_the_sweep_input_is_recomputed_from_saved_outcomes() -> None:
    from scanner.evaluate import peer_facts

    peers = peer_facts([outcome("ex2010.contoso.test", v14("14.3.266.2"))])
    assert set(peers) == {"EX2010.CONTOSO.TEST", "EX2010"}  # the computer.name matches AD's server name


def test_assemble_judges_again_with_the_sweeps_peers() -> None:
    # hosts judged one by one as they finish (no peers yet), then the sweep assembled: the 2010 build counts
    from rule_kit import catalog, org_facts

    from scanner.evaluate import EvaluationParams
    from scanner.matrix.judge import assemble
    from scanner.matrix.judge import judge as judge_one
    from scanner.model.run import RunInfo

    outcomes = [outcome("EX16", {"computer.name": "EX16"}), outcome("EX2010", v14("14.3.266.2"))]
    params = EvaluationParams("2016", org=org_facts(org(E2010)))
    early = {o.host.name: judge_one(o, catalog(), params) for o in outcomes}
    first = next(v for v in early["EX16"].verdicts if v.rule_id == "E16E14CoexistenceMinVersionRequirement")
    assert first.status is Status.WARN
    info = RunInfo(run_id="t", started_at="", finished_at="", exchange_version="2016", inventory_source="test",
                   tool_version="test")
    result = assemble(info, outcomes, catalog(), params, early)
    final = next(v for v in result.verdicts["EX16"] if v.rule_id == "E16E14CoexistenceMinVersionRequirement")
    assert final.status is Status.PASS


def test_hosts_without_exchange_2010_add_no_sweep_input() -> None:
    # every host reports exchange.v14_setup; only a present one is an input (else every sweep would be
    # judged twice at assembly)
    from rule_kit import ABSENT

    from scanner.evaluate import peer_facts

    assert peer_facts([outcome("EX16", {"computer.name": "EX16", "exchange.v14_setup": ABSENT})]) == {}
