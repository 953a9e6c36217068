"""The matrix cell as Setup would give it: a healthy Exchange 2013 host whose organisation holds only
Exchange 2016 and 2019 servers is BLOCKED by AllServersOfHigherVersionRule alone (it showed READY when the
rule was not judged), and a healthy host is still READY with it judged."""

from __future__ import annotations

from typing import Any

from catalog_cases import ABSENT, AD_EXTRA, ADMIN, E2016, E2019, PREPARED, SETUP_HEALTHY, baseline_facts
from catalog_kit import catalog, facts_of

from scanner.evaluate.engine import EvaluationParams, evaluate_host
from scanner.facts.installer import InstallerFacts
from scanner.matrix.build import build_cells
from scanner.model.facts import HostFacts, OrgFacts
from scanner.model.host import Host
from scanner.model.matrix import CellStatus
from scanner.model.outcome import HostOutcome, OutcomeKind


def _cells(org: dict[str, Any]) -> dict[str, Any]:
    # no execution policy set by Group Policy, for the machine or for the scanning account
    policy = {"policy.gpo_machine": ABSENT, "policy.gpo_user": {"account": "CONTOSO\\exsetup", "policy": None}}
    facts = {**baseline_facts(), **SETUP_HEALTHY, **policy}
    outcome = HostOutcome(Host("EX01", site="Paris-HQ"), OutcomeKind.OK,
                          facts=HostFacts("EX01", facts_of(facts), collector_version="test"))
    installer = InstallerFacts(account=str(ADMIN["account"]),
                               facts=facts_of({"installer.account": dict(ADMIN)}))
    params = EvaluationParams(exchange_version="2013", org=OrgFacts(facts=facts_of(org), source="ldaps://dc.test"),
                              installer=installer)
    verdicts = evaluate_host(outcome, catalog(), params)
    return {c.role: c for c in build_cells(outcome, verdicts, catalog(), "2013")}


def test_exchange_2013_into_an_organisation_of_2016_and_2019_servers_only_is_blocked() -> None:
    newer = {**PREPARED, **AD_EXTRA, "ad.exchange_servers": [E2016, E2019],
             "ad.exchange_server_sites": [{"name": "EX16", "site": "Paris-HQ"}, {"name": "EX19", "site": "Paris-HQ"}]}
    cells = _cells(newer)
    for role in ("Mailbox", "ClientAccess"):
        assert cells[role].status is CellStatus.BLOCKED, cells[role]
        assert cells[role].blocking == ("AllServersOfHigherVersionRule",), cells[role]


def test_the_same_host_with_an_exchange_2013_server_in_the_organisation_is_ready() -> None:
    cells = _cells({**PREPARED, **AD_EXTRA})
    assert cells["Mailbox"].status in (CellStatus.READY, CellStatus.READY_WITH_WARNINGS), cells["Mailbox"]
    assert "AllServersOfHigherVersionRule" not in cells["Mailbox"].blocking
