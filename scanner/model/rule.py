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
