"""Site files: a baseline host profile, named variants, seeded random assignment and explicit hosts.

A site file (YAML) describes a simulated Windows estate in a few lines, however many hosts it has::

    name: contoso
    seed: 42
    domain: {dns: contoso.test, netbios: CONTOSO}
    credentials: {username: svc-exready, password: "..."}   # local: true -> a local account (Basic)
    defaults: {schemes: [http], auth: [negotiate, basic]}
    baseline: {os: "Windows Server 2012 R2 Standard", facts: {...}, absent: [...]}
    variants:
      ucma-missing: {absent: [ucma.version]}
      slow: {fault: {kind: slow, delay_s: 4}}
    ad_sites:
      - {name: Paris-HQ, pattern: "PAR-SRV{n:03d}", addresses: 127.20.1.0/24, count: 40}
    assign:                       # applied in order to the generated hosts, in a seeded shuffle
      - {variant: ucma-missing, count: 2}
      - {variant: slow, percent: 1}
    faulty: {percent: 5, kinds: [refuse, hang, drop]}   # a seeded mix over hosts left healthy
    answer_time: {distribution: lognormal, median_s: 2, sigma: 0.9, max_s: 30}   # see timing.py
    hosts:                        # explicit hosts: new ones, or overrides of generated ones by name
      - {name: PAR-EX01, ad_site: Paris-HQ, address: 127.20.1.250, variant: caferole}
      - {name: PAR-EX02, address: 127.20.1.251, schemes: [http, https], https_port: 443, fault: hang}

A profile (baseline, variant or host) describes a machine: ``os`` names an OS base machine
(scanner/simulator/os: ws2008r2sp1, ws2008r2sp1-wmf4, ws2012, ws2012r2, ws2016, ws2019, ws2022, ws2025 and their
``-core`` variants) or a Windows caption ("Windows Server 2008 R2 Enterprise": that release's base with
this ProductName); ``ps_version`` another Windows PowerShell (a WMF installed); ``machine`` edits it
(registry, hkcu, denied, files, services, wmi, features, updates, powershell, env: see
scanner.simulator.draft). Fact-level overrides stay: facts (present values), absent (fact names),
unreadable (fact name -> error text) are translated into the machine edit that makes the collector read
them (scanner.simulator.fact_edits), and an override the machine cannot answer as asked is refused.
A profile may also set fault, schemes, auth, max_shells, idle_timeout_s, allow_unencrypted, and
refuse_ntlm (Negotiate takes Kerberos only, as in a domain that restricts NTLM; Kerberos needs the
simulator's keytab directory, see scanner.simulator.kerberos).
``baseline: builtin`` and ``variants: builtin`` take the bundled ones.

The same file and seed always give the same hosts.
"""

from __future__ import annotations

import csv
import ipaddress
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from scanner.errors import SimulatorError
from scanner.facts.keys import CATALOG_FACTS, RETIRED_FACTS, SEED_FACTS
from scanner.simulator.draft import EditError, apply_machine_edits
from scanner.simulator.fact_edits import apply_fact, mismatches, ordered
from scanner.simulator.factvalue import ABSENT, PRESENT, UNREADABLE, FactValue
from scanner.simulator.faults import FaultSpec, parse_fault
from scanner.simulator.identity import Identity, NtlmNames, ntlm_names, with_identity
from scanner.simulator.machine import Machine
from scanner.simulator.osbase import base_machine, resolve_os
from scanner.simulator.timing import AnswerTime, parse_answer_time

HTTP_PORT = 5985
HTTPS_PORT = 5986
SCHEMES = ("http", "https")
AUTH_SCHEMES = ("negotiate", "basic")
FACT_NAMES: frozenset[str] = frozenset(f.name for f in (*SEED_FACTS, *CATALOG_FACTS, *RETIRED_FACTS))

__all__ = ["ABSENT", "PRESENT", "UNREADABLE", "FactValue"]  # re-exported: the read evaluator imports them here
# ``baseline: builtin`` / ``variants: builtin``: the healthy 2012 R2 profile and the seed-rule variants
# of baseline_document() and seed_variants_document(), so a generated site stays a few lines
BUILTIN = "builtin"


@dataclass(frozen=True, slots=True)
class Credentials:
    """The site's account: a domain account, or with ``local`` a local account that every host has
    (the only kind Windows' WinRM takes over Basic). The password never appears in repr()."""

    username: str
    password: str = field(repr=False)
    domain_netbios: str = ""
    domain_dns: str = ""
    local: bool = False

    def accepted_usernames(self) -> tuple[str, ...]:
        """The spellings a Windows host accepts for this account (Basic and NTLM)."""
        names = [self.username]
        if self.domain_netbios:
            names.append(f"{self.domain_netbios}\\{self.username}")
        if self.domain_dns:
            names.append(f"{self.domain_dns}\\{self.username}")
            names.append(f"{self.username}@{self.domain_dns}")
        return tuple(names)

    def matches(self, username: str, password: str) -> bool:
        folded = username.casefold()
        return password == self.password and any(folded == n.casefold() for n in self.accepted_usernames())


