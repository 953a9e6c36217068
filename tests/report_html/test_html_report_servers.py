"""The HTML report lists the Exchange servers read from AD with their product and Microsoft support status."""

from __future__ import annotations

from typing import Any

from scanner.model.facts import Fact, FactStatus, OrgFacts
from scanner.model.run import RunInfo, ScanResult
from scanner.report.html import render_html

INFO = RunInfo(run_id="r1", started_at="2026-01-01T00:00:00Z", finished_at="2026-01-01T00:01:00Z",
               exchange_version="SE", inventory_source="test", tool_version="test")


def result(servers: list[dict[str, Any]] | None) -> ScanResult:
    org = OrgFacts() if servers is None else OrgFacts(
        {"ad.exchange_servers": Fact("ad.exchange_servers", FactStatus.PRESENT, servers)}, "ldaps://dc.test")
    return ScanResult(info=INFO, roles=("Mailbox",), outcomes=(), verdicts={}, cells=(), org=org)


SERVERS = [
    {"name": "EX16", "version": "15.1.2507.6", "product": "Exchange 2016", "end_of_support": "2025-10-14",
     "supported": False},
    {"name": "SE01", "version": "15.2.2562.17", "product": "Exchange SE", "end_of_support": None, "supported": True},
    {"name": "EX13", "version": "15.0.1497.2"},  # facts saved before they carried the support status
]


def test_each_server_with_its_product_and_support() -> None:
    page = render_html(result(SERVERS))
    assert '<section id="exchange-servers"><h2>Exchange servers in Active Directory</h2>' in page
    assert "<p>2 of 3 out of support</p>" in page
    assert '<td>EX16</td><td>15.1.2507.6</td><td>Exchange 2016</td><td class="st-fail">ended 2025-10-14</td>' in page
    assert '<td>SE01</td><td>15.2.2562.17</td><td>Exchange SE</td><td class="st-pass">supported (Modern Lifecycle)' \
           in page
    assert '<td>EX13</td><td>15.0.1497.2</td><td>Exchange 2013</td><td class="st-fail">ended 2023-04-11</td>' in page


def test_in_french() -> None:
    page = render_html(result(SERVERS), lang="fr")
    assert "Serveurs Exchange dans Active Directory" in page and "terminé le 2025-10-14" in page


def test_no_section_without_active_directory() -> None:
    assert 'id="exchange-servers"' not in render_html(result(None))
