"""Catalog entries: an implemented rule (metadata + a pure evaluate function) and a rule declared out of
reach (data only: why it cannot be judged remotely)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from scanner.checks.context import RuleContext, is_host_fact
from scanner.model.rule import RuleMeta, Scope, Severity, Text
from scanner.model.verdict import Verdict

Evaluate = Callable[[RuleContext], Verdict]

_ACRONYM_BOUNDARY = re.compile(r"([A-Z]+)([A-Z][a-z])")
_WORD_BOUNDARY = re.compile(r"([a-z0-9])([A-Z])")


def snake_case(rule_id: str) -> str:
    """The module name of a rule id: UcmaRedistMsi -> ucma_redist_msi,
    Win7RpcHttpAssocCookieGuidUpdateNotInstalled -> win7_rpc_http_assoc_cookie_guid_update_not_installed,
    ADAMDataPathExists -> adam_data_path_exists."""
    return _WORD_BOUNDARY.sub(r"\1_\2", _ACRONYM_BOUNDARY.sub(r"\1_\2", rule_id)).lower()


@dataclass(frozen=True, slots=True)
class Rule:
    meta: RuleMeta
    evaluate: Evaluate
    module: str  # the module's last dotted part; equals snake_case(meta.id)

    @property
    def id(self) -> str:
        return self.meta.id

    @property
    def severity(self) -> Severity:
        return self.meta.severity

    @property
    def needs_host_facts(self) -> bool:
        """False only for rules that read nothing from the host (judged from AD or inputs alone):
        those are still judged when the host could not be scanned."""
        return self.meta.scope is Scope.HOST or any(is_host_fact(f) for f in self.meta.facts)


class OutOfReachKind(StrEnum):
    MODE = "mode"  # applies only to uninstall, upgrade (build to build) or recovery, not to a new install
    SETUP_PARAMETERS = "setup_parameters"  # needs Setup's own parameters: paths, switches, the chosen DC
    SETUP_MEDIA = "setup_media"  # needs the installation media or the Setup binaries' own version
    INSTALLER_SESSION = "installer_session"  # needs the interactive session of the person running Setup
    LIVE_PROBE = "live_probe"  # needs a network probe from the host at install time (DNS, ports)
    OTHER = "other"  # the reason text says why


@dataclass(frozen=True, slots=True)
class OutOfReach:
    """A readiness rule exready does not evaluate, with the precise reason. Listed by `checks list`,
    never turned into verdicts."""

    id: str
    severity: Severity
    versions: tuple[str, ...]
    roles: tuple[str, ...]  # role names; for a version, only those that exist in it apply
    kind: OutOfReachKind
    reason: Text
    title: Text
    help_url: str = ""

    @property
    def meta(self) -> RuleMeta:
        """The same entry as RuleMeta, for listings that show every rule uniformly."""
        return RuleMeta(
            id=self.id,
            severity=self.severity,
            scope=Scope.HOST,
            versions=self.versions,
            title=self.title,
            remediation=self.reason,
            help_url=self.help_url,
            facts=(),
            implemented=False,
            out_of_reach=self.reason.en,
        )
