"""Errors raised for bad protocol input. Each problem reads `FILE:LINE: message`."""

from __future__ import annotations


class ProtocolError(ValueError):
    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))
