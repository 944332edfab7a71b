"""Errors raised for bad persona input. Each problem reads `FILE:ROW-or-LINE: field: message`."""

from __future__ import annotations


class PersonaError(ValueError):
    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))
