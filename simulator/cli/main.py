"""The `patientsim` console script.

Only typer is imported at start-up so that `patientsim --help` stays fast; every command
imports what it needs (litellm, llama.cpp, langgraph) inside its own function.
"""

from __future__ import annotations

import sys

import typer

from simulator.cli import (
    judge_cmd,
    models_cmd,
    personas_cmd,
    protocols_cmd,
    report_cmd,
    runs_cmd,
    session_cmd,
    sweep_cmd,
    tui_cmd,
)
from simulator.cli.errors import INPUT_ERROR_EXIT, report_problems
from simulator.cli.signals import INTERRUPTED_EXIT, exit_code_of, stop_on_sigterm
from vocabulary.errors import InputProblem

app = typer.Typer(
    rich_markup_mode=None,
    name="patientsim",
    help="Synthetic patients for testing mental-health chatbots before they reach people.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(protocols_cmd.app, name="protocols")
app.add_typer(personas_cmd.app, name="personas")
session_cmd.register(app)
app.add_typer(runs_cmd.app, name="runs")
models_cmd.register(app)
judge_cmd.register(app)
sweep_cmd.register(app)
report_cmd.register(app)
tui_cmd.register(app)


def _print_version(requested: bool) -> None:
    if requested:
        from simulator.versions import version_line

        typer.echo(version_line())
        raise typer.Exit()


@app.callback()
def _options(
    version: bool = typer.Option(
        False,
        "--version",
        callback=_print_version,
        is_eager=True,
        help="Print patientsim's version and those of litellm, langgraph, textual and "
        "llama-cpp-python (for bug reports and methods sections), then exit.",
    ),
) -> None:
    """Synthetic patients for testing mental-health chatbots before they reach people."""


def _click_error_types() -> tuple[tuple[type[BaseException], ...], tuple[type[BaseException], ...]]:
    """Abort and ClickException, from click and from the copy of click that typer bundles."""
    import click
    import typer.exceptions

    aborts = (click.exceptions.Abort, typer.exceptions.Abort)
    usage: tuple[type[BaseException], ...] = (click.ClickException,)
    try:
        from typer._click.exceptions import ClickException as BundledClickException
    except ImportError:  # typer releases that use click itself
        return aborts, usage
    return aborts, (*usage, BundledClickException)


def _disk_full(exc: BaseException) -> bool:
    """SQLite's "database or disk is full" (SQLITE_FULL), anywhere in the exception's chain."""
    import sqlite3

    while exc is not None:
        if isinstance(exc, sqlite3.OperationalError) and "full" in str(exc).lower():
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def main() -> None:
    stop_on_sigterm()
    try:
        # standalone_mode=False returns the exit code instead of exiting, so that
        # input errors raised by commands can be reported here in one place.
        exit_code = app(standalone_mode=False)
    except typer.Exit as stop:
        sys.exit(exit_code_of(stop.exit_code))
    except KeyboardInterrupt:
        sys.exit(exit_code_of(INTERRUPTED_EXIT))
    except Exception as exc:  # noqa: BLE001 - sorted into usage errors, input errors and bugs below
        abort, usage_error = _click_error_types()
        if isinstance(exc, abort):
            sys.exit(exit_code_of(INTERRUPTED_EXIT))
        if isinstance(exc, usage_error):  # a bad flag or value: click's own one-line message
            exc.show()
            sys.exit(INPUT_ERROR_EXIT)
        if isinstance(exc, InputProblem):
            report_problems(getattr(exc, "problems", [str(exc)]))
            sys.exit(INPUT_ERROR_EXIT)
        if _disk_full(exc):
            report_problems(
                [
                    f"the disk holding the runs DB is full ({exc}): free space, then continue "
                    "with `patientsim resume SESSION_ID` or `patientsim sweep --resume RUN_ID` "
                    "(every committed turn is kept)"
                ]
            )
            sys.exit(INPUT_ERROR_EXIT)
        raise
    sys.exit(exit_code_of(exit_code) if isinstance(exit_code, int) else 0)


if __name__ == "__main__":
    main()
