"""Evaluate the catalog against one host's outcome. Pure: no I/O, so saved facts evaluate again offline.

Invariants:
- exactly one verdict per rule that applies to the target Exchange version, in catalog order; rules of
  other versions are left out entirely;
- rules declared out of reach (out_of_reach.yaml) are never evaluated and produce no verdict: they are
  listed by ``exready checks list`` only;
- a host that was not scanned gets UNKNOWN for every rule that needs host facts, with the reason
  matching how the scan ended; rules that read only AD facts (or inputs) are still judged;
- a warning-severity rule that fires gives WARN, never FAIL (FAIL means it blocks the role);
- a rule that raises is a bug in exready: the engine catches it here, at its boundary, and records
  UNKNOWN with reason RULE_ERROR and a neutral text naming the rule (the exception goes to the log, not
  into a verdict a reader takes for a finding), so one bad rule never hides other verdicts;
- the target (version and CU) is checked once, when the parameters are built: a CU the version never had
  is bad input, not something fourteen rules per host should each report.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from scanner.checks.catalog import EXCHANGE_VERSIONS, Catalog
from scanner.checks.context import PEER_FACTS, FactUnavailable, RuleContext, is_host_fact
from scanner.checks.rule import Rule
from scanner.checks.targets import make_target
from scanner.errors import UsageError
from scanner.evaluate.memo import RuleMemo
from scanner.facts.installer import InstallerFacts
from scanner.model.facts import Fact, OrgFacts
from scanner.model.host import Host
from scanner.model.outcome import HostOutcome, OutcomeKind
from scanner.model.rule import Severity
from scanner.model.verdict import Status, UnknownReason, Verdict

log = logging.getLogger(__name__)

_REASONS: dict[OutcomeKind, UnknownReason] = {
    OutcomeKind.UNREACHABLE: UnknownReason.UNREACHABLE,
    OutcomeKind.AUTH_FAILED: UnknownReason.AUTH_FAILED,
    OutcomeKind.TIMEOUT: UnknownReason.TIMEOUT,
    OutcomeKind.TLS_ERROR: UnknownReason.TLS_ERROR,
    OutcomeKind.REMOTE_FAULT: UnknownReason.REMOTE_FAULT,
    OutcomeKind.PROBE_ERROR: UnknownReason.PROBE_ERROR,
    OutcomeKind.NOT_ATTEMPTED: UnknownReason.NOT_ATTEMPTED,
    OutcomeKind.INTERRUPTED: UnknownReason.INTERRUPTED,
}


@dataclass(frozen=True, slots=True)
class EvaluationParams:
    exchange_version: str  # "2013", "2016", "2019"
    cu: int | None = None
    org: OrgFacts = field(default_factory=OrgFacts)  # empty: AD was not read
    installer: InstallerFacts | None = None
    # PEER_FACTS of the sweep's scanned hosts (peer_facts(outcomes)); empty when hosts are judged alone
    peers: Mapping[str, Mapping[str, Fact]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.exchange_version not in EXCHANGE_VERSIONS:
            raise UsageError(
                f"unknown Exchange version {self.exchange_version!r}; "
                f"expected one of {', '.join(EXCHANGE_VERSIONS)}"
            )
        make_target(self.exchange_version, self.cu)  # a CU this version never had: UsageError


def peer_facts(outcomes: Iterable[HostOutcome]) -> dict[str, dict[str, Fact]]:
    """The PEER_FACTS each scanned host reported present, by upper-case host name (and its computer.name
    when that differs). Pure: the same outcomes, saved or fresh, give the same input."""
    out: dict[str, dict[str, Fact]] = {}
    for o in outcomes:
        if not o.ok or o.facts is None:
            continue
        # present facts only: most hosts report them absent, and an empty input keeps a sweep from being
        # judged a second time at assembly
        found = {n: f for n in PEER_FACTS if (f := o.facts.get(n)) is not None and f.present}
        if not found:
            continue
        out[o.host.name.upper()] = found
        name = o.facts.get("computer.name")
        if name is not None and name.present and isinstance(name.value, str) and name.value.strip():
            out.setdefault(name.value.strip().upper(), found)
    return out


def unknown_reason_for(kind: OutcomeKind) -> UnknownReason:
    """The UnknownReason for a host whose scan ended with ``kind`` (not OK)."""
    if kind is OutcomeKind.OK:
        raise ValueError("an OK outcome has no unknown reason")
    return _REASONS[kind]


def run_rule(rule: Rule, ctx: RuleContext) -> Verdict:
    """Run one rule. A missing or unreadable fact becomes UNKNOWN with its reason; any other exception,
    or a malformed verdict, becomes UNKNOWN with RULE_ERROR."""
    try:
        verdict = rule.evaluate(ctx)
    except FactUnavailable as exc:
        return ctx.unknown(exc.reason, exc.detail, {"fact": exc.fact})
    except Exception:  # noqa: BLE001 - the engine boundary: a rule bug must not hide verdicts
        log.exception("rule %s raised on host %s", rule.id, ctx.host.name)
        return ctx.unknown(UnknownReason.RULE_ERROR, f"internal error in rule {rule.id}")
    problem = _malformed(verdict, rule, ctx)
    if problem:
        return ctx.unknown(
            UnknownReason.RULE_ERROR, f"rule {rule.id} returned a malformed verdict: {problem}"
        )
    return warning_level(verdict, rule.severity)


def warning_level(verdict: Verdict, severity: Severity) -> Verdict:
    """A warning-severity rule that fires warns: it never blocks, so every report says ``warn``
    (the matrix already counted it as a warning; the verdict now says so too)."""
    if verdict.status is Status.FAIL and severity is Severity.WARNING:
        return replace(verdict, status=Status.WARN)
    return verdict


def _malformed(verdict: object, rule: Rule, ctx: RuleContext) -> str:
    if not isinstance(verdict, Verdict):
        return f"{type(verdict).__name__} instead of Verdict"
    if verdict.rule_id != rule.id or verdict.host != ctx.host.name:
        return f"verdict for {verdict.rule_id}/{verdict.host}"
    if (verdict.status is Status.UNKNOWN) != (verdict.reason is not None):
        return "reason must be set exactly when the status is unknown"
    return ""


def evaluate_host(outcome: HostOutcome, catalog: Catalog, params: EvaluationParams,
                  memo: RuleMemo | None = None) -> list[Verdict]:
    """One verdict per rule of ``catalog.rules_for(params.exchange_version)``, in that order.

    ``memo`` (made for this very catalog and these parameters) gives a rule's verdict without running
    it when the rule read the same things of an earlier host and found the same answers; the verdicts
    are equal to those of running every rule (see scanner.evaluate.memo)."""
    if memo is not None and not memo.serves(catalog, params):
        raise ValueError("this memo was made for another catalog or other evaluation parameters")
    host = outcome.host
    facts = outcome.facts if outcome.ok else None
    if outcome.ok and facts is None:
        blocked_reason: UnknownReason | None = UnknownReason.PROBE_ERROR
        blocked_detail = "the scan succeeded but returned no facts"
    elif outcome.ok:
        blocked_reason, blocked_detail = None, ""
    else:
        blocked_reason = unknown_reason_for(outcome.kind)
        blocked_detail = outcome.reason or f"host not scanned ({outcome.kind.value})"
    if memo is not None:
        plan = memo.plan(lambda: catalog.rules_for(params.exchange_version))
        return _evaluate_memoized(outcome, plan, params, memo, blocked_reason, blocked_detail)
    verdicts: list[Verdict] = []
    for rule in catalog.rules_for(params.exchange_version):
        ctx = RuleContext(
            rule_id=rule.id,
            host=host,
            host_facts=facts,
            org=params.org,
            exchange_version=params.exchange_version,
            cu=params.cu,
            installer=params.installer,
            peers=params.peers,
        )
        if blocked_reason is not None and rule.needs_host_facts:
            verdicts.append(ctx.unknown(blocked_reason, blocked_detail))
        else:
            verdicts.append(run_rule(rule, ctx))
    return verdicts


def _evaluate_memoized(outcome: HostOutcome, plan: tuple[tuple[Rule, str, bool], ...], params: EvaluationParams,
                       memo: RuleMemo, blocked_reason: UnknownReason | None, blocked_detail: str) -> list[Verdict]:
    """evaluate_host with a memo: the same verdicts, each rule run only when its reads lead nowhere yet."""
    host = outcome.host
    name = host.name
    facts = outcome.facts if outcome.ok else None
    seen = memo.start_host(facts, name)
    lookup, store = memo.lookup, memo.store
    verdicts: list[Verdict] = []
    for rule, rule_id, needs_host in plan:
        blocked = blocked_reason is not None and needs_host
        if not blocked:
            known = lookup(rule_id, seen)
            if known is not None:  # the same reads found the same answers on an earlier host
                verdicts.append(Verdict(rule_id, name, known.status, known.detail, known.evidence, known.reason))
                continue
        ctx = RuleContext(rule_id=rule_id, host=host, host_facts=facts, org=params.org,
                          exchange_version=params.exchange_version, cu=params.cu, installer=params.installer,
                          peers=params.peers, reads=None if blocked else [])
        if blocked_reason is not None and blocked:
            verdicts.append(ctx.unknown(blocked_reason, blocked_detail))
            continue
        verdict = run_rule(rule, ctx)
        # a rule that raised runs again on every host it meets, so the log names each of them
        if ctx.reads is not None and verdict.reason is not UnknownReason.RULE_ERROR:
            store(rule_id, ctx.reads, verdict, seen)
        verdicts.append(verdict)
    return verdicts


def evaluate_all(
    outcomes: Iterable[HostOutcome], catalog: Catalog, params: EvaluationParams
) -> dict[str, list[Verdict]]:
    """Verdicts for every host, keyed by host name, in outcome order, with the sweep's peer facts."""
    outcomes = list(outcomes)
    if not params.peers:
        params = replace(params, peers=peer_facts(outcomes))
    return {o.host.name: evaluate_host(o, catalog, params) for o in outcomes}


ORGANISATION = "(organisation)"  # the name org-level verdicts carry when they are judged with no host


def directory_rules(catalog: Catalog, version: str) -> tuple[Rule, ...]:
    """The rules of this target judged from the directory alone: they read an organisation or
    installer-account fact and nothing from a host."""
    return tuple(r for r in catalog.rules_for(version)
                 if not r.needs_host_facts and any(not is_host_fact(f) for f in r.meta.facts))


def evaluate_organisation(catalog: Catalog, params: EvaluationParams) -> list[Verdict]:
    """The directory rules judged once for the organisation, with no host: what a facts document with
    only organisation (and installer-account) facts can tell. Verdicts carry the host name ORGANISATION."""
    host = Host(name=ORGANISATION)
    return [run_rule(rule, RuleContext(rule_id=rule.id, host=host, host_facts=None, org=params.org,
                                       exchange_version=params.exchange_version, cu=params.cu,
                                       installer=params.installer, peers=params.peers))
            for rule in directory_rules(catalog, params.exchange_version)]
