"""One host's judgement: its outcome, the verdicts of every rule and its cells of the matrix."""

from __future__ import annotations

from dataclasses import dataclass

from scanner.model.matrix import Cell
from scanner.model.outcome import HostOutcome
from scanner.model.verdict import Verdict


@dataclass(frozen=True, slots=True)
class Evaluated:
    """What ``matrix.judge.assemble`` would build for ``outcome``, made as soon as the host is done."""

    outcome: HostOutcome
    verdicts: tuple[Verdict, ...]
    cells: tuple[Cell, ...]
