"""``--fail-on``: what a scheduler should count as failure.

The sweep's own exit code (0 ok, 1 some host blocked, 2 some host unknown, 3 run failed, 130
interrupted, 143 terminated) is narrowed by the policy:

  fail_on   blocked host   unknown host   run failed / interrupted
  blocked        1              2           3 / 130 / 143   (the default, same as ``scan``)
  unknown        0              2           3 / 130 / 143
  never          0              0           3 / 130 / 143
"""

from __future__ import annotations

from scanner.exitcodes import EXIT_BLOCKED, EXIT_OK, EXIT_UNKNOWN
from scanner.sweep.config import FailOn


def apply_fail_on(code: int, fail_on: FailOn) -> int:
    if fail_on is FailOn.NEVER and code in (EXIT_BLOCKED, EXIT_UNKNOWN):
        return EXIT_OK
    if fail_on is FailOn.UNKNOWN and code == EXIT_BLOCKED:
        return EXIT_OK
    return code
