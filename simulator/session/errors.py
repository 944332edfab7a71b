"""Errors for session requests the user can fix (exit 2)."""

from __future__ import annotations


class SessionInputError(Exception):
    """A session cannot start or continue because of what the user asked."""

    def __init__(self, problem: str | list[str]):
        self.problems = [problem] if isinstance(problem, str) else list(problem)
        super().__init__("; ".join(self.problems))
