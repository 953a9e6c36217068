"""The readiness rule catalog: one module per rule under rules/, roles and out-of-reach rules as data."""

from scanner.checks.catalog import EXCHANGE_VERSIONS, Catalog, RoleSet, build_catalog, load_catalog
from scanner.checks.context import FactUnavailable, RuleContext
from scanner.checks.rule import OutOfReach, OutOfReachKind, Rule, snake_case

__all__ = [
    "EXCHANGE_VERSIONS",
    "Catalog",
    "FactUnavailable",
    "OutOfReach",
    "OutOfReachKind",
    "RoleSet",
    "Rule",
    "RuleContext",
    "build_catalog",
    "load_catalog",
    "snake_case",
]
