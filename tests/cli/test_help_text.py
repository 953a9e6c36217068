"""The CLI reads like a well-kept one: every command's help, at 80 columns, has usage lines in the usual
form, every option described and named in full, and no type placeholder such as <bool> or <path>."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from typer._click.core import Command
from typer.core import TyperArgument, TyperGroup, TyperOption
from typer.main import get_command
from typer.testing import CliRunner

from scanner.cli import EXIT_OK, build_app, installed_version


def _commands(command: Command, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Command]]:
    yield path, command
    if isinstance(command, TyperGroup):
        for name, sub in command.commands.items():
            yield from _commands(sub, (*path, name))


ROOT = get_command(build_app())
COMMANDS = dict(_commands(ROOT))
PLACEHOLDER = re.compile(r"<(bool|str|int|float|path|int range|float range|file|text)[^>]*>")


def _help(path: tuple[str, ...]) -> str:
    result = CliRunner().invoke(build_app(), [*path, "--help"], env={"COLUMNS": "80", "TERMINAL_WIDTH": "80"})
    assert result.exit_code == EXIT_OK, result.output
    return result.output


@pytest.mark.parametrize("path", list(COMMANDS), ids=lambda p: " ".join(p) or "exready")
def test_help_has_no_type_placeholder_and_a_plain_usage_line(path: tuple[str, ...]) -> None:
    text = _help(path)
    assert not PLACEHOLDER.search(text), PLACEHOLDER.findall(text)
    usage = text.splitlines()[0]
    assert usage.startswith(f"Usage: exready {' '.join(path)}".rstrip()), usage
    assert "{" not in usage and "[[" not in usage, usage
    assert "…" not in text
    assert "\\[" not in text  # rich-markup escapes shown as they are


@pytest.mark.parametrize("path", list(COMMANDS), ids=lambda p: " ".join(p) or "exready")
def test_every_option_is_described_and_named_in_full(path: tuple[str, ...]) -> None:
    command = COMMANDS[path]
    text = _help(path)
    for param in command.params:
        if isinstance(param, TyperOption):
            assert param.help, f"{' '.join(path)} {param.opts[0]} has no help"
            for name in param.opts:
                assert re.search(rf"(^|[\s,]){re.escape(name)}([\s,=]|$)", text, re.MULTILINE), name
        if isinstance(param, TyperArgument):
            assert param.help, f"{' '.join(path)} {param.name} has no help"


@pytest.mark.parametrize(("path", "usage"), [
    (("show",), "Usage: exready show [OPTIONS] HOST"),
    (("diff",), "Usage: exready diff [OPTIONS] [RUN_A] [RUN_B]"),
    (("simulate",), "Usage: exready simulate [OPTIONS] SITE"),
    (("history", "show"), "Usage: exready history show [OPTIONS] [RUN]"),
])
def test_usage_lines(path: tuple[str, ...], usage: str) -> None:
    assert _help(path).splitlines()[0] == usage


def test_version() -> None:
    result = CliRunner().invoke(build_app(), ["--version"])
    assert (result.exit_code, result.output) == (EXIT_OK, f"exready {installed_version()}\n")
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*", installed_version())


def test_scan_options_keep_their_sections() -> None:
    headings = [line for line in _help(("scan",)).splitlines() if line and not line.startswith(" ")]
    assert headings[1:] == ["Options:", "Active Directory:", "WinRM:", "Limits:", "Outputs:"]
