"""The command line: a thin adapter over the pipeline. Commands live in one module each and register
themselves on the app in ``build_app``; nothing runs at import time.

Exit codes: see ``scanner.exitcodes``.
"""

from __future__ import annotations

import importlib
import types
from typing import Annotated, Any

import typer
from typer._click.core import Command as ClickCommand
from typer._click.core import Context
from typer._click.exceptions import UsageError as ClickUsageError
from typer._click.formatting import HelpFormatter
from typer.core import TyperArgument, TyperGroup

from scanner.errors import ExreadyError
from scanner.exitcodes import (
    EXIT_BLOCKED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_RUN_FAILED,
    EXIT_TERMINATED,
    EXIT_UNKNOWN,
)

# The exit codes are re-exported: the commands and their tests name them from here.
__all__ = ["EXIT_BLOCKED", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_RUN_FAILED", "EXIT_TERMINATED", "EXIT_UNKNOWN",
           "build_app", "main"]

# Each module defines ``register(app: typer.Typer) -> None``.
COMMAND_MODULES: tuple[str, ...] = (
    "scan",
    "demo",
    "show",
    "inventory",
    "simulate",
    "history",
    "sweep",
    "estate",
    "checks",
)


def _argument_usage(param: TyperArgument) -> str:
    """HOST when required, [RUN] when optional, with "..." when it takes several: the usual Unix form
    (typer writes {HOST}, and [[RUN]] when the metavar already has its brackets)."""
    name = (param.metavar or (param.name or "").upper()).strip("[]{}")
    name = name if param.required else f"[{name}]"
    return f"{name}..." if param.nargs != 1 else name


def _usage_pieces(command: ClickCommand, ctx: Context) -> list[str]:
    pieces = [command.options_metavar] if command.options_metavar else []
    return pieces + [_argument_usage(p) for p in command.get_params(ctx) if isinstance(p, TyperArgument)]


def _no_type(ctx: Context) -> None:
    return None


def _format_options(command: ClickCommand, ctx: Context, formatter: HelpFormatter) -> None:
    """Arguments, then the options in the sections the commands give them (rich_help_panel: WinRM,
    Limits, Outputs, ...), the unsectioned ones first under "Options"."""
    args: list[tuple[str, str]] = []
    sections: dict[str, list[tuple[str, str]]] = {"Options": []}
    for param in command.get_params(ctx):
        record = param.get_help_record(ctx)
        if record is None:
            continue
        if isinstance(param, TyperArgument):
            args.append(record)
        else:
            sections.setdefault(getattr(param, "rich_help_panel", None) or "Options", []).append(record)
    if args:
        with formatter.section("Arguments"):
            formatter.write_dl(args)
    for name, records in sections.items():
        if records:
            with formatter.section(name):
                formatter.write_dl(records)


def _tidy(command: ClickCommand) -> None:
    """Help that reads like a well-kept CLI: usage lines in the usual form, options in their sections, and
    an argument listed by its name alone (typer adds a type placeholder such as <str>)."""
    if isinstance(command, TyperGroup):
        for sub in command.commands.values():
            _tidy(sub)
        return
    command.collect_usage_pieces = types.MethodType(_usage_pieces, command)  # type: ignore[method-assign]
    command.format_options = types.MethodType(_format_options, command)  # type: ignore[method-assign]
    for param in command.params:
        if isinstance(param, TyperArgument):
            setattr(param, "display_type_rich", _no_type)  # noqa: B010 - an instance's own, not the class's


class _ExreadyGroup(TyperGroup):
    """Maps our errors to one line and exit 3, and usage errors (typer's vendored click) (exit 2 by default, which
    would read as "some host unknown") to exit 3 as well. Tidies every command's help once built."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for command in self.commands.values():
            _tidy(command)

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except ClickUsageError as exc:
            exc.exit_code = EXIT_RUN_FAILED
            raise

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except ClickUsageError as exc:
            exc.exit_code = EXIT_RUN_FAILED
            raise
        except ExreadyError as exc:
            from scanner.cli.terminal import clean  # a message may quote remote or typed text

            typer.echo(f"exready: error: {clean(str(exc))}", err=True)
            raise typer.Exit(EXIT_RUN_FAILED) from None
        except KeyboardInterrupt:
            # Ctrl-C outside a scan (which handles it itself), e.g. at the password prompt: the documented
            # 130, not click's "Aborted!" and 1
            typer.echo("", err=True)
            typer.echo("exready: interrupted", err=True)
            raise typer.Exit(EXIT_INTERRUPTED) from None


def installed_version() -> str:
    """The installed distribution's version; this tree's own when it runs from a checkout."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("exready")
    except PackageNotFoundError:
        from scanner import __version__

        return __version__


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"exready {installed_version()}")
        raise typer.Exit(EXIT_OK)


def _root(
    version: Annotated[bool, typer.Option(
        "--version", is_eager=True, callback=_print_version, help="Print the version and exit.")] = False,
) -> None:
    """Read-only Exchange readiness scanner for Windows server fleets."""


def build_app() -> typer.Typer:
    app = typer.Typer(
        name="exready",
        cls=_ExreadyGroup,
        help="Read-only Exchange readiness scanner for Windows server fleets.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
        # plain help: typer's rich tables cut long option names at 80 columns and write <bool> after flags
        rich_markup_mode=None,
    )
    app.callback()(_root)
    for name in COMMAND_MODULES:
        importlib.import_module(f"scanner.cli.{name}").register(app)
    return app


def main() -> None:
    build_app()(prog_name="exready")
