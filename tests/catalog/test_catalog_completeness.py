"""The catalog as a whole: nothing documented is missing, every rule speaks English and French, every
implemented rule has a case for each outcome, and the demo site makes every host-level rule fail somewhere."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
from catalog_cases import (
    ABSENT,
    AD_EXTRA,
    CASES,
    DELEGATE,
    FOREST,
    GREENFIELD,
    OUTCOMES,
    UNREADABLE,
    Case,
    NoNotApplicable,
)
from catalog_kit import catalog, judge_facts

from scanner.checks.context import is_host_fact
from scanner.checks.documented import DOCUMENTED_2013, DOCUMENTED_2016_2019
from scanner.checks.known import KnownRule, account, known_setup_rules, not_applicable
from scanner.cli.checks import version_counts
from scanner.model.verdict import Status
from scanner.simulator.profiles import load_site

DEMO = Path(__file__).resolve().parents[2] / "scanner" / "samples" / "sites" / "demo.yaml"


def test_the_documented_lists_are_the_published_ones() -> None:
    assert len(DOCUMENTED_2013) == len(set(DOCUMENTED_2013)) == 92
    assert len(DOCUMENTED_2016_2019) == len(set(DOCUMENTED_2016_2019)) == 42


@pytest.mark.parametrize("version", ["2013", "2016", "2019"])
def test_every_documented_rule_is_implemented_or_out_of_reach(version: str) -> None:
    counts = version_counts(catalog(), version)
    assert counts.missing == (), f"Exchange {version}: no catalog entry for {', '.join(counts.missing)}"
    assert counts.implemented + counts.out_of_reach == counts.documented
    assert counts.documented == (92 if version == "2013" else 42)


def test_out_of_reach_rules_say_why_in_both_languages() -> None:
    for entry in catalog().out_of_reach:
        for text in (entry.title, entry.reason):
            assert text.en.strip() and text.fr.strip() and text.en != text.fr, entry.id
        assert entry.help_url.startswith("https://"), entry.id
        assert not any(r.id.casefold() == entry.id.casefold() for r in catalog().rules), entry.id


def test_implemented_rules_have_metadata_in_both_languages() -> None:
    for rule in catalog().rules:
        meta = rule.meta
        for text in (meta.title, meta.remediation):
            assert text.en.strip() and text.fr.strip() and text.en != text.fr, meta.id
        assert meta.help_url.startswith("https://"), meta.id
        assert meta.facts, meta.id


@pytest.mark.parametrize("rule_id", sorted(r.id for r in catalog().rules))
def test_every_implemented_rule_has_a_case_for_each_outcome(rule_id: str) -> None:
    cases = CASES.get(rule_id)
    assert cases is not None, f"{rule_id} has no cases in tests/catalog/catalog_cases.py"
    assert set(cases) == set(OUTCOMES), f"{rule_id}: cases for {sorted(cases)}, expected {OUTCOMES}"
    for outcome, case in cases.items():
        if outcome == "not_applicable" and isinstance(case, NoNotApplicable):
            assert case.why.strip(), f"{rule_id}: say why it is never not applicable"
        else:
            assert isinstance(case, Case), f"{rule_id}/{outcome}"


def test_no_case_names_a_rule_that_does_not_exist() -> None:
    ids = {r.id for r in catalog().rules}
    assert set(CASES) <= ids, sorted(set(CASES) - ids)


# ---- the demo site makes every host-level rule fail or warn on some host ----------------------------

# The directory the demo's hosts would see: contoso.test not yet prepared for the target, a child domain
# emea.contoso.test, the schema master in Paris-HQ, and a delegated installer account. Rules that read
# no host fact at all are judged from AD and the installer account alone; the Samba tests show those.
DEMO_DIRECTORY: dict[str, Any] = {
    **GREENFIELD,
    **AD_EXTRA,
    "ad.forest": FOREST,
    # a duplicate system objects container and a mixed-mode child domain
    "ad.meso_containers": [{"domain": "contoso.test", "count": 1, "dns": ["CN=MESO"]},
                           {"domain": "emea.contoso.test", "count": 2, "dns": ["CN=MESO", "CN=MESO CNF:1"]}],
    "ad.domain_modes": [{"domain": "contoso.test", "dn": "DC=contoso,DC=test", "mixed": 0},
                        {"domain": "emea.contoso.test", "dn": "DC=emea,DC=contoso,DC=test", "mixed": 1}],
    # PAR-EX01's FQDN used as an SMTP domain, AD split permissions in effect
    "ad.recipient_policy": {"name": "Default Policy", "gateway_proxy": ["SMTP:@par-ex01.contoso.test"],
                            "disabled_gateway_proxy": [], "non_authoritative_domains": []},
    "ad.split_permissions": {"ewp": "CN=EWP", "ets": "CN=ETS", "ets_member_of_ewp": False},
    "ad.domains": [
        {"dns_name": "contoso.test", "dn": "DC=contoso,DC=test", "netbios": "CONTOSO", "functional_level": 7,
         "mesos_object_version": None},
        {"dns_name": "emea.contoso.test", "dn": "DC=emea,DC=contoso,DC=test", "netbios": "EMEA",
         "functional_level": 7, "mesos_object_version": None},
    ],
}


@cache
def _demo_hosts() -> dict[str, dict[str, Any]]:
    """Every scannable host of the demo site (by name), with its facts as the simulator would report them."""
    site = load_site(DEMO)
    out: dict[str, dict[str, Any]] = {}
    for host in site.hosts:
        if host.fault is not None and host.fault.kind != "partial_facts":
            continue  # never answers the collector
        values: dict[str, Any] = {"variant": host.variant or "baseline"}
        for name, fv in host.facts.items():
            values[name] = ABSENT if fv.status == "absent" else UNREADABLE if fv.status == "unreadable" else fv.value
        out[host.name] = values
    return out


@cache
def _demo_directory() -> dict[str, Any]:
    # the directory marks the child-domain domain controller as read-only (an RODC of emea.contoso.test)
    rodcs = [name for name, v in _demo_hosts().items() if v["variant"] == "child-domain-dc"]
    return {**DEMO_DIRECTORY, "ad.rodcs": rodcs}


def _contexts(version: str) -> list[Case]:
    return [Case(version=version), Case(org=_demo_directory(), installer=DELEGATE, version=version)]


HOST_LEVEL = sorted(r.id for r in catalog().rules if any(is_host_fact(f) for f in r.meta.facts))


@pytest.mark.parametrize("rule_id", HOST_LEVEL)
def test_some_demo_host_makes_the_rule_fail(rule_id: str) -> None:
    rule = catalog().rule(rule_id)
    hosts = _demo_hosts()
    for name, values in hosts.items():
        facts = {k: v for k, v in values.items() if k != "variant"}
        for version in rule.meta.versions:
            for case in _contexts(version):
                verdict = judge_facts(rule_id, facts, case, host=name)
                if verdict.status in (Status.FAIL, Status.WARN):
                    return
    pytest.fail(f"no host of {DEMO.name} makes {rule_id} fail or warn")


def test_the_healthy_demo_hosts_are_ready_for_exchange_2013() -> None:
    name, baseline = next((n, v) for n, v in _demo_hosts().items() if v["variant"] == "baseline")
    facts = {k: v for k, v in baseline.items() if k != "variant"}
    bad = []
    for rule in catalog().rules_for("2013"):
        verdict = judge_facts(rule.id, facts, Case(version="2013"), host=name)
        if verdict.status in (Status.FAIL, Status.WARN):
            bad.append(f"{rule.id}: {verdict.detail}")
    assert bad == []


# ---- every Setup rule known, not only the documented pages ---------------------------------------------------

# Named in the issue as missing before: each must now be judged (a rule module), not only listed.
NOW_JUDGED = ("AllServersOfHigherVersionRule", "LonghornWmspdmoxNotInstalled", "NETFrameworkNotInstalled",
              "RSATWebServerNotInstalled", "HttpActivationInstalled", "ComputerNameDiscrepancy",
              "DNSDomainNameNotValid", "ServerNameNotValid", "RemoteRegException", "MailboxMinVersionCheck",
              "BridgeheadMinVersionCheck", "UnifiedMessagingMinVersionCheck", "GatewayMinVersionCheck",
              "NoE16ServerWarning")
# 3c of the research notes: rule names the 2016/2019 Setup logs show and the 2013 engine does not have.
LOG_ONLY = ("E16E12CoexistenceMinVersionRequirement", "E16E14CoexistenceMinVersionRequirement",
            "E16E14CoexistenceMinVersionRequirementForDC", "E16E15CoexistenceMinVersionRequirement",
            "E16E15CoexistenceMinVersionRequirementForDC", "E19E14CoexistenceRequirement", "ForestLevelNotWin2012R2",
            "IISURLRewriteNotInstalled", "IsServerCoreInstalled", "MsDSBehaviorVersionRequirement",
            "NoE15ServerWarning", "NoE16ServerWarning", "WarnMapiHttpNotEnabled", "Win2k16LSARollupUpdateNotInstalled")


def test_the_known_rules_are_the_2013_engine_the_logs_and_the_documented_pages() -> None:
    known = known_setup_rules()
    engine = [k for k in known if "DC" in k.sources]
    assert len(engine) == 205 and all(k.severity in ("error", "warning", "none") and k.roles for k in engine)
    names = {k.name for k in known}
    assert set(LOG_ONLY) <= {k.name for k in known if "LOG" in k.sources and "DC" not in k.sources}
    for k in known:  # the D13/D16 marks are exactly the documented lists
        assert ("D13" in k.sources) == (k.name.casefold() in {n.casefold() for n in DOCUMENTED_2013}), k.name
        assert ("D16" in k.sources) == (k.name.casefold() in {n.casefold() for n in DOCUMENTED_2016_2019}), k.name
    assert {n.casefold() for n in (*DOCUMENTED_2013, *DOCUMENTED_2016_2019)} <= {n.casefold() for n in names}
    assert len(known) == len(names)


def test_every_known_setup_rule_is_implemented_out_of_reach_or_not_applicable() -> None:
    acc = account(catalog())
    assert acc.unaccounted == (), f"no catalog entry for {', '.join(acc.unaccounted)}"
    for name in NOW_JUDGED:
        assert catalog().entry(name) is not None and name in {r.id for r in catalog().rules}, name


def test_a_new_setup_rule_name_is_unaccounted_until_it_gets_an_entry() -> None:
    made_up = KnownRule(name="SomeFutureSetupRule", sources=("LOG",), severity=None, roles=(), modes=(),
                        log_versions=("2019",))
    acc = account(catalog(), known=(*known_setup_rules(), made_up))
    assert acc.unaccounted == ("SomeFutureSetupRule",)


def test_not_applicable_rules_are_known_setup_rules_with_nothing_else_for_those_versions() -> None:
    known = {k.name.casefold(): k for k in known_setup_rules()}
    judged = {r.id.casefold(): r.meta.versions for r in catalog().rules}
    judged.update({o.id.casefold(): o.versions for o in catalog().out_of_reach})
    for entry in not_applicable():
        key = entry.id.casefold()
        assert key in known and set(entry.versions) <= set(known[key].versions), entry.id
        assert not set(entry.versions) & set(judged.get(key, ())), entry.id
        assert entry.reason.en.strip() and entry.reason.fr.strip() and entry.reason.en != entry.reason.fr


@pytest.mark.parametrize("version", ["2013", "2016", "2019"])
def test_per_version_counts_add_up(version: str) -> None:
    acc = account(catalog())
    counts = acc.by_version(version)
    runs = [a for a in acc.entries if version in a.rule.versions]
    assert sum(counts.values()) == len(runs)
    assert counts[None] == len(acc.other_version_only(version))
    if version == "2013":  # every rule of the 2013 engine is accounted for Exchange 2013 itself
        assert counts[None] == 0
