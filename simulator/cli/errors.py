"""How the CLI reports bad input: one `error: ...` line per problem, exit code 2."""

from __future__ import annotations

import sys
from collections.abc import Iterable

import typer

INPUT_ERROR_EXIT = 2


class UserInputError(Exception):
    """Bad input from the user (a file, a flag, a model string). Never a traceback.

    `problems` are lines such as `FILE:LINE: what is wrong and what to do`.
    """

    def __init__(self, problems: str | Iterable[str]):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems))


def report_problems(problems: Iterable[str]) -> None:
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)


def fail(problems: str | Iterable[str]) -> typer.Exit:
    """Print problems and return an Exit(2) for the caller to raise."""
    report_problems([problems] if isinstance(problems, str) else problems)
    return typer.Exit(INPUT_ERROR_EXIT)
