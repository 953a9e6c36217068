"""AD sites: a computer object has no site attribute; its site is the siteObject of the longest-prefix
subnet (CN=Subnets,CN=Sites,CN=Configuration) that contains the computer's address.

AD does not store addresses either, so the address comes from, in this order:
1. the user: ``--resolve NAME=ADDRESS`` or a hosts-format ``--resolve-file`` (also the address the
   transport will connect to);
2. the system resolver (``socket.getaddrinfo`` on the dNSHostName), with a short timeout per name,
   unless ``--no-dns``; or, with ``--ad-dns-server``, those DNS servers only (A records, dnspython).
   A name that does not resolve leaves the site unknown, with that reason.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import dns.exception
import dns.rdatatype
import dns.resolver

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


@dataclass(frozen=True, slots=True)
class DnsServer:
    """A DNS server to ask for computer addresses instead of the system resolver."""

    address: str
    port: int = 53

    def __str__(self) -> str:
        host = f"[{self.address}]" if ":" in self.address else self.address
        return f"{host}:{self.port}"


def parse_dns_server(text: str, option: str = "--ad-dns-server") -> DnsServer:
    """``ADDRESS``, ``ADDRESS:PORT`` or ``[IPv6]:PORT``. A name is refused: asking the system resolver
    where the DNS server is would bring back the resolver this option is there to avoid."""
    raw = text.strip()
    host, port_text = raw, ""
    if raw.startswith("["):
        host, sep, rest = raw[1:].partition("]")
        if not sep or (rest and not rest.startswith(":")):
            raise UsageError(f"{option} {text!r}: expected [IPv6]:PORT")
        port_text = rest[1:] if rest else ""
        if rest and not port_text:
            raise UsageError(f"{option} {text!r}: the port is missing after ':'")
    elif raw.count(":") == 1:
        host, port_text = raw.split(":")
        if not port_text:
            raise UsageError(f"{option} {text!r}: the port is missing after ':'")
    try:
        address = str(ipaddress.ip_address(host))
    except ValueError:
        raise UsageError(f"{option} {text!r}: expected an IP address, optionally with :PORT") from None
    port = 53
    if port_text:
        if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
            raise UsageError(f"{option} {text!r}: the port must be a number from 1 to 65535")
        port = int(port_text)
    return DnsServer(address, port)


def resolve_names(names: Iterable[str], timeout: float, workers: int = 32,
                  budget: float | None = None,
                  servers: tuple[DnsServer, ...] = ()) -> dict[str, str | None]:
    """Resolve names in parallel; a name that fails or takes longer than ``timeout`` maps to None, and so
    does every name still pending when ``budget`` seconds (the discovery's remaining deadline) are spent.

    With ``servers``, A records are asked of those servers only (dnspython), each query's lifetime
    bounded by the time left. Without, the system resolver: getaddrinfo cannot be cancelled, so a stuck
    lookup is abandoned rather than waited for, in a daemon thread, so that the process does not wait
    for it at exit either (a ThreadPoolExecutor's workers are joined at interpreter exit, whatever
    shutdown(wait=False) says: that kept the process alive ~10 s after its output)."""
    unique = sorted({n for n in names if n})
    results: dict[str, str | None] = dict.fromkeys(unique)
    if not unique:
        return results
    lanes = max(1, min(workers, len(unique)))
    # one overall bound: every lookup runs in parallel, each gets at most ~timeout of wall time
    spent = timeout * (1 + len(unique) // lanes)
    end = time.monotonic() + (spent if budget is None else min(spent, budget))
    if servers:
        resolver = _dns_resolver(servers)

        def lookup(name: str) -> str | None:
            return _ask_server(resolver, name, timeout, end)
    else:
        lookup = _first_address
    queue = list(unique)
    lock = threading.Lock()
    finished = threading.Condition(lock)

    def lane() -> None:
        while True:
            with lock:
                if not queue or time.monotonic() >= end:
                    return
                name = queue.pop()
            try:
                address = lookup(name)
            except (OSError, UnicodeError, ValueError):
                address = None
            with finished:
                results[name] = address
                done.add(name)
                finished.notify_all()

    done: set[str] = set()
    for i in range(lanes):
        threading.Thread(target=lane, name=f"exready-dns-{i}", daemon=True).start()
    with finished:
        while len(done) < len(unique):
            left = end - time.monotonic()
            if left <= 0:
                break
            finished.wait(left)
        queue.clear()  # lanes still running take no new name
        # names still pending map to None; later answers are not taken
        return {n: (results[n] if n in done else None) for n in unique}


def _dns_resolver(servers: tuple[DnsServer, ...]) -> dns.resolver.Resolver:
    resolver = dns.resolver.Resolver(configure=False)  # not /etc/resolv.conf: only the named servers
    resolver.nameservers = [s.address for s in servers]
    resolver.nameserver_ports = {s.address: s.port for s in servers}
    resolver.port = servers[0].port
    return resolver


def _ask_server(resolver: dns.resolver.Resolver, name: str, timeout: float, end: float) -> str | None:
    """The first A record of ``name`` (taken as absolute: the FQDN from AD), or None."""
    lifetime = min(timeout, end - time.monotonic())
    if lifetime <= 0:
        return None
    qname = name if name.endswith(".") else name + "."
    try:
        answer = resolver.resolve(qname, "A", lifetime=lifetime, search=False, raise_on_no_answer=False)
    except dns.exception.DNSException:
        return None
    for rrset in answer.response.answer:
        if rrset.rdtype == dns.rdatatype.A:
            for rdata in rrset:
                return str(rdata.address)
    return None


def _first_address(name: str) -> str | None:
    infos = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
    v4 = [i[4][0] for i in infos if i[0] == socket.AF_INET]
    v6 = [i[4][0] for i in infos if i[0] == socket.AF_INET6]
    first = (v4 or v6 or [None])[0]
    return str(first) if first is not None else None
