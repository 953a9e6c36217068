"""Site files: loading, seeded generation, the sample sites, and refusing non-loopback addresses."""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests_sim_support import PASSWORD, USER

from scanner.errors import SimulatorError
from scanner.simulator import (
    FAULT_KINDS,
    SimulatorThread,
    build_site,
    generate_site_document,
    load_site,
    write_inventory_csv,
    write_site_file,
)
from scanner.simulator.scripts import collector_version
from scanner.simulator.server import require_loopback

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "scanner" / "samples" / "sites" / "demo.yaml"
FAULTS = ROOT / "scanner" / "samples" / "sites" / "faults.yaml"


def _doc(**extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "name": "t",
        "seed": 3,
        "credentials": {"username": USER, "password": PASSWORD},
        "ad_sites": [{"name": "A", "pattern": "A{n:03d}", "addresses": "127.43.0.0/24", "count": 5}],
    }
    doc.update(extra)
    return doc


def test_demo_site_has_every_seed_variant_twice_and_the_promised_faults() -> None:
    site = load_site(DEMO)
    assert 65 <= len(site.hosts) <= 75
    assert set(site.ad_sites()) == {"Paris-HQ", "Lyon-DR"}
    variants = Counter(h.variant for h in site.hosts)
    for v in ("kb2619234-missing", "ucma-missing", "ucma-old", "caferole", "watermark", "ucma-unreadable"):
        assert variants[v] >= 2, v
    kinds = Counter(h.fault.kind for h in site.hosts if h.fault)
    assert kinds["refuse"] >= 2 and kinds["slow"] >= 1 and kinds["always_401"] == 1 and kinds["hang"] == 1
    old = next(h for h in site.hosts if h.variant == "kb2619234-missing")
    assert old.os_caption == "Windows Server 2008 R2 Enterprise"
    assert old.facts["os.current_build"].value == "7601"
    assert old.facts["file.rpcrt4_dll"].value["version"] == "6.1.7601.17514"
    healthy = next(h for h in site.hosts if h.variant is None and h.fault is None)
    assert healthy.facts["ucma.version"].value == "5.0.8308.0"
    assert healthy.facts["exchange.v15.roles"].status == "absent"
    assert isinstance(healthy.facts["dotnet.release"].value, int)
    assert healthy.facts["dotnet.release"].value >= 379893  # .NET 4.5.2 or later
    assert len({h.address for h in site.hosts}) == len(site.hosts)
    assert load_site(DEMO) == site  # reproducible from its seed


def test_fault_site_has_one_host_per_fault_kind() -> None:
    site = load_site(FAULTS)
    kinds = [h.fault.kind for h in site.hosts if h.fault]
    assert set(kinds) == FAULT_KINDS


def test_generated_site_is_reproducible_from_its_seed(tmp_path: Path) -> None:
    doc = generate_site_document(5000, seed=11)
    path = write_site_file(doc, tmp_path / "big.yaml")
    assert len(path.read_text(encoding="utf-8").splitlines()) < 200  # a few lines, whatever the size
    a, b = load_site(path), load_site(path)
    assert len(a.hosts) == 5000
    assert [(h.name, h.address, h.variant, h.fault) for h in a.hosts] == [
        (h.name, h.address, h.variant, h.fault) for h in b.hosts
    ]
    faulty = [h.fault for h in a.hosts if h.fault is not None]
    assert len(faulty) == 250
    assert {f.kind for f in faulty} == FAULT_KINDS - {"tls_name_mismatch"}  # every kind HTTP can show
    assert Counter(h.ad_site for h in a.hosts) == {"Paris-HQ": 2500, "Lyon-DR": 2500}
    assert len({h.address for h in a.hosts}) == 5000
    other = build_site(generate_site_document(5000, seed=12))
    assert [h.variant for h in other.hosts] != [h.variant for h in a.hosts]


def test_percent_assignment_and_explicit_override() -> None:
    doc = _doc(
        variants={"old": {"facts": {"ucma.version": "5.0.8132.0"}}},
        assign=[{"variant": "old", "percent": 40}],
        hosts=[
            {"name": "A001", "variant": None, "fault": {"kind": "slow", "delay_s": 2}},
            {"name": "EXTRA", "ad_site": "B", "address": "127.43.1.9", "schemes": ["https"]},
        ],
    )
    site = build_site(doc)
    assert len(site.hosts) == 6
    a1 = site.host("a001")
    assert a1.variant is None and a1.script_delay_s == 2
    extra = site.host("EXTRA")
    assert (extra.ad_site, extra.http_port, extra.https_port, extra.fqdn) == (
        "B",
        None,
        5986,
        "extra.contoso.test",
    )
    plain = build_site(_doc(variants=doc["variants"], assign=doc["assign"]))
    assert sum(1 for h in plain.hosts if h.variant == "old") == 2  # 40 % of 5
    assert {h.name for h in site.hosts if h.variant == "old"} == {
        h.name for h in plain.hosts if h.variant == "old"
    } - {"A001"}


