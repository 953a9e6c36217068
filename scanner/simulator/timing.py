"""How long a simulated host takes to run the collector.

A real Windows server takes seconds, not milliseconds: WMI queries, the hotfix list, the IIS
configuration, a busy machine. A site file gives its hosts an answer time drawn from a distribution::

    answer_time: {distribution: lognormal, median_s: 2, sigma: 0.9, max_s: 30}
    answer_time: {distribution: fixed, median_s: 1.5}

The log-normal has the long tail real fleets show: with a median of 2 s and sigma 0.9, one host in
twenty takes over 8.8 s, one in a hundred over 16.4 s. Each host's time is drawn from the site's seed
and the host's name alone, so a host keeps its time whatever else the site file says. The wait is a
timer on the simulator's event loop (no thread or process per waiting host), so one simulator
process holds thousands of slow sessions at once.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scanner.errors import SimulatorError

DISTRIBUTIONS = ("fixed", "lognormal")
_KEYS = {"distribution", "median_s", "sigma", "max_s"}


@dataclass(frozen=True, slots=True)
class AnswerTime:
    distribution: str = "fixed"
    median_s: float = 0.0
    sigma: float = 0.0  # the log-normal's shape: the standard deviation of ln(time)
    max_s: float = 0.0  # 0: no cap

    def draw(self, seed: int, host: str) -> float:
        """This host's answer time, the same on every load of the same site."""
        if self.distribution == "fixed" or self.sigma == 0.0:
            value = self.median_s
        else:
            rng = random.Random(f"{seed}:answer-time:{host.casefold()}")  # noqa: S311 - test data, not security
            value = self.median_s * math.exp(self.sigma * rng.gauss(0.0, 1.0))
        if self.max_s > 0:
            value = min(value, self.max_s)
        return round(value, 3)


def parse_answer_time(raw: Any, where: str) -> AnswerTime:
    if not isinstance(raw, Mapping):
        raise SimulatorError(f"{where}: answer_time is a mapping (distribution, median_s, sigma, max_s)")
    unknown = set(raw) - _KEYS
    if unknown:
        raise SimulatorError(f"{where}: answer_time: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
    distribution = str(raw.get("distribution", "lognormal" if "sigma" in raw else "fixed"))
    if distribution not in DISTRIBUTIONS:
        raise SimulatorError(f"{where}: answer_time: distribution is one of {', '.join(DISTRIBUTIONS)}")
    try:
        median = float(raw.get("median_s", 0.0))
        sigma = float(raw.get("sigma", 0.0))
        cap = float(raw.get("max_s", 0.0))
    except (TypeError, ValueError):
        raise SimulatorError(f"{where}: answer_time: median_s, sigma and max_s are numbers") from None
    if not (median >= 0 and sigma >= 0 and cap >= 0) or not all(map(math.isfinite, (median, sigma, cap))):
        raise SimulatorError(f"{where}: answer_time: median_s, sigma and max_s are finite and not negative")
    return AnswerTime(distribution, median, sigma, cap)
