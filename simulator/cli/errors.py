"""How the CLI reports bad input: one `error: ...` line per problem, exit code 2."""

from __future__ import annotations

import sys
from collections.abc import Iterable

import typer

from vocabulary.errors import InputProblem

INPUT_ERROR_EXIT = 2


class UserInputError(InputProblem):
    """Bad input given to a command (a flag, a combination of flags). Never a traceback."""


def report_problems(problems: Iterable[str]) -> None:
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)


def fail(problems: str | Iterable[str]) -> typer.Exit:
    """Print problems and return an Exit(2) for the caller to raise."""
    report_problems([problems] if isinstance(problems, str) else problems)
    return typer.Exit(INPUT_ERROR_EXIT)
