"""The evaluation engine: facts + catalog -> exactly one verdict per (host, applicable rule)."""

from scanner.evaluate.engine import (
    EvaluationParams,
    evaluate_all,
    evaluate_host,
    peer_facts,
    run_rule,
    unknown_reason_for,
)

__all__ = ["EvaluationParams", "evaluate_all", "evaluate_host", "peer_facts", "run_rule", "unknown_reason_for"]
