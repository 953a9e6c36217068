"""AD sites: a computer object has no site attribute; its site is the siteObject of the longest-prefix
subnet (CN=Subnets,CN=Sites,CN=Configuration) that contains the computer's address.

AD does not store addresses either, so the address comes from, in this order:
1. the user: ``--resolve NAME=ADDRESS`` or a hosts-format ``--resolve-file`` (also the address the
   transport will connect to);
2. the system resolver (``socket.getaddrinfo`` on the dNSHostName), with a short timeout per name,
   unless ``--no-dns``. A name that does not resolve leaves the site unknown, with that reason.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Iterable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from scanner.errors import UsageError

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

SITE_NOT_RESOLVED = "site unknown: name did not resolve"
SITE_NO_SUBNET = "site unknown: address in no AD subnet"


@dataclass(frozen=True, slots=True)
class SiteMap:
    """AD subnets, most specific first."""

    subnets: tuple[tuple[IpNetwork, str], ...]

    @classmethod
    def build(cls, pairs: Iterable[tuple[str, str]]) -> SiteMap:
        """From (subnet cn such as "10.1.0.0/16", site name) pairs; malformed subnets are skipped
        (AD accepts only valid ones, so there should be none)."""
        parsed: list[tuple[IpNetwork, str]] = []
        for cidr, site in pairs:
            try:
                parsed.append((ipaddress.ip_network(cidr.strip(), strict=False), site))
            except ValueError:
                continue
        parsed.sort(key=lambda item: item[0].prefixlen, reverse=True)
        return cls(tuple(parsed))

    def site_of(self, address: str) -> str | None:
        try:
            ip: IpAddress = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            return None
        for network, site in self.subnets:  # most specific first: the first hit is the longest prefix
            if ip.version == network.version and ip in network:
                return site
        return None


def rdn_value(dn: str) -> str:
    """The value of the first RDN: "CN=Branch-Office,CN=Sites,..." -> "Branch-Office"."""
    first = dn.split(",", 1)[0]
    return first.split("=", 1)[1].strip() if "=" in first else first


def parse_resolve_items(items: Iterable[str]) -> dict[str, str]:
    """``NAME=ADDRESS`` items (name: short name or FQDN) -> {upper-case name: address}."""
    out: dict[str, str] = {}
    for item in items:
        name, sep, address = item.partition("=")
        if not sep or not name.strip() or not address.strip():
            raise UsageError(f"--resolve {item!r}: expected NAME=ADDRESS")
        out[name.strip().upper()] = _checked_address(address.strip(), f"--resolve {item!r}")
    return out


def read_hosts_file(path: Path) -> dict[str, str]:
    """A hosts-format file: "ADDRESS NAME [NAME...]" a line, '#' comments."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise UsageError(f"--resolve-file {path}: cannot read it: {exc.strerror or exc}") from None
    out: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].split()
        if not line:
            continue
        if len(line) < 2:
            raise UsageError(f"{path}:{number}: expected 'ADDRESS NAME [NAME...]'")
        address = _checked_address(line[0], f"{path}:{number}")
        for name in line[1:]:
            out[name.upper()] = address
    return out


def _checked_address(text: str, where: str) -> str:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise UsageError(f"{where}: {text!r} is not an IP address") from None


def lookup_given(resolve: Mapping[str, str], short_name: str, fqdn: str | None) -> str | None:
    """The address the user gave for this computer (by FQDN first, then short name)."""
    if fqdn and fqdn.upper() in resolve:
        return resolve[fqdn.upper()]
    return resolve.get(short_name.upper())


def resolve_names(names: Iterable[str], timeout: float, workers: int = 32,
                  budget: float | None = None) -> dict[str, str | None]:
    """Resolve names through the system resolver in parallel; a name that fails or takes longer than
    ``timeout`` maps to None, and so does every name still pending when ``budget`` seconds (the
    discovery's remaining deadline) are spent. getaddrinfo cannot be cancelled, so a stuck lookup is
    abandoned (its thread ends on its own) rather than waited for."""
    unique = sorted({n for n in names if n})
    results: dict[str, str | None] = dict.fromkeys(unique)
    if not unique:
        return results
    pool = ThreadPoolExecutor(max_workers=min(workers, len(unique)), thread_name_prefix="exready-dns")
    try:
        futures: dict[Future[str | None], str] = {pool.submit(_first_address, n): n for n in unique}
        pending = set(futures)
        # one overall bound: every lookup runs in parallel, each gets at most ~timeout of wall time
        spent = timeout * (1 + len(unique) // max(1, min(workers, len(unique))))
        end = time.monotonic() + (spent if budget is None else min(spent, budget))
        while pending:
            left = end - time.monotonic()
            if left <= 0:
                break
            done, pending = wait(pending, timeout=left, return_when=FIRST_COMPLETED)
            for fut in done:
                try:
                    results[futures[fut]] = fut.result()
                except OSError:
                    results[futures[fut]] = None
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return results


def _first_address(name: str) -> str | None:
    infos = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
    v4 = [i[4][0] for i in infos if i[0] == socket.AF_INET]
    v6 = [i[4][0] for i in infos if i[0] == socket.AF_INET6]
    first = (v4 or v6 or [None])[0]
    return str(first) if first is not None else None
