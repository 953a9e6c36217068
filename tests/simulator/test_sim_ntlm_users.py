"""The simulator's NTLM account file holds hashes: every account form a Windows host accepts logs on,
whatever the password holds (a colon included), and nothing else does."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pypsrp.exceptions import AuthenticationError
from pypsrp.powershell import PowerShell, RunspacePool
from tests_sim_support import COLLECTOR, answer_of, wsman_for

from scanner.simulator import SimulatorThread, build_site, generate_site_document

pytestmark = pytest.mark.simulator

USER = "svc-colon"
PASSWORD = "Colon:In:Pass-4!"  # noqa: S105 - the simulated lab's account


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatorThread]:
    doc = generate_site_document(1, seed=3, faulty_percent=0, base_network="127.49.0.0/16", password=PASSWORD)
    doc["credentials"]["username"] = USER
    with SimulatorThread(build_site(doc), tmp_path_factory.mktemp("sim")) as running:
        yield running


@pytest.mark.parametrize("username", [USER, f"CONTOSO\\{USER}", f"contoso.test\\{USER}", f"{USER}@contoso.test"])
def test_every_account_form_logs_on(sim: SimulatorThread, username: str) -> None:
    host = sim.hosts[0]
    with wsman_for(sim, host, auth="ntlm", username=username, password=PASSWORD) as wsman, \
            RunspacePool(wsman) as pool:
        ps = PowerShell(pool)
        ps.add_script(COLLECTOR)
        assert answer_of(ps.invoke())["facts"]["computer.name"]["value"] == host.name


@pytest.mark.parametrize(("username", "password"), [
    (USER, "Colon:In:Pass-4"),  # one character short
    (f"OTHER\\{USER}", PASSWORD),  # a domain the host does not know
    ("someone-else", PASSWORD),
])
def test_anything_else_is_refused(sim: SimulatorThread, username: str, password: str) -> None:
    with pytest.raises(AuthenticationError), \
            wsman_for(sim, sim.hosts[0], auth="ntlm", username=username, password=password) as wsman, \
            RunspacePool(wsman):
        pass


def test_the_account_file_holds_no_password(sim: SimulatorThread) -> None:
    text = (Path(sim.workdir) / "ntlm-users.txt").read_text(encoding="utf-8")
    assert PASSWORD not in text and USER in text
