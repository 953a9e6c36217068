"""Rule metadata: what a readiness rule is, independent of how it is evaluated."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"  # blocks the role
    WARNING = "warning"  # reported, does not block


class Scope(StrEnum):
    HOST = "host"  # judged from one host's facts
    ORG = "org"  # judged from Active Directory facts (possibly with the host's)


@dataclass(frozen=True, slots=True)
class Text:
    en: str
    fr: str

    def get(self, lang: str) -> str:
        return self.fr if lang == "fr" else self.en


class SourceStatus(StrEnum):
    """How far a value a rule compares with is known."""

    DOCUMENTED = "documented"  # Microsoft's documentation states it
    SETUP = "setup"  # Setup's own behaviour (its logs, its rule engine, Microsoft's support scripts)
    INFERRED = "inferred"  # derived from documented facts; the derivation is in the note
    UNDOCUMENTED = "undocumented"  # Microsoft's documentation (in the reference set) is silent
    CONTRADICTORY = "contradictory"  # sources disagree; the note says which and what the rule does


@dataclass(frozen=True, slots=True)
class Source:
    """Where one value a rule compares with comes from."""

    value: str  # the value, as a fact ("Exchange SE RTM supports Windows Server 2025 (build 26100)")
    url: str  # the page (https://...) or repository file it was taken from; "" when none was found
    status: SourceStatus = SourceStatus.DOCUMENTED
    note: str = ""  # what is missing, inferred or contradictory


@dataclass(frozen=True, slots=True)
class RuleMeta:
    id: str  # the name Exchange Setup uses, e.g. "UcmaRedistMsi"
    severity: Severity
    scope: Scope
    versions: tuple[str, ...]  # "2013", "2016", "2019"
    title: Text
    remediation: Text
    help_url: str
    facts: tuple[str, ...]  # the fact names it reads
    implemented: bool = True
    out_of_reach: str = ""  # why it cannot be judged remotely (implemented=False)
    sources: tuple[Source, ...] = ()  # where the values it compares with come from
