"""Dotted versions compared the way .NET's System.Version compares them, because that is what
Exchange Setup does (registry strings such as "5.0.8308.0", file versions such as "6.1.7601.21855").

- Two to four non-negative integer parts; each part compares as a number, so "5.0.8308.00" equals
  "5.0.8308.0" and "5.0.10000.0" is greater than "5.0.8308.0".
- A missing part is "undefined" and sorts below 0, as in System.Version: "5.0.8308" < "5.0.8308.0".
  Setup reading "5.0.8308" from the registry would find it below 5.0.8308.0, and so do we.
- Never compared as floats or strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import total_ordering

_MAX_PART = 2**31 - 1  # System.Version parts are Int32
_LEADING = re.compile(r"\s*(\d+(?:\.\d+){1,3})")


@total_ordering
@dataclass(frozen=True, slots=True, eq=False)
class Version:
    parts: tuple[int, ...]  # two to four parts, as written

    def __post_init__(self) -> None:
        if not 2 <= len(self.parts) <= 4:
            raise ValueError(f"a version has 2 to 4 parts, not {len(self.parts)}")
        if any(p < 0 or p > _MAX_PART for p in self.parts):
            raise ValueError("version parts must be between 0 and 2147483647")

    @classmethod
    def parse(cls, text: str) -> Version:
        """Parse "a.b[.c[.d]]" (surrounding blanks allowed). Raises ValueError on anything else."""
        if not isinstance(text, str):
            raise ValueError(f"not a version string: {text!r}")
        raw = text.strip()
        pieces = raw.split(".")
        if not 2 <= len(pieces) <= 4 or not all(p.isascii() and p.isdigit() for p in pieces):
            raise ValueError(f"not a version: {text!r}")
        return cls(tuple(int(p) for p in pieces))

    @classmethod
    def try_parse(cls, text: object) -> Version | None:
        if not isinstance(text, str):
            return None
        try:
            return cls.parse(text)
        except ValueError:
            return None

    @classmethod
    def parse_leading(cls, text: str) -> Version:
        """The leading "a.b.c.d" of a file-version string such as "6.1.7601.17514 (win7sp1_rtm...)"."""
        m = _LEADING.match(text) if isinstance(text, str) else None
        if m is None:
            raise ValueError(f"no version at the start of {text!r}")
        return cls.parse(m.group(1))

    @classmethod
    def of(cls, *parts: int) -> Version:
        return cls(tuple(parts))

    def _key(self) -> tuple[int, ...]:
        return self.parts + (-1,) * (4 - len(self.parts))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key() < other._key()

    def __str__(self) -> str:
        return ".".join(str(p) for p in self.parts)

    @property
    def major(self) -> int:
        return self.parts[0]

    @property
    def minor(self) -> int:
        return self.parts[1]

    @property
    def build(self) -> int:
        return self.parts[2] if len(self.parts) > 2 else -1

    @property
    def revision(self) -> int:
        return self.parts[3] if len(self.parts) > 3 else -1
