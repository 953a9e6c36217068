"""Many varied hosts' outcomes, without a network, for the evaluation memo's tests.

Facts come from the simulator's own answer to the collector script, parsed as a scan parses them: the
demo site (every supported Windows Server, its variants and faults), the faults site, generated sites
of several seeds (their profiles: UCMA missing, watermark, KB missing, CAFE role), then edits of those
facts (a fact dropped, reported absent, unreadable, or given a value of another type), hosts that were
not scanned (every outcome kind), an OK outcome without facts, and the demo directory's Exchange 2010
server reporting its own build (a peer). The organisation and installer-account facts are the demo
directory's (scanner/samples/sites/demo-directory.json)."""

from __future__ import annotations

import random
from functools import cache
from pathlib import Path
from typing import Any

from scanner.facts.installer import InstallerFacts
from scanner.facts.parse import parse_collector_output
from scanner.facts.serial import facts_from_json
from scanner.model.facts import Fact, FactStatus, HostFacts, OrgFacts
from scanner.model.host import Host
from scanner.model.outcome import HostOutcome, OutcomeKind
from scanner.probes.collector import build_collector_script
from scanner.simulator import build_site, generate_site_document, load_site
from scanner.simulator.scripts import PipelineRequest, answer

SITES = Path(__file__).resolve().parents[2] / "scanner" / "samples" / "sites"
PEER = "LYO-EXCH2010"  # the demo directory's Exchange 2010 server

# Faults that stop a session before the collector answers, and the outcome a scan gives them.
_STOPS = {"refuse": OutcomeKind.UNREACHABLE, "hang": OutcomeKind.TIMEOUT, "stall": OutcomeKind.TIMEOUT,
          "dribble": OutcomeKind.TIMEOUT, "always_401": OutcomeKind.AUTH_FAILED,
          "tls_name_mismatch": OutcomeKind.TLS_ERROR}


def _site_outcomes(site: Any) -> list[HostOutcome]:
    request = PipelineRequest(build_collector_script())
    out: list[HostOutcome] = []
    for sim in site.hosts:
        host = Host(name=sim.name.upper(), fqdn=sim.fqdn, address=sim.address, site=sim.ad_site)
        fault = sim.fault.kind if sim.fault is not None else None
        if fault in _STOPS:
            out.append(HostOutcome(host, _STOPS[fault], f"simulated {fault}"))
            continue
        said = answer(sim, request)
        if said.error is not None:
            out.append(HostOutcome(host, OutcomeKind.PROBE_ERROR, "the collector script failed"))
            continue
        try:
            facts = parse_collector_output(host.name, list(said.output))
        except Exception as exc:  # noqa: BLE001 - a fault's garbled answer: a probe error, as a scan says
            out.append(HostOutcome(host, OutcomeKind.PROBE_ERROR, str(exc)))
            continue
        out.append(HostOutcome(host, OutcomeKind.OK, "", facts=facts))
    return out


_ODD_VALUES: tuple[Any, ...] = ("", "not a number", 0, 1, 1.0, True, False, [], {}, ["x"], {"version": "zz"},
                                "15.0.1497.2", "9600", -1, None)


def _edited(outcome: HostOutcome, rng: random.Random, index: int) -> HostOutcome:
    """The same host's facts with a few of them changed the ways a collector run can differ."""
    assert outcome.facts is not None
    table = dict(outcome.facts.facts)
    for name in rng.sample(sorted(table), k=min(len(table), rng.randint(1, 4))):
        how = rng.randrange(4)
        if how == 0:
            del table[name]
        elif how == 1:
            table[name] = Fact(name, FactStatus.ABSENT)
        elif how == 2:
            table[name] = Fact(name, FactStatus.UNREADABLE, error=rng.choice(["Access is denied", "timeout"]))
        else:
            table[name] = Fact(name, FactStatus.PRESENT, rng.choice(_ODD_VALUES))
    name = f"{outcome.host.name}-E{index}"
    return HostOutcome(Host(name=name), OutcomeKind.OK, "", facts=HostFacts(name, table, "edited"))


def peer_outcome() -> HostOutcome:
    """The directory's Exchange 2010 server, scanned: it reports its own ExSetup.exe build."""
    facts = {
        "computer.name": Fact("computer.name", FactStatus.PRESENT, PEER),
        "exchange.v14_setup": Fact("exchange.v14_setup", FactStatus.PRESENT, {
            "msi_install_path": "C:\\Program Files\\Microsoft\\Exchange Server\\V14\\",
            "exsetup_version": "14.3.123.4"}),
    }
    return HostOutcome(Host(name=PEER), OutcomeKind.OK, "", facts=HostFacts(PEER, facts, "test"))


@cache
def fleet() -> tuple[HostOutcome, ...]:
    """About 1,500 outcomes: see the module doc."""
    scanned = _site_outcomes(load_site(SITES / "demo.yaml")) + _site_outcomes(load_site(SITES / "faults.yaml"))
    for seed in (3, 11):
        scanned += _site_outcomes(build_site(generate_site_document(300, seed=seed, name=f"memo-{seed}",
                                                                    faulty_percent=10.0)))
    rng = random.Random(2026)  # noqa: S311 - reproducible test data, not a secret
    ok = [o for o in scanned if o.ok and o.facts is not None]
    edits = [_edited(rng.choice(ok), rng, i) for i in range(500)]
    unscanned = [HostOutcome(Host(name=f"GONE{i:03d}"), kind, f"simulated {kind.value}")
                 for i, kind in enumerate(k for k in OutcomeKind for _ in range(3) if k is not OutcomeKind.OK)]
    no_facts = [HostOutcome(Host(name="NOFACTS"), OutcomeKind.OK, "")]
    return tuple(scanned + edits + unscanned + no_facts + [peer_outcome()])


@cache
def directory() -> tuple[OrgFacts, InstallerFacts | None]:
    doc = facts_from_json((SITES / "demo-directory.json").read_bytes())
    return doc.org, doc.installer
