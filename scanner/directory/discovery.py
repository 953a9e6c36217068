"""Which computers to scan: a paged search of computer objects under the chosen bases, classified
client side so that everything left out is counted by reason.

The server-side filter is only ``(objectCategory=computer)`` (objectClass=computer would also match
managed service accounts). Workstations, disabled and stale accounts and names outside the globs
are dropped here rather than in the filter, because a filter cannot say how many it dropped and why.
Each excluded computer is counted once, under the first reason in ExclusionReason order.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

from scanner.directory.connection import DirectoryConnection, first_int, first_str
from scanner.directory.filters import COMPUTER_FILTER, all_of, any_of, eq
from scanner.directory.settings import DiscoverySettings, SearchScopeSpec
from scanner.directory.sites import (
    SITE_NO_SUBNET,
    SITE_NOT_RESOLVED,
    SiteMap,
    lookup_given,
    rdn_value,
    resolve_names,
)
from scanner.model.host import Host

UF_ACCOUNTDISABLE = 0x2
UF_SERVER_TRUST_ACCOUNT = 0x2000  # a writable DC's computer account
UF_PARTIAL_SECRETS_ACCOUNT = 0x4000000  # a read-only DC's
DC_PRIMARY_GROUPS = (516, 521)  # Domain Controllers, Read-only Domain Controllers
RODC_PRIMARY_GROUP = 521
FILETIME_UNIX_OFFSET = 11644473600  # seconds from 1601-01-01 to 1970-01-01

COMPUTER_ATTRIBUTES = (
    "cn",
    "sAMAccountName",
    "dNSHostName",
    "operatingSystem",
    "userAccountControl",
    "primaryGroupID",
    "lastLogonTimestamp",
)


class ExclusionReason(StrEnum):
    NAME = "name matches no --name pattern"
    NOT_WINDOWS = "not Windows (or no operating system recorded)"
    WORKSTATION = "Windows client, not Windows Server"
    DISABLED = "account disabled"
    STALE = "stale (no logon within --stale-days, default 90)"
    DUPLICATE = "same short name as another computer already listed"


@dataclass(frozen=True, slots=True)
class Excluded:
    name: str
    dn: str
    reason: ExclusionReason


@dataclass(frozen=True, slots=True)
class DiscoveryResult:
    hosts: tuple[Host, ...]  # sorted by name
    excluded: tuple[Excluded, ...]
    seen: int  # computer objects read (after removing the same DN found under two bases)
    site_notes: Mapping[str, str] = field(default_factory=dict)  # host name -> why its site is unknown
    bases: tuple[str, ...] = ()
    # kept computers whose account never logged on (pre-staged, or the machine never joined): they may
    # not answer, and that is why, not staleness
    never_logged_on: tuple[str, ...] = ()

    @property
    def exclusion_counts(self) -> dict[ExclusionReason, int]:
        counts = Counter(e.reason for e in self.excluded)
        return {reason: counts[reason] for reason in ExclusionReason if counts[reason]}


@dataclass(frozen=True, slots=True)
class ComputerRecord:
    """One computer object, decoded."""

    dn: str
    name: str  # short name, upper case
    fqdn: str | None
    os: str | None
    uac: int
    primary_group: int | None
    last_logon: float | None  # unix time, None: never recorded

    @property
    def disabled(self) -> bool:
        return bool(self.uac & UF_ACCOUNTDISABLE)

    @property
    def is_dc(self) -> bool:
        return (
            bool(self.uac & (UF_SERVER_TRUST_ACCOUNT | UF_PARTIAL_SECRETS_ACCOUNT))
            or self.primary_group in DC_PRIMARY_GROUPS
        )

    @property
    def is_rodc(self) -> bool:
        """A read-only DC: its account carries PARTIAL_SECRETS_ACCOUNT, or its primary group is Read-only
        Domain Controllers (521)."""
        return bool(self.uac & UF_PARTIAL_SECRETS_ACCOUNT) or self.primary_group == RODC_PRIMARY_GROUP


def decode_computer(dn: str, attrs: dict[str, list[bytes]]) -> ComputerRecord:
    sam = first_str(attrs, "sAMAccountName")
    fqdn = first_str(attrs, "dNSHostName")
    if sam:
        name = sam[:-1] if sam.endswith("$") else sam
    elif fqdn:
        name = fqdn.split(".", 1)[0]
    else:
        name = first_str(attrs, "cn") or rdn_value(dn)
    filetime = first_int(attrs, "lastLogonTimestamp")
    last = filetime / 10_000_000 - FILETIME_UNIX_OFFSET if filetime else None
    return ComputerRecord(
        dn=dn,
        name=name.upper(),
        fqdn=fqdn.lower() if fqdn else None,
        os=first_str(attrs, "operatingSystem"),
        uac=first_int(attrs, "userAccountControl") or 0,
        primary_group=first_int(attrs, "primaryGroupID"),
        last_logon=last,
    )


def exclusion_reason(c: ComputerRecord, settings: DiscoverySettings, now: float) -> ExclusionReason | None:
    """Why this computer is left out, or None to scan it. The order of the tests is the order of
    ExclusionReason: the first that applies is the one counted."""
    if settings.name_globs and not any(fnmatch.fnmatchcase(c.name, g.upper()) for g in settings.name_globs):
        return ExclusionReason.NAME
    os_name = (c.os or "").lower()
    if "windows" not in os_name:
        return ExclusionReason.NOT_WINDOWS
    if "server" not in os_name:
        return ExclusionReason.WORKSTATION
    if c.disabled:
        return ExclusionReason.DISABLED
    if settings.stale_days is not None and c.last_logon is not None:
        # never logged on (no lastLogonTimestamp): a pre-staged account, kept and listed on its own
        if c.last_logon < now - settings.stale_days * 86400:
            return ExclusionReason.STALE
    return None


def search_bases(directory: DirectoryConnection, settings: DiscoverySettings) -> tuple[SearchScopeSpec, ...]:
    return settings.bases or (SearchScopeSpec(directory.root.default_nc, subtree=True),)


def read_computers(directory: DirectoryConnection, settings: DiscoverySettings) -> Iterable[ComputerRecord]:
    """Every computer object under the bases, streamed page by page; a DN under two bases once."""
    seen: set[str] = set()
    for base in search_bases(directory, settings):
        for dn, attrs in directory.paged(
            base.dn,
            COMPUTER_FILTER,
            COMPUTER_ATTRIBUTES,
            page_size=settings.page_size,
            one_level=not base.subtree,
        ):
            key = dn.lower()
            if key in seen:
                continue
            seen.add(key)
            yield decode_computer(dn, attrs)


def read_site_map(directory: DirectoryConnection) -> SiteMap:
    base = f"CN=Subnets,CN=Sites,{directory.root.config_nc}"
    entries = directory.search(
        base, "(objectClass=subnet)", ["cn", "siteObject"], one_level=True, missing_ok=True
    )
    pairs = []
    for dn, attrs in entries:
        site_dn = first_str(attrs, "siteObject")
        if site_dn:
            pairs.append((first_str(attrs, "cn") or rdn_value(dn), rdn_value(site_dn)))
    return SiteMap.build(pairs)


def discover(
    directory: DirectoryConnection, settings: DiscoverySettings, now: float | None = None
) -> DiscoveryResult:
    """Read, classify and place the computers."""
    now = time.time() if now is None else now
    kept: list[ComputerRecord] = []
    excluded: list[Excluded] = []
    names: set[str] = set()
    never: list[str] = []
    seen = 0
    for record in read_computers(directory, settings):
        seen += 1
        reason = exclusion_reason(record, settings, now)
        if reason is None and record.name in names:
            reason = ExclusionReason.DUPLICATE
        if reason is not None:
            excluded.append(Excluded(record.name, record.dn, reason))
            continue
        names.add(record.name)
        kept.append(record)
        if record.last_logon is None:
            never.append(record.name)
    site_map = read_site_map(directory)
    hosts, notes = place_hosts(kept, site_map, settings, directory)
    bases = tuple(b.dn for b in search_bases(directory, settings))
    return DiscoveryResult(
        hosts=hosts,
        excluded=tuple(sorted(excluded, key=lambda e: e.name)),
        seen=seen,
        site_notes=notes,
        bases=bases,
        never_logged_on=tuple(sorted(never)),
    )


def lookup_hosts(directory: DirectoryConnection, hosts: Sequence[Host], settings: DiscoverySettings,
                 chunk: int = 100) -> tuple[Host, ...]:
    """The computer objects of hosts that come from an inventory file, matched by short name
    (sAMAccountName) and placed in their AD site; the file's own address for a host is used first.
    Hosts that AD does not know are left out."""
    names = sorted({h.name.upper() for h in hosts if not _is_address(h.name)})
    records: dict[str, ComputerRecord] = {}
    for i in range(0, len(names), chunk):
        wanted = any_of(*(eq("sAMAccountName", f"{n}$") for n in names[i:i + chunk]))
        for base in search_bases(directory, settings):
            for dn, attrs in directory.paged(base.dn, all_of(COMPUTER_FILTER, wanted), COMPUTER_ATTRIBUTES,
                                             page_size=settings.page_size, one_level=not base.subtree):
                record = decode_computer(dn, attrs)
                records.setdefault(record.name, record)
    resolve = dict(settings.resolve)
    for h in hosts:
        if h.address and _is_address(h.address):
            resolve.setdefault(h.name.upper(), h.address)
    placed, _ = place_hosts(list(records.values()), read_site_map(directory), replace(settings, resolve=resolve),
                            directory)
    return placed


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def place_hosts(
    records: list[ComputerRecord],
    site_map: SiteMap,
    settings: DiscoverySettings,
    directory: DirectoryConnection | None = None,
) -> tuple[tuple[Host, ...], dict[str, str]]:
    """Hosts with their AD site (see scanner.directory.sites for where addresses come from)."""
    given = {r.name: lookup_given(settings.resolve, r.name, r.fqdn) for r in records}
    to_resolve = [r.fqdn or r.name for r in records if given[r.name] is None] if settings.use_dns else []
    timeout, budget = settings.dns_timeout, None
    if directory is not None and directory.deadline is not None:
        directory.deadline.check("resolving host names")
        budget = max(0.1, directory.deadline.remaining())
        timeout = min(timeout, budget)
    resolved = (resolve_names(to_resolve, timeout, budget=budget, servers=settings.dns_servers)
                if to_resolve else {})
    hosts: list[Host] = []
    notes: dict[str, str] = {}
    for r in records:
        address = given[r.name] or resolved.get(r.fqdn or r.name)
        site = site_map.site_of(address) if address else None
        if site is None:
            notes[r.name] = SITE_NO_SUBNET if address else SITE_NOT_RESOLVED
        hosts.append(
            Host(
                name=r.name,
                fqdn=r.fqdn,
                address=given[r.name],
                site=site,
                source=r.dn,
                is_dc=r.is_dc,
                is_rodc=r.is_rodc,
                os=r.os,
            )
        )
    hosts.sort(key=lambda h: h.name)
    return tuple(hosts), notes