@dataclass(frozen=True, slots=True)
class SimHost:
    """One simulated Windows host: where it listens, what it runs, and what goes wrong with it."""

    name: str
    fqdn: str
    ad_site: str
    os_caption: str
    address: str
    http_port: int | None
    https_port: int | None
    auth: tuple[str, ...]
    machine: Machine = field(compare=False, repr=False)
    ntlm: NtlmNames = field(compare=False, repr=False)  # what its NTLM CHALLENGE says of it
    fault: FaultSpec | None = None
    variant: str | None = None
    max_shells: int = 30
    idle_timeout_s: float = 7200.0
    allow_unencrypted: bool = False
    refuse_ntlm: bool = False  # Negotiate with Kerberos only ("Restrict NTLM: Incoming NTLM traffic")
    answer_delay_s: float = 0.0  # how long running the collector takes on this host (site's answer_time)

    @property
    def schemes(self) -> tuple[str, ...]:
        return tuple(s for s, p in (("http", self.http_port), ("https", self.https_port)) if p is not None)

    @property
    def ps_version(self) -> str:
        return self.machine.ps_version

    @property
    def facts(self) -> Mapping[str, FactValue]:
        """What the collector of this host's own dialect reads on its machine."""
        from scanner.simulator.scripts import machine_facts  # the answer path, cached per machine

        return machine_facts(self.machine)

    @property
    def fault_label(self) -> str:
        return self.fault.label if self.fault else ""

    @property
    def script_delay_s(self) -> float:
        return self.fault.delay_s if self.fault and self.fault.kind == "slow" else self.answer_delay_s


@dataclass(frozen=True, slots=True)
class Site:
    name: str
    seed: int
    credentials: Credentials
    hosts: tuple[SimHost, ...]
    source: Path | None = None

    def host(self, name: str) -> SimHost:
        folded = name.casefold()
        for h in self.hosts:
            if h.name.casefold() == folded or h.fqdn.casefold() == folded:
                return h
        raise KeyError(name)

    def ad_sites(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(h.ad_site for h in self.hosts))

    def with_hosts(self, hosts: Iterable[SimHost]) -> Site:
        return replace(self, hosts=tuple(hosts))


INVENTORY_COLUMNS = ("name", "fqdn", "address", "port", "scheme", "auth", "site")


def write_inventory_csv(hosts: Iterable[SimHost], path: Path) -> Path:
    """The hosts as an inventory file for ``exready scan --inventory``: one row per host, HTTP
    (Negotiate with message encryption) where the host listens on HTTP, else HTTPS."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(INVENTORY_COLUMNS)
        for h in hosts:
            port: int | None
            if h.http_port is not None:
                scheme, port, auth = "http", h.http_port, "negotiate"
            else:
                scheme, port = "https", h.https_port
                auth = "negotiate" if "negotiate" in h.auth else "basic"
            writer.writerow((h.name, h.fqdn, h.address, port, scheme, auth, h.ad_site))
    return path


# ---------------------------------------------------------------------------------------------
# loading
# ---------------------------------------------------------------------------------------------


def load_site(path: str | Path) -> Site:
    """Read a site file. Any problem is a SimulatorError naming the file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SimulatorError(f"cannot read site file {path}: {exc.strerror or exc}") from None
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise SimulatorError(f"{where}: not valid YAML ({getattr(exc, 'problem', None) or exc})") from None
    return build_site(doc, source=path)


def build_site(doc: Any, source: Path | None = None) -> Site:
    """A site from its parsed document (the same mapping a site file holds)."""
    where = str(source) if source else "site"
    if not isinstance(doc, Mapping):
        raise SimulatorError(f"{where}: a site file is a mapping (name, seed, baseline, ad_sites, ...)")
    return _SiteBuilder(doc, where, source).build()


_TOP_KEYS = {
    "name",
    "seed",
    "domain",
    "credentials",
    "defaults",
    "baseline",
    "variants",
    "ad_sites",
    "assign",
    "faulty",
    "answer_time",
    "hosts",
}
_PROFILE_KEYS = {
    "os",
    "ps_version",
    "machine",
    "facts",
    "absent",
    "unreadable",
    "fault",
    "schemes",
    "auth",
    "max_shells",
    "idle_timeout_s",
    "allow_unencrypted",
    "refuse_ntlm",
}


@dataclass
class _Profile:
    """A host profile while it is being assembled (baseline, then variant, then host overrides)."""

    os: str = "ws2012r2"
    ps_version: str | None = None
    ps_layer: int = -1  # the layer that set ps_version: a PowerShell installed then
    # per layer (defaults, baseline, variant, host), its machine edits; each fact with the layer that set it
    edits: list[Mapping[str, Any]] = field(default_factory=list)
    facts: dict[str, tuple[int, FactValue]] = field(default_factory=dict)
    fault: FaultSpec | None = None
    schemes: tuple[str, ...] = ("http",)
    auth: tuple[str, ...] = AUTH_SCHEMES
    max_shells: int = 30
    idle_timeout_s: float = 7200.0
    allow_unencrypted: bool = False
    refuse_ntlm: bool = False

    def copy(self) -> _Profile:
        return replace(self, edits=list(self.edits), facts=dict(self.facts))

    @property
    def fact_values(self) -> dict[str, FactValue]:
        return {name: f for name, (_, f) in self.facts.items()}


