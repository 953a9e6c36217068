"""The simulator decodes each long CLIXML string once: the same text as psrpcore's own decoding."""

from __future__ import annotations

import pytest
from psrpcore.types import _serializer

from scanner.simulator import clixml


def test_long_strings_decode_as_psrpcore_decodes_them(monkeypatch: pytest.MonkeyPatch) -> None:
    installed = _serializer._deserialize_string  # an earlier simulator in this process may have wrapped it
    original = getattr(installed, "__wrapped__", installed)
    monkeypatch.setattr(_serializer, "_deserialize_string", original)
    script = "# exready-collector 1.1.0_x000A_$a = 'caf\u00e9'_x000D__x000A_" * 200 + "_xD83D__xDE00_ end"
    short = "a_x000A_b"
    expected = original(script), original(short)
    clixml.memoise_long_strings()
    clixml.memoise_long_strings()  # a second install keeps the one wrapper
    memo = _serializer._deserialize_string
    assert memo is not original and getattr(memo, "_exready_memo", False)
    assert (memo(script), memo(short)) == expected
    assert memo(script) == expected[0]  # from the memo now
    assert "\U0001F600" in expected[0] and "\n" in expected[0]
