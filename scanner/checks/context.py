"""What a rule sees when it judges one host, and the helpers that turn a missing fact into UNKNOWN.

A rule reads facts through the context. When a fact it needs was not reported, could not be read, or
comes from a source that was not consulted (AD not read, installer account not named), the helper
raises ``FactUnavailable``; ``scanner.evaluate.run_rule`` turns that into an UNKNOWN verdict with
the matching reason. A rule therefore never mistakes "could not read" for "not installed".

Fact names route by prefix: ``ad.*`` to the organisation facts, ``installer.*`` to the installer
account's facts, everything else to the host's facts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scanner.facts.installer import InstallerFacts
from scanner.facts.version import Version
from scanner.model.facts import Fact, FactStatus, HostFacts, OrgFacts
from scanner.model.host import Host
from scanner.model.verdict import Status, UnknownReason, Verdict

ORG_PREFIX = "ad."
INSTALLER_PREFIX = "installer."
# Host facts some organisation-level judgements read from the other scanned hosts (see RuleContext.peers):
# an Exchange 2010 server's own ExSetup.exe build, which AD never records.
PEER_FACTS: tuple[str, ...] = ("exchange.v14_setup",)
# How a recorded read of the host's own name is written in RuleContext.reads (no fact has this name).
HOST_NAME_READ = "(host name)"


def is_host_fact(name: str) -> bool:
    return not name.startswith((ORG_PREFIX, INSTALLER_PREFIX))


class FactUnavailable(Exception):
    """A rule could not get a fact it needs. A signal inside the check layer, never shown raw:
    run_rule turns it into an UNKNOWN verdict."""

    def __init__(self, reason: UnknownReason, fact: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.fact = fact
        self.detail = detail


@dataclass(frozen=True, slots=True)
class RuleContext:
    rule_id: str
    host: Host
    host_facts: HostFacts | None  # None: the host was not scanned (only AD-only rules get here then)
    org: OrgFacts = field(default_factory=OrgFacts)  # empty: AD was not read
    exchange_version: str = "2013"  # "2013", "2016", "2019", "SE"
    cu: int | None = None  # target cumulative update, when the user named one
    installer: InstallerFacts | None = None  # None: no installer account named
    # The PEER_FACTS of every scanned host, by upper-case host name: an input of the sweep as a whole
    # (empty when judging one host alone); evidence for org-level rules, never this host's own facts.
    peers: Mapping[str, Mapping[str, Fact]] = field(default_factory=dict)
    # When set, every read of something of this host (a host fact, found or not, and the host's own
    # name) is appended here, in the order the rule made it: what the verdict can depend on beyond the
    # sweep's inputs above. The evaluation memo keys a rule's verdict on exactly these reads, so a rule
    # reads its host through ``peek`` and ``short_name`` (and the helpers built on them), never through
    # ``host_facts`` or ``host`` directly (tests/checks/test_memo_reads.py holds every rule to that).
    reads: list[tuple[str, Any]] | None = None

    # ---- where facts come from -------------------------------------------------------------

    @property
    def has_ad(self) -> bool:
        """True when Active Directory was read for this sweep."""
        return bool(self.org.facts)

    @property
    def short_name(self) -> str:
        """The computer's short name, upper case: what Setup matches AD server objects against."""
        f = self.peek("computer.name")
        if f is not None and f.present and isinstance(f.value, str) and f.value.strip():
            return f.value.strip().upper()
        if self.reads is not None:
            self.reads.append((HOST_NAME_READ, self.host.name))
        return self.host.name.upper()

    def peek(self, name: str) -> Fact | None:
        """The fact as reported, or None. Never raises: for evidence-only reads."""
        if name.startswith(ORG_PREFIX):
            return self.org.get(name)
        if name.startswith(INSTALLER_PREFIX):
            return self.installer.get(name) if self.installer is not None else None
        found = self.host_facts.get(name) if self.host_facts is not None else None
        if self.reads is not None:
            self.reads.append((name, found))
        return found

    def peer(self, host: str, name: str) -> Fact | None:
        """A PEER_FACTS fact of another scanned host (matched on its upper-case short name), or None when
        that host was not scanned or did not report it. Never raises: peers are extra evidence."""
        facts = self.peers.get(host.upper())
        return facts.get(name) if facts is not None else None

    def fact(self, name: str) -> Fact:
        """The fact, present or absent. Raises FactUnavailable when it is missing or unreadable, or
        when its source (AD, the installer account) was not consulted."""
        if name.startswith(ORG_PREFIX) and not self.has_ad:
            raise FactUnavailable(UnknownReason.NEEDS_AD, name, "Active Directory was not read")
        if name.startswith(INSTALLER_PREFIX) and self.installer is None:
            raise FactUnavailable(UnknownReason.NEEDS_INPUT, name, "no installer account was named")
        f = self.peek(name)
        if f is None:
            raise FactUnavailable(UnknownReason.FACT_MISSING, name, f"fact {name} was not reported")
        if f.status is FactStatus.UNREADABLE:
            raise FactUnavailable(
                UnknownReason.FACT_UNREADABLE, name, f"fact {name} unreadable: {f.error or 'no error text'}"
            )
        return f

    def value(self, name: str) -> Any:
        """The value of a fact that must be present; absent counts as missing."""
        f = self.fact(name)
        if not f.present:
            raise FactUnavailable(UnknownReason.FACT_MISSING, name, f"fact {name} was reported absent")
        return f.value

    def optional(self, name: str) -> Any:
        """The value when present, None when absent; raises when missing or unreadable."""
        f = self.fact(name)
        return f.value if f.present else None

    def version(self, name: str) -> Version | None:
        """A version-valued fact (a string, or a {version: str} mapping); None when absent."""
        raw = self.optional(name)
        if raw is None:
            return None
        if isinstance(raw, Mapping):
            raw = raw.get("version")
        parsed = Version.try_parse(raw)
        if parsed is None:
            raise FactUnavailable(
                UnknownReason.FACT_UNREADABLE, name, f"fact {name} is not a version: {raw!r}"
            )
        return parsed

    def required_version(self, name: str) -> Version:
        """A version-valued fact that must be present; absent counts as missing."""
        v = self.version(name)
        if v is None:
            raise FactUnavailable(UnknownReason.FACT_MISSING, name, f"fact {name} was reported absent")
        return v

    # ---- verdicts ----------------------------------------------------------------------------

    def verdict(
        self,
        status: Status,
        detail: str = "",
        evidence: Mapping[str, Any] | None = None,
        reason: UnknownReason | None = None,
    ) -> Verdict:
        return Verdict(
            rule_id=self.rule_id,
            host=self.host.name,
            status=status,
            detail=detail,
            evidence=dict(evidence or {}),
            reason=reason,
        )

    def passed(self, detail: str = "", evidence: Mapping[str, Any] | None = None) -> Verdict:
        return self.verdict(Status.PASS, detail, evidence)

    def failed(self, detail: str, evidence: Mapping[str, Any] | None = None) -> Verdict:
        return self.verdict(Status.FAIL, detail, evidence)

    def warned(self, detail: str, evidence: Mapping[str, Any] | None = None) -> Verdict:
        return self.verdict(Status.WARN, detail, evidence)

    def not_applicable(self, detail: str, evidence: Mapping[str, Any] | None = None) -> Verdict:
        return self.verdict(Status.NOT_APPLICABLE, detail, evidence)

    def unknown(
        self, reason: UnknownReason, detail: str, evidence: Mapping[str, Any] | None = None
    ) -> Verdict:
        return self.verdict(Status.UNKNOWN, detail, evidence, reason)
