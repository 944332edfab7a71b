"""Bad judging input (a rubric, rules or transcript file, an unknown session): exit 2, no traceback."""

from __future__ import annotations

from simulator.cli.errors import UserInputError


class JudgeError(UserInputError):
    """`problems` are lines such as `FILE:LINE: what is wrong and what to do`."""
