"""Exit codes, stable because schedulers read them. Every layer that decides one imports it from here.

  0  every host scanned and nothing blocked
  1  some host is blocked for some role
  2  some host is unknown (not scanned, or a fact missing); takes precedence over 1; for `estate`,
     also a zone whose data is stale or whose latest sweep failed
  3  the run itself failed (bad input, no inventory, DC unreachable, corrupt history)
  130 interrupted (Ctrl-C), 143 terminated (SIGTERM)
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_BLOCKED = 1
EXIT_UNKNOWN = 2
EXIT_RUN_FAILED = 3
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143
