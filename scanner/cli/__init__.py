"""The command line: a thin adapter over the pipeline. Commands live in one module each and register
themselves on the app in ``build_app``; nothing runs at import time.

Exit codes: see ``scanner.exitcodes``.
"""

from __future__ import annotations

import importlib
from typing import Any

import typer
from typer._click.core import Context
from typer._click.exceptions import UsageError as ClickUsageError
from typer.core import TyperGroup

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
    "checks",
)


class _ExreadyGroup(TyperGroup):
    """Maps our errors to one line and exit 3, and usage errors (typer's vendored click) (exit 2 by default, which
    would read as "some host unknown") to exit 3 as well."""

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
            typer.echo(f"exready: error: {exc}", err=True)
            raise typer.Exit(EXIT_RUN_FAILED) from None


def build_app() -> typer.Typer:
    app = typer.Typer(
        name="exready",
        cls=_ExreadyGroup,
        help="Read-only Exchange readiness scanner for Windows server fleets.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
    )
    for name in COMMAND_MODULES:
        importlib.import_module(f"scanner.cli.{name}").register(app)
    return app


def main() -> None:
    build_app()(prog_name="exready")
