"""Facts about the account that will run Exchange Setup (its group memberships, read from AD).

They exist only when the user names that account; rules about it are otherwise unknown with
UnknownReason.NEEDS_INPUT. Same Fact shape as host and organisation facts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from scanner.model.facts import Fact


@dataclass(frozen=True, slots=True)
class InstallerFacts:
    account: str  # as the user named it, e.g. "CONTOSO\\exadmin"
    facts: Mapping[str, Fact] = field(default_factory=dict)

    def get(self, name: str) -> Fact | None:
        return self.facts.get(name)
