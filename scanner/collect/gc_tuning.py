"""The garbage collector tuned for a sweep, and put back as it was afterwards.

CPython's cyclic collector runs a young collection every 700 new container objects, and from time
to time walks every object the process holds. A sweep allocates millions of short-lived objects
(HTTP replies, XML trees, PSRP messages, facts, verdicts) while the imported modules, the rule
catalog and the results so far sit still: the default thresholds make the collector run tens of
thousands of times per sweep and walk those still objects again and again (0.67 ms per host in
issue 17's measurement, where the protocol itself costs 1.0-1.5 ms).

For the length of a sweep:

- ``gc.freeze()`` moves what the process holds when the sweep starts (modules, the catalog, the
  inventory) to the permanent generation: no collection looks at them any more. Objects freed by
  their reference count are freed as usual; only a reference cycle among them would wait until the
  sweep ends (``gc.unfreeze()``) to be collected.
- The young generation's threshold is raised, so that most of a session's objects are already freed
  by their reference count when a collection comes: fewer collections, and fewer survivors promoted
  to the older generations, which are walked less often. The memory this can leave waiting is the
  cyclic garbage of ``YOUNG_THRESHOLD`` allocations, a few megabytes at most.

The tuning is applied at one seam, where a sweep starts (``SweepRunner.run`` and a worker process's
loop), and undone when it ends, so that a program calling the API keeps its own settings. It is
process-wide state, so nested or concurrent sweeps in one process leave it to the outermost: an
inner sweep finds the collector already tuned and changes nothing.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# Young collections every 10,000 net allocations instead of 700. Tried on 600 hosts of bench/sweep.py's
# site (time in the collector per host, peak RSS): 700 (frozen only) 0.31-0.54 ms, 10,000 0.28 ms at
# the default's peak, 50,000 0.41 ms, 200,000 0.52 ms and 25 MB more: larger values only let cyclic
# garbage wait longer. bench/gc_tuning.py measures the chosen value against the default.
YOUNG_THRESHOLD = 10_000

_lock = threading.Lock()
_depth = 0  # sweeps under way in this process with the tuning applied


@contextmanager
def sweep_gc(enabled: bool = True) -> Iterator[None]:
    """Tune the collector for the ``with`` block (a sweep); restore it on the way out, whatever
    happens. ``enabled=False`` changes nothing (used to measure the tuning against its absence)."""
    if not enabled:
        yield
        return
    global _depth
    with _lock:
        outermost = _depth == 0
        _depth += 1
        if outermost:
            previous = gc.get_threshold()
            was_enabled = gc.isenabled()
            # A program that froze objects itself keeps them frozen; unfreezing at the end would
            # release its objects too, so the sweep then leaves the permanent generation alone.
            froze = gc.get_freeze_count() == 0 and was_enabled
            if froze:
                gc.freeze()
            if was_enabled:
                gc.set_threshold(max(previous[0], YOUNG_THRESHOLD), previous[1], previous[2])
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if outermost:
                gc.set_threshold(*previous)
                if froze:
                    gc.unfreeze()


def tuned() -> bool:
    """Whether a sweep in this process has the collector tuned right now."""
    return _depth > 0
