"""Text for the terminal, with control characters escaped.

Fact values, fault texts and host attributes come from remote machines and directories, and the
command line from whoever typed it. A value holding an escape sequence would otherwise reach the
terminal as a command: retitle the window, clear the screen, move the cursor up and rewrite what a
previous line said. Every control character but newline and tab (C0, DEL, C1) and the Unicode
bidirectional overrides is shown escaped (``\\x1b``, ``\\u202e``): visible, never obeyed.
"""

from __future__ import annotations

import re

import typer

# C0 but \t and \n, DEL and C1, and the bidirectional embeddings, overrides and isolates (which can
# make a line read in another order than its bytes).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(text: str) -> str:
    """``text`` with every control character escaped (newlines and tabs kept)."""
    return _CONTROL.sub(_escape, text)


def echo(text: str = "", *, err: bool = False) -> None:
    """``typer.echo`` of ``text`` with its control characters escaped."""
    typer.echo(clean(text), err=err)
