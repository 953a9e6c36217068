"""The command line: a thin adapter over the pipeline. Commands live in one module each and register
themselves on the app in ``build_app``; nothing runs at import time.

Exit codes (stable; schedulers read them):
  0  every host scanned and nothing blocked
  1  some host is blocked for some role
  2  some host is unknown (not scanned, or a fact missing); takes precedence over 1; for `estate`,
     also a zone whose data is stale or whose latest sweep failed
  3  the run itself failed (bad input, no inventory, DC unreachable, corrupt history)
  130 interrupted (Ctrl-C), 143 terminated (SIGTERM)
"""

from __future__ import annotations

import importlib
from typing import Any

import typer
from typer._click.core import Context
from typer._click.exceptions import UsageError as ClickUsageError
from typer.core import TyperGroup

from scanner.errors import ExreadyError

EXIT_OK = 0
EXIT_BLOCKED = 1
EXIT_UNKNOWN = 2
EXIT_RUN_FAILED = 3
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143

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
