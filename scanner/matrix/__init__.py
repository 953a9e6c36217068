"""The host x role matrix built from verdicts, and a per-role summary."""

from scanner.matrix.build import RoleSummary, build_cells, summarize_roles

__all__ = ["RoleSummary", "build_cells", "summarize_roles"]