@pytest.mark.parametrize(
    "bad, message",
    [
        (
            {"ad_sites": [{"name": "A", "pattern": "A{n}", "addresses": "10.0.0.0/24", "count": 2}]},
            "not a loopback",
        ),
        ({"hosts": [{"name": "X", "address": "192.168.1.5"}]}, "not a loopback"),
        ({"baseline": {"facts": {"no.such.fact": 1}}}, "unknown fact"),
        ({"baseline": {"fault": "melt"}}, "unknown fault kind"),
        ({"assign": [{"variant": "nope", "count": 1}]}, "unknown variant"),
        ({"credentials": {"username": "u"}}, "password"),
        ({"surprise": 1}, "unknown key"),
        ({"baseline": {"fault": {"kind": "drop", "stage": "connect"}}}, "WS-Man stage"),
    ],
)
def test_bad_site_documents_are_refused_with_a_reason(bad: dict[str, Any], message: str) -> None:
    with pytest.raises(SimulatorError, match=message):
        build_site(_doc(**bad))


def test_explicit_host_ports() -> None:
    site = build_site(
        _doc(
            hosts=[
                {
                    "name": "P1",
                    "address": "127.43.1.2",
                    "schemes": ["http", "https"],
                    "http_port": 15985,
                    "https_port": 15986,
                }
            ]
        )
    )
    assert (site.host("P1").http_port, site.host("P1").https_port) == (15985, 15986)
    with pytest.raises(SimulatorError, match="port number"):
        build_site(_doc(hosts=[{"name": "P2", "address": "127.43.1.3", "http_port": 70000}]))


def test_bad_site_file_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("name: x\nseed: [1,\n", encoding="utf-8")
    with pytest.raises(SimulatorError, match=r"broken\.yaml:\d+"):
        load_site(path)
    with pytest.raises(SimulatorError, match="cannot read site file"):
        load_site(tmp_path / "missing.yaml")


def test_loopback_only() -> None:
    for ok in ("127.0.0.1", "127.200.3.4", "::1"):
        require_loopback(ok)
    for bad in ("0.0.0.0", "10.1.2.3", "192.0.2.1", "localhost"):  # noqa: S104
        with pytest.raises(SimulatorError, match="refusing to listen"):
            require_loopback(bad)


def test_simulator_refuses_a_non_loopback_host(tmp_path: Path) -> None:
    site = build_site(_doc())
    rogue = site.with_hosts([*site.hosts[:1], replace(site.hosts[1], address="10.9.8.7")])
    with pytest.raises(SimulatorError, match="not a loopback address"):
        SimulatorThread(rogue, tmp_path).start()


def test_inventory_csv(tmp_path: Path) -> None:
    site = build_site(
        _doc(hosts=[{"name": "S1", "address": "127.43.1.1", "schemes": ["https"], "auth": ["basic"]}])
    )
    path = write_inventory_csv(site.hosts, tmp_path / "inv.csv")
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert len(rows) == 6
    assert rows[0] == {
        "name": "A001",
        "fqdn": "a001.contoso.test",
        "address": "127.43.0.1",
        "port": "5985",
        "scheme": "http",
        "auth": "negotiate",
        "site": "A",
    }
    assert rows[-1]["scheme"] == "https" and rows[-1]["port"] == "5986" and rows[-1]["auth"] == "basic"


def test_credentials_never_in_repr() -> None:
    site = build_site(_doc())
    assert PASSWORD not in repr(site)
    assert PASSWORD not in yaml.safe_dump(repr(site.hosts))


@pytest.mark.parametrize(
    "script, version",
    [
        ("# exready-collector 1.4.0\nGet-Item x", "1.4.0"),
        ("\n   #exready-collector 2\n", "2"),
        ("$ErrorActionPreference = 'Stop'\n& {\n# exready-collector 3\n$x = 1\n}", "3"),
        ("Get-Service # exready-collector 1", None),
        ("# some other script\n", None),
        ("", None),
    ],
)
def test_collector_marker(script: str, version: str | None) -> None:
    assert collector_version(script) == version
