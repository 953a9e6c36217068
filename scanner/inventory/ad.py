"""The inventory from Active Directory: the servers to scan, what was left out and why, and the
organisation facts, all from one bind to one DC within one deadline.

This is what ``exready inventory --ad`` prints and what ``exready scan --ad`` feeds into the sweep.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from scanner.directory.connection import Deadline, open_directory
from scanner.directory.discovery import DiscoveryResult, ExclusionReason, discover, lookup_hosts
from scanner.directory.org import read_org_facts
from scanner.directory.settings import AdSettings
from scanner.model.facts import OrgFacts
from scanner.model.host import Host


@dataclass(frozen=True, slots=True)
class AdInventory:
    hosts: tuple[Host, ...]
    discovery: DiscoveryResult
    org: OrgFacts  # empty when the organisation facts were not asked for
    source: str  # the DC URL

    @property
    def exclusions(self) -> dict[ExclusionReason, int]:
        return self.discovery.exclusion_counts


def discover_hosts(settings: AdSettings, *, with_org_facts: bool = True, now: float | None = None) -> AdInventory:
    """Bind, discover the computers (with their sites) and read the organisation facts.
    Raises a scanner.errors.DirectoryError (one line, what to do) when AD cannot be read."""
    deadline = Deadline(settings.discovery.deadline)
    with open_directory(settings.bind, deadline) as directory:
        result = discover(directory, settings.discovery, now=now)
        org = read_org_facts(directory, result.hosts) if with_org_facts else OrgFacts(source=directory.url)
    return AdInventory(hosts=result.hosts, discovery=result, org=org, source=settings.source)


def read_org(settings: AdSettings, hosts: Sequence[Host] = ()) -> OrgFacts:
    """Only the organisation facts, for a sweep whose hosts come from a file (``scan --inventory F
    --ad URL``). ad.computers then lists those hosts' own computer objects (matched by name), with
    their AD sites."""
    deadline = Deadline(settings.discovery.deadline)
    with open_directory(settings.bind, deadline) as directory:
        return read_org_facts(directory, lookup_hosts(directory, hosts, settings.discovery))