@dataclass
class _Planned:
    name: str
    ad_site: str
    address: str
    variant: str | None = None
    fault: FaultSpec | None = None
    overrides: Mapping[str, Any] | None = None
    fqdn: str | None = None


_HOST_KEYS = {"variant", "name", "ad_site", "address", "fqdn", "http_port", "https_port"}
# host keys that make a machine of its own (the others only place the host)
_MACHINE_SHAPING = {"os", "ps_version", "machine", "facts", "absent", "unreadable"}
_CURRENT_VERSION = "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion"
# a profile's frozen machine, the facts its site file set, its Administrators, whether it set the account
_Built = tuple[Machine, frozenset[str], list[tuple[str, str]] | None, bool]


class _SiteBuilder:
    def __init__(self, doc: Mapping[str, Any], where: str, source: Path | None) -> None:
        self.doc = doc
        self.where = where
        self.source = source

    def fail(self, msg: str) -> SimulatorError:
        return SimulatorError(f"{self.where}: {msg}")

    def build(self) -> Site:
        doc = self.doc
        unknown = set(doc) - _TOP_KEYS
        if unknown:
            raise self.fail(f"unknown key(s) {', '.join(sorted(map(str, unknown)))}")
        name = str(doc.get("name") or (self.source.stem if self.source else "site"))
        try:
            seed = int(doc.get("seed", 0))
        except (TypeError, ValueError):
            raise self.fail("seed must be an integer") from None
        domain = self.mapping(doc.get("domain") or {}, "domain")
        self.domain_dns = str(domain.get("dns", "contoso.test")).lower()
        netbios = str(domain.get("netbios", self.domain_dns.split(".")[0])).upper()
        self.netbios = netbios
        self._built: dict[str, _Built] = {}
        creds = self.mapping(doc.get("credentials"), "credentials")
        if not creds.get("username") or creds.get("password") is None:
            raise self.fail("credentials need a username and a password")
        unknown_creds = set(creds) - {"username", "password", "local"}
        if unknown_creds:
            raise self.fail(f"credentials: unknown key(s) {', '.join(sorted(map(str, unknown_creds)))}")
        credentials = Credentials(
            str(creds["username"]), str(creds["password"]), netbios, self.domain_dns, bool(creds.get("local"))
        )
        self.credentials = credentials

        base = _Profile()
        self.apply(base, self.mapping(doc.get("defaults") or {}, "defaults"), "defaults")
        raw_baseline = doc.get("baseline") or {}
        if raw_baseline == BUILTIN:
            raw_baseline = baseline_document()
        self.apply(base, self.mapping(raw_baseline, "baseline"), "baseline")
        raw_variants = doc.get("variants") or {}
        if raw_variants == BUILTIN:
            raw_variants = seed_variants_document()
        variants_raw = self.mapping(raw_variants, "variants")
        self.variants: dict[str, _Profile] = {}
        for vname, vraw in variants_raw.items():
            prof = base.copy()
            self.apply(prof, self.mapping(vraw or {}, f"variant {vname}"), f"variant {vname}")
            self.variants[str(vname)] = prof

        self.seed = seed
        self.answer_time = (parse_answer_time(doc["answer_time"], self.where) if doc.get("answer_time")
                            else AnswerTime())
        rng = random.Random(seed)  # noqa: S311 - reproducible test data, not security
        planned = self.generate(rng)
        self.assign(planned, rng)
        planned = self.explicit(planned)
        hosts = tuple(self.materialise(p, base) for p in planned)
        self.check_unique(hosts)
        return Site(name=name, seed=seed, credentials=credentials, hosts=hosts, source=self.source)

    # -- pieces ---------------------------------------------------------------------------------

    def mapping(self, raw: Any, what: str) -> Mapping[str, Any]:
        if not isinstance(raw, Mapping):
            raise self.fail(f"{what} must be a mapping")
        return raw

    def apply(self, prof: _Profile, raw: Mapping[str, Any], what: str) -> None:
        unknown = set(raw) - _PROFILE_KEYS - _HOST_KEYS
        if unknown:
            raise self.fail(f"{what}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
        if "os" in raw:
            prof.os = str(raw["os"])
            try:
                resolve_os(prof.os)
            except EditError as exc:
                raise self.fail(f"{what}: {exc}") from None
        layer = len(prof.edits)
        if "ps_version" in raw:
            prof.ps_version, prof.ps_layer = str(raw["ps_version"]), layer
        prof.edits.append(self.mapping(raw.get("machine") or {}, f"{what} machine"))
        for fname, value in self.mapping(raw.get("facts") or {}, f"{what} facts").items():
            prof.facts[self.fact_name(fname, what)] = (layer, FactValue(PRESENT, value))
        absent = raw.get("absent") or []
        if not isinstance(absent, list):
            raise self.fail(f"{what}: absent is a list of fact names")
        for fname in absent:
            prof.facts[self.fact_name(fname, what)] = (layer, FactValue(ABSENT))
        for fname, err in self.mapping(raw.get("unreadable") or {}, f"{what} unreadable").items():
            prof.facts[self.fact_name(fname, what)] = (layer, FactValue(UNREADABLE, None, str(err)))
        if "fault" in raw:
            prof.fault = parse_fault(raw["fault"], f"{self.where}: {what}")
        if "schemes" in raw:
            prof.schemes = self.choice_list(raw["schemes"], SCHEMES, f"{what} schemes")
        if "auth" in raw:
            prof.auth = self.choice_list(raw["auth"], AUTH_SCHEMES, f"{what} auth")
        try:
            if "max_shells" in raw:
                prof.max_shells = int(raw["max_shells"])
            if "idle_timeout_s" in raw:
                prof.idle_timeout_s = float(raw["idle_timeout_s"])
        except (TypeError, ValueError):
            raise self.fail(f"{what}: max_shells and idle_timeout_s are numbers") from None
        if "allow_unencrypted" in raw:
            prof.allow_unencrypted = bool(raw["allow_unencrypted"])
        if "refuse_ntlm" in raw:
            prof.refuse_ntlm = bool(raw["refuse_ntlm"])

    def fact_name(self, name: Any, what: str) -> str:
        if str(name) not in FACT_NAMES:
            raise self.fail(f"{what}: unknown fact {name!r}")
        return str(name)

    def choice_list(self, raw: Any, allowed: Sequence[str], what: str) -> tuple[str, ...]:
        items = [raw] if isinstance(raw, str) else raw
        if not isinstance(items, list) or not items or any(str(i).lower() not in allowed for i in items):
            raise self.fail(f"{what}: a non-empty list of {', '.join(allowed)}")
        return tuple(str(i).lower() for i in items)

    def generate(self, rng: random.Random) -> list[_Planned]:
        out: list[_Planned] = []
        raw_sites = self.doc.get("ad_sites") or []
        if not isinstance(raw_sites, list):
            raise self.fail("ad_sites is a list")
        self.site_names: list[str] = []
        for i, rs in enumerate(raw_sites):
            rs = self.mapping(rs, f"ad_sites[{i}]")
            sname = str(rs.get("name") or "")
            if not sname:
                raise self.fail(f"ad_sites[{i}] needs a name")
            self.site_names.append(sname)
            count = rs.get("count", 0)
            if not isinstance(count, int) or count < 0:
                raise self.fail(f"ad site {sname}: count must be a whole number")
            if count == 0:
                continue
            pattern = str(rs.get("pattern") or "")
            if "{n" not in pattern:
                raise self.fail(f"ad site {sname}: pattern must contain {{n}}, e.g. 'PAR-SRV{{n:03d}}'")
            addrs = self.addresses(rs.get("addresses"), count, f"ad site {sname}")
            for n in range(1, count + 1):
                try:
                    hname = pattern.format(n=n).upper()
                except (ValueError, IndexError, KeyError):
                    raise self.fail(f"ad site {sname}: bad pattern {pattern!r}") from None
                out.append(_Planned(hname, sname, addrs[n - 1]))
        return out

    def addresses(self, raw: Any, count: int, what: str) -> list[str]:
        if not raw:
            raise self.fail(f"{what}: addresses (a loopback network, e.g. 127.20.1.0/24) is required")
        try:
            net = ipaddress.ip_network(str(raw), strict=False)
        except ValueError:
            raise self.fail(f"{what}: {raw!r} is not a network") from None
        if not net.is_loopback:
            raise self.fail(f"{what}: {net} is not a loopback network (127.0.0.0/8)")
        hosts = net.hosts() if net.num_addresses > 2 else iter(net)
        out: list[str] = []
        for ip in hosts:
            if len(out) == count:
                break
            out.append(str(ip))
        if len(out) < count:
            raise self.fail(f"{what}: {net} holds fewer than {count} addresses")
        return out

    def assign(self, planned: list[_Planned], rng: random.Random) -> None:
        order = list(range(len(planned)))
        rng.shuffle(order)
        free = iter(order)
        rules = self.doc.get("assign") or []
        if not isinstance(rules, list):
            raise self.fail("assign is a list of {variant, count|percent}")
        for i, rule in enumerate(rules):
            rule = self.mapping(rule, f"assign[{i}]")
            vname = str(rule.get("variant"))
            if vname not in self.variants:
                raise self.fail(f"assign[{i}]: unknown variant {vname!r}")
            for idx in self.take(free, rule, len(planned), f"assign[{i}]"):
                planned[idx].variant = vname
        faulty = self.doc.get("faulty")
        if faulty:
            faulty = self.mapping(faulty, "faulty")
            kinds = faulty.get("kinds") or []
            if not isinstance(kinds, list) or not kinds:
                raise self.fail("faulty: kinds is a non-empty list of fault kinds or fault mappings")
            specs = [parse_fault(k, f"{self.where}: faulty.kinds[{j}]") for j, k in enumerate(kinds)]
            for j, idx in enumerate(self.take(free, faulty, len(planned), "faulty")):
                planned[idx].fault = specs[j % len(specs)]

    def take(self, free: Any, rule: Mapping[str, Any], total: int, what: str) -> list[int]:
        if "count" in rule:
            n = rule["count"]
        elif "percent" in rule:
            try:
                n = round(total * float(rule["percent"]) / 100.0)
            except (TypeError, ValueError):
                raise self.fail(f"{what}: percent must be a number") from None
        else:
            raise self.fail(f"{what}: give count or percent")
        if not isinstance(n, int) or n < 0:
            raise self.fail(f"{what}: count must be a whole number")
        out = [idx for _, idx in zip(range(n), free, strict=False)]
        if len(out) < n:
            raise self.fail(f"{what}: not enough hosts left to assign {n}")
        return out

    def explicit(self, planned: list[_Planned]) -> list[_Planned]:
        raw_hosts = self.doc.get("hosts") or []
        if not isinstance(raw_hosts, list):
            raise self.fail("hosts is a list")
        by_name = {p.name: p for p in planned}
        for i, rh in enumerate(raw_hosts):
            rh = self.mapping(rh, f"hosts[{i}]")
            hname = str(rh.get("name") or "").upper()
            if not hname:
                raise self.fail(f"hosts[{i}] needs a name")
            p = by_name.get(hname)
            if p is None:
                site = str(
                    rh.get("ad_site")
                    or (self.site_names[0] if self.site_names else "Default-First-Site-Name")
                )
                if not rh.get("address"):
                    raise self.fail(f"host {hname}: a new host needs an address")
                p = _Planned(hname, site, "")
                planned.append(p)
                by_name[hname] = p
            if rh.get("ad_site"):
                p.ad_site = str(rh["ad_site"])
            if rh.get("address"):
                p.address = str(rh["address"])
                self.check_loopback(p.address, f"host {hname}")
            if rh.get("fqdn"):
                p.fqdn = str(rh["fqdn"]).lower()
            if "variant" in rh:
                if rh["variant"] is not None and str(rh["variant"]) not in self.variants:
                    raise self.fail(f"host {hname}: unknown variant {rh['variant']!r}")
                p.variant = None if rh["variant"] is None else str(rh["variant"])
            if "fault" in rh:
                p.fault = parse_fault(rh["fault"], f"{self.where}: host {hname}")
            p.overrides = rh
        return planned

    def check_loopback(self, address: str, what: str) -> None:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            raise self.fail(f"{what}: {address!r} is not an IP address") from None
        if not ip.is_loopback:
            raise self.fail(f"{what}: {address} is not a loopback address (127.0.0.0/8)")

    def materialise(self, p: _Planned, base: _Profile) -> SimHost:
        prof = (self.variants[p.variant] if p.variant else base).copy()
        key: str | None = p.variant or ""
        if p.overrides:
            own = {k: v for k, v in p.overrides.items() if k != "fault"}
            self.apply(prof, own, f"host {p.name}")
            if set(own) & _MACHINE_SHAPING:
                key = None  # a machine of its own
        fault = p.fault if p.fault is not None else prof.fault
        what = f"host {p.name}" if key is None else (f"variant {key}" if key else "baseline")
        built = self._built.get(key) if key is not None else None
        if built is None:
            built = self.build_machine(prof, what)
            if key is not None:
                self._built[key] = built
        frozen, overridden, admins, account_fixed = built
        ident = Identity(p.name, self.domain_dns, self.netbios, p.ad_site, self.account_of(p.name))
        machine = with_identity(frozen, ident, overridden, admins, account_fixed)
        return SimHost(
            name=p.name,
            fqdn=p.fqdn or f"{p.name.lower()}.{self.domain_dns}",
            ad_site=p.ad_site,
            os_caption=machine.os_caption,
            address=p.address,
            http_port=self.port(p, "http_port", HTTP_PORT) if "http" in prof.schemes else None,
            https_port=self.port(p, "https_port", HTTPS_PORT) if "https" in prof.schemes else None,
            auth=prof.auth,
            machine=machine,
            ntlm=ntlm_names(machine, ident),
            fault=fault,
            variant=p.variant,
            max_shells=prof.max_shells,
            idle_timeout_s=prof.idle_timeout_s,
            allow_unencrypted=prof.allow_unencrypted,
            refuse_ntlm=prof.refuse_ntlm,
            answer_delay_s=self.answer_time.draw(self.seed, p.name),
        )

    def account_of(self, host: str) -> str:
        """The account the scan runs as, as the host names it (DOMAIN\\user; HOST\\user when local)."""
        c = self.credentials
        return f"{host if c.local else self.netbios}\\{c.username}"

    def build_machine(self, prof: _Profile, what: str) -> _Built:
        """The profile's machine: its OS base, then each layer's machine edits and fact overrides; then
        read as the collector reads it, refusing any override it does not answer as asked."""
        from scanner.probes.collector import dialect_for  # the read evaluator's side, needed only here
        from scanner.simulator.reads import collect_facts

        try:
            base, caption, edition = resolve_os(prof.os)
            d = base_machine(base)
            if caption:
                d.os_caption = caption
                d.set_value(_CURRENT_VERSION, "ProductName", caption)
            if edition:
                d.set_value(_CURRENT_VERSION, "EditionID", edition + ("Core" if d.server_core else ""))
            for layer, edits in enumerate(prof.edits):
                if layer == prof.ps_layer and prof.ps_version:
                    d.set_powershell(prof.ps_version)
                apply_machine_edits(d, edits)
                for name in ordered([n for n, (lay, _) in prof.facts.items() if lay == layer]):
                    apply_fact(d, name, prof.facts[name][1])
            caption_now = d.get_value(_CURRENT_VERSION, "ProductName")
            if caption_now:
                d.os_caption = str(caption_now)
            frozen = d.freeze()
        except EditError as exc:
            raise self.fail(f"{what}: {exc}") from None
        overridden = frozenset(prof.facts)
        check = with_identity(frozen, Identity("SIMCHECK", self.domain_dns, self.netbios, "Check-Site",
                                               self.account_of("SIMCHECK")),
                              overridden, d.admins, d.account_fixed)
        try:
            got = collect_facts(check, dialect_for(check.ps_version))
        except ValueError as exc:
            raise self.fail(f"{what}: {exc}") from None
        wrong = mismatches(prof.fact_values, got)
        if wrong:
            more = f" (and {len(wrong) - 1} more)" if len(wrong) > 1 else ""
            raise self.fail(f"{what}: on {frozen.os_caption} (build {frozen.os_build}) {wrong[0]}{more}")
        return frozen, overridden, d.admins, d.account_fixed

    def port(self, p: _Planned, key: str, default: int) -> int:
        raw = (p.overrides or {}).get(key, default)
        if not isinstance(raw, int) or isinstance(raw, bool) or not 1 <= raw <= 65535:
            raise self.fail(f"host {p.name}: {key} must be a port number (1-65535)")
        return raw

    def check_unique(self, hosts: Sequence[SimHost]) -> None:
        seen: dict[str, str] = {}
        for h in hosts:
            if h.address in seen:
                raise self.fail(f"hosts {seen[h.address]} and {h.name} share the address {h.address}")
            seen[h.address] = h.name


# ---------------------------------------------------------------------------------------------
# generation of large sites
# ---------------------------------------------------------------------------------------------

# Every fault kind that acts on an HTTP listener (tls_name_mismatch needs an HTTPS one).
ALL_FAULT_MIX: tuple[str | dict[str, Any], ...] = (
    "refuse",
    "hang",
    {"kind": "stall", "stage": "receive", "nth": 2},
    {"kind": "slow", "delay_s": 3},
    {"kind": "dribble", "stage": "receive", "nth": 2, "interval_s": 0.5},
    "always_401",
    "access_denied",
    "shell_quota",
    "garbage",
    {"kind": "drop", "stage": "receive", "nth": 2},
    {"kind": "truncate", "stage": "receive", "nth": 2},
    {"kind": "close", "stage": "receive", "nth": 2},
    {"kind": "garbage", "stage": "receive", "nth": 2},
    {"kind": "http_status", "stage": "connect", "status": 503},
    {
        "kind": "wsman_fault",
        "stage": "command",
        "code": 2150858843,
        "subcode": "w:InvalidSelectors",
        "reason": "The WS-Management service cannot process the request because the request contained "
        "invalid selectors for the resource.",
    },
    "script_error",
    "partial_facts",
    "psrp_broken",
    # hostile peers, at sizes that keep a large simulated site light: each is past the client's caps
    {"kind": "negative_chunk", "stage": "receive", "nth": 2, "size": 4 * 1024 * 1024},
    {"kind": "huge_answer", "size": 2 * 1024 * 1024},
)


def generate_site_document(
    hosts: int,
    *,
    seed: int = 1,
    name: str = "generated",
    ad_sites: Sequence[str] = ("Paris-HQ", "Lyon-DR"),
    faulty_percent: float = 5.0,
    fault_kinds: Sequence[str | dict[str, Any]] = ALL_FAULT_MIX,
    schemes: Sequence[str] = ("http",),
    base_network: str = "127.64.0.0/10",
    password: str = "Sim-Lab-Pass-2026!",  # noqa: S107 - a simulated lab account
    answer_time: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A site document for a large simulated estate (the shape a site file holds), from a few numbers.
    The hosts are spread evenly over ``ad_sites``, each site in its own slice of ``base_network``;
    ``faulty_percent`` of them carry a fault, cycling through ``fault_kinds``; ``answer_time`` gives the
    hosts their time to run the collector (see scanner.simulator.timing)."""
    if hosts < 1 or not ad_sites:
        raise SimulatorError("a generated site needs at least one host and one AD site")
    net = ipaddress.ip_network(base_network)
    if not net.is_loopback:
        raise SimulatorError(f"{base_network} is not a loopback network")
    per_site = -(-hosts // len(ad_sites))
    prefix = max(net.prefixlen, 32 - max(per_site + 2, 4).bit_length())
    subnets = net.subnets(new_prefix=prefix)
    sites_doc = []
    left = hosts
    for sname in ad_sites:
        count = min(per_site, left)
        left -= count
        tag = "".join(c for c in sname.upper() if c.isalnum())[:3]
        sites_doc.append(
            {"name": sname, "pattern": f"{tag}-SRV{{n:05d}}", "addresses": str(next(subnets)), "count": count}
        )
    doc: dict[str, Any] = {
        "name": name,
        "seed": seed,
        "domain": {"dns": "contoso.test", "netbios": "CONTOSO"},
        "credentials": {"username": "svc-exready", "password": password},
        "defaults": {"schemes": list(schemes)},
        "baseline": BUILTIN,
        "variants": BUILTIN,
        "ad_sites": sites_doc,
        "assign": [
            {"variant": "ucma-missing", "percent": 10},
            {"variant": "watermark", "percent": 2},
            {"variant": "kb2619234-missing", "percent": 3},
            {"variant": "caferole", "percent": 2},
        ],
    }
    if faulty_percent > 0:
        doc["faulty"] = {"percent": faulty_percent, "kinds": list(fault_kinds)}
    if answer_time:
        doc["answer_time"] = dict(answer_time)
    return doc


def write_site_file(doc: Mapping[str, Any], path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(dict(doc), sort_keys=False), encoding="utf-8")
    return path


def baseline_document() -> dict[str, Any]:
    """A healthy Windows Server 2012 R2 (build 9600) ready for Exchange 2013."""
    return {
        "os": "Windows Server 2012 R2 Standard",
        "ps_version": "4.0",
        "facts": {
            "os.current_build": "9600",
            "os.system_root": "C:\\Windows",
            "os.installation_type": "Server",
            "file.rpchttp_dll": {"path": "C:\\Windows\\System32\\rpchttp.dll", "version": "6.3.9600.17415"},
            "file.rpcrt4_dll": {"path": "C:\\Windows\\System32\\rpcrt4.dll", "version": "6.3.9600.18895"},
            "hotfix.ids": ["KB2919355", "KB2919442", "KB2999226", "KB3000850", "KB3172729"],
            "ucma.version": "5.0.8308.0",
            "dotnet.release": 528049,
            "reboot.pending": [],
            **catalog_baseline_facts(),
        },
        "absent": ["os.ubr", "exchange.v15.roles", *CATALOG_BASELINE_ABSENT],
    }


# Facts behind the catalog's other rules, healthy for Exchange 2013 CU23 and 2016 on Windows Server 2012 R2.
CATALOG_BASELINE_ABSENT = (
    "computer.gc_ready",
    "policy.gpo_machine",
    "exchange.setup",
    "exchange.v14_setup",
    "exchange.adaccess_config_dc",
    "exchange.edge_adam_data_path",
)
IIS_COMPONENTS = (
    "W3SVC",
    "Metabase",
    "LegacySnapin",
    "WMICompatibility",
    "BasicAuthentication",
    "WindowsAuthentication",
    "DigestAuthentication",
    "HttpCompressionDynamic",
    "HttpCompressionStatic",
    "NetFxExtensibility",
    "NetFxExtensibility45",
    "ASPNET",
    "ASPNET45",
    "ProcessModel",
    "ISAPIFilter",
    "ISAPIExtensions",
    "ClientCertificateMappingAuthentication",
    "DirectoryBrowse",
    "HttpErrors",
    "HttpLogging",
    "HttpRedirect",
    "HttpTracing",
    "RequestMonitor",
    "StaticContent",
    "DefaultDocument",
    "AdminService",
    "ManagementConsole",
)
# Windows Server 2008 R2 names (Server Manager's 2008 R2 feature ids) of the features Exchange 2013 needs there
WINDOWS_FEATURES_2008R2 = (
    "NET-Framework",
    "NET-HTTP-Activation",
    "RSAT-Web-Server",
    "RSAT-Clustering",
    "RPC-over-HTTP-proxy",
    "Web-ISAPI-Ext",
)
WINDOWS_FEATURES = (
    "RSAT-Clustering",
    "RSAT-Clustering-CmdInterface",
    "RSAT-Clustering-Mgmt",
    "RSAT-Clustering-PowerShell",
    "RPC-over-HTTP-proxy",
    "Web-Net-Ext45",
    "Web-Asp-Net45",
    "Web-ISAPI-Ext",
    "NET-WCF-HTTP-Activation45",
    "NET-Framework-45-Features",
    "Server-Gui-Mgmt-Infra",
)


def catalog_baseline_facts() -> dict[str, Any]:
    sys32 = "C:\\Windows\\System32\\"
    return {
        "os.product_type": "ServerNT",
        "os.edition_id": "ServerStandard",
        "os.current_type": "Multiprocessor Free",
        "policy.gpo_user": {"account": "CONTOSO\\exready", "policy": None},
        "computer.domain_role": 3,
        "services.start": {
            "W3SVC": 2,
            "WinRM": 2,
            "msiserver": 3,
            "SMTPSVC": None,
            "ClusSvc": None,
            "NetTcpPortSharing": 2,
            "RemoteRegistry": 2,
        },
        "services.status": {"EventSystem": "Running", "MSDTC": "Running", "MpsSvc": "Running"},
        "file.msvcr120_dll": {"path": sys32 + "msvcr120.dll", "version": "12.0.21005.1"},
        "file.atl110_dll": {"path": sys32 + "atl110.dll", "version": "11.0.61030.0"},
        "file.ucrtbase_dll": {"path": sys32 + "ucrtbase.dll", "version": "10.0.10240.16390"},
        "file.sspicli_dll": {"path": sys32 + "sspicli.dll", "version": "6.3.9600.18895"},
        "file.kernel32_dll": {"path": sys32 + "kernel32.dll", "version": "6.3.9600.18895"},
        "file.urefs_dll": {"path": sys32 + "uReFS.dll", "version": "6.3.9600.17415"},
        "file.refs_sys": {"path": sys32 + "Drivers\\refs.sys", "version": "6.3.9600.18895"},
        "file.discan_dll": {"path": sys32 + "discan.dll", "version": "6.3.9600.17415"},
        "iis.components": {name: 1 for name in IIS_COMPONENTS},
        "iis.app_pool_32bit": False,
        "iis.url_rewrite_version": "7.2.1993",
        "ucma.speech_assembly": True,
        "wif.v35": True,
        "netfx3.http_activation": False,  # .NET 3.5's WCF HTTP activation: only Windows Server 2008 R2 needs it
        "file.wmspdmod_dll": {"path": sys32 + "wmspdmod.dll", "version": "12.0.9600.17415"},
        "file.wmspdmoe_dll": {"path": sys32 + "wmspdmoe.dll", "version": "12.0.9600.17415"},
        "exchange.legacy_roles": [],
        "windows.features": {**{name: True for name in WINDOWS_FEATURES}, "WinRM-IIS-Ext": False},
        "local.administrators": [
            {"name": "CONTOSO\\Domain Admins", "sid": "S-1-5-21-3623811015-3361044348-30300820-512"},
            {"name": "CONTOSO\\Exchange Setup", "sid": "S-1-5-21-3623811015-3361044348-30300820-1108"},
        ],
    }


def features_2008r2_ready() -> dict[str, bool]:
    """windows.features of a Windows Server 2008 R2 with Exchange 2013's prerequisites, by the names the
    collector reports there (Win32_ServerFeature IDs): for site files whose baseline is a later Windows."""
    return {**{name: True for name in WINDOWS_FEATURES_2008R2}, "WinRM-IIS-Ext": False}


def seed_variants_document() -> dict[str, dict[str, Any]]:
    """One variant per seed readiness rule that fails on it."""
    return {
        "kb2619234-missing": {
            # otherwise ready for Exchange 2013: WMF 4.0, the 2008 R2 features and WCF HTTP activation
            "os": "Windows Server 2008 R2 Enterprise",
            "ps_version": "4.0",
            "facts": {
                "os.current_build": "7601",
                "windows.features": features_2008r2_ready(),
                "netfx3.http_activation": True,
                "file.rpchttp_dll": {
                    "path": "C:\\Windows\\System32\\rpchttp.dll",
                    "version": "6.1.7601.17514",
                },
                "file.rpcrt4_dll": {"path": "C:\\Windows\\System32\\rpcrt4.dll", "version": "6.1.7601.17514"},
                "hotfix.ids": ["KB976902", "KB2506143"],
            },
        },
        "ucma-missing": {"absent": ["ucma.version"]},
        "ucma-old": {"facts": {"ucma.version": "5.0.8132.0"}},
        "caferole": {
            "facts": {
                "exchange.v15.roles": [
                    {
                        "key": "CafeRole",
                        "action": None,
                        "watermark": None,
                        "unpacked_version": "15.0.1497.2",
                        "configured_version": "15.0.1497.2",
                    }
                ]
            }
        },
        "watermark": {
            "facts": {
                "exchange.v15.roles": [
                    {
                        "key": "MailboxRole",
                        "action": "Install",
                        "watermark": "Microsoft.Exchange.Management.Deployment.PrepareSetup",
                        "unpacked_version": "15.0.1497.2",
                        "configured_version": None,
                    }
                ]
            }
        },
        "ucma-unreadable": {"unreadable": {"ucma.version": "Requested registry access is not allowed."}},
    }
